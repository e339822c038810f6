// The reservation side of spend per outcome, on the one cost model: a call a reservation covers
// spends its share of the reservation hour (converted tokens, cost-model-alloc.ts), not its token
// price. The SQL tags each candidate call with the reservation covering it (`res`, -1 for none)
// and its hour; covered token counts come back per (outcome group, reservation, hour) and for the
// unlinked calls, and each hour is split here over those groups, every other covered call of the
// hour (all tenants) and the unused capacity, so a group's share is what /v1/costs gives the
// same calls. The unused share is charged to no outcome (it is no outcome's doing) unless asked
// to spread it (`unused=spread`): then each hour's unused part is split again over the same
// weights (the groups, the unlinked calls and every other covered call of the hour), exactly as
// /v1/costs?unused=spread spreads it over its groups, so fully loaded spend agrees with it.
import type { ReservationConfig } from '../../shared/config-finops.js';
import { ZERO, type MoneyValue } from '../../shared/money.js';
import type { QueryRunner } from '../../storage/runner.js';
import { activeRange, convertedTokens, splitHours, type HourGroup } from './cost-model-alloc.js';
import { coverageFilters, readHourTokens } from './cost-model-read.js';

/** `multiIf(<covered by reservation i>, i, ..., -1)` over llm_calls columns; binds its params. */
export function coverageSql(
  reservations: readonly ReservationConfig[],
  params: Record<string, unknown>,
): string {
  const arms = reservations.map((r, i) => {
    const conds = [`deployment = {rv_d${i}:String}`, "capacity_tier IN ('provisioned', '')"];
    params[`rv_d${i}`] = r.deployment;
    if (r.provider !== undefined) {
      params[`rv_p${i}`] = r.provider;
      conds.push(`provider = {rv_p${i}:String}`);
    }
    if (r.model !== undefined) {
      params[`rv_m${i}`] = r.model;
      conds.push(`model = {rv_m${i}:String}`);
    }
    if (r.start !== undefined) {
      params[`rv_s${i}`] = (Date.parse(r.start) / 1000).toFixed(3);
      conds.push(`start_time >= toDateTime64({rv_s${i}:Decimal64(3)}, 3, 'UTC')`);
    }
    if (r.end !== undefined) {
      params[`rv_e${i}`] = (Date.parse(r.end) / 1000).toFixed(3);
      conds.push(`start_time < toDateTime64({rv_e${i}:Decimal64(3)}, 3, 'UTC')`);
    }
    return `${conds.join(' AND ')}, ${i}`;
  });
  return arms.length > 0 ? `multiIf(${arms.join(', ')}, -1)` : '-1';
}

/** Covered token counts of one share id (outcome group, unlinked, total) in one reservation hour. */
export interface CoveredTokens {
  grp: string;
  res: number;
  hour: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  output_tokens: number;
}

/** Share ids: `g:<group>` for an outcome group, these for the unlinked calls and all calls. */
export const UNLINKED = 'u';
export const TOTAL = 't';

/**
 * Each group's (and the unlinked calls') allocated share of the reservation hours its covered
 * calls fell in, over [from, to): the calls' candidate window.
 */
export async function reservedShares(
  storage: QueryRunner,
  reservations: readonly ReservationConfig[],
  covered: readonly CoveredTokens[],
  q: { from: Date; to: Date; spread: boolean; now: number },
): Promise<Map<string, MoneyValue>> {
  const out = new Map<string, MoneyValue>();
  for (const [i, r] of reservations.entries()) {
    const mine = covered.filter((c) => c.res === i);
    const range = activeRange(r, q.from, q.to, q.now);
    if (mine.length === 0 || range === undefined) continue;
    const all = await readHourTokens(storage, r, {
      from: new Date(range[0]),
      to: new Date(range[1]),
      dims: [],
      filters: coverageFilters(r),
    });
    const used = new Map(all.map((row) => [row.hour, row.converted]));
    const groups: HourGroup[] = mine.map((c) => ({
      hour: c.hour,
      id: c.grp,
      converted: convertedTokens(r.weights, c as unknown as Record<string, unknown>),
    }));
    for (const h of splitHours(r, range, groups, used, q.spread))
      for (const [id, part] of h.parts)
        out.set(id, (out.get(id) ?? ZERO).add(part).add(h.spread.get(id) ?? ZERO));
  }
  return out;
}
