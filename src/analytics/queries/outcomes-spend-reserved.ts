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

/** Each reservation's used (converted) tokens per hour, by reservation index. */
export type UsedHours = Map<number, Promise<Map<number, MoneyValue>>>;

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

// A (reservation, hour) as one Int64 map key: reservation indexes are small and hours are Unix
// seconds (< 2^32), so key = res * 2^32 + hour stays exact in a JavaScript number.
const HOUR_SPAN = 4_294_967_296;
const KEY = `toInt64(l.res) * ${HOUR_SPAN} + l.hour`;
/** The token counts a reservation converts, in the order every covered-token row carries them. */
export const TOKEN_NAMES = [
  'input_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'output_tokens',
] as const;
const TOKEN_ARRAYS = TOKEN_NAMES.map((n) => `[l.${n}]`).join(', ');
const mapOf = (cond: string): string =>
  `sumMapIf([${KEY}], ${TOKEN_ARRAYS}, l.linked = 1 AND l.res >= 0${cond !== '' ? ` AND ${cond}` : ''})`;
const merged = (n: string): string => `sumMap(${n}.1, ${n}.2, ${n}.3, ${n}.4, ${n}.5) AS ${n}`;

/**
 * The covered links' tokens per (reservation, hour) as sumMap state: per outcome (`cov`: all its
 * links; `s_cov`: those starting in [from, to), given as `since`), then merged per group.
 */
export const COVERED_MAPS = {
  perOutcome: (since: string): string => `${mapOf('')} AS cov, ${mapOf(since)} AS s_cov`,
  perGroup: `${merged('cov')}, ${merged('s_cov')}`,
};

type TokenArrays = [unknown[], unknown[], unknown[], unknown[], unknown[]];

/** A sumMap tuple as it comes back: keys, then the four token arrays (JSON arrays or objects). */
function entries(map: unknown): { res: number; hour: number; tokens: number[] }[] {
  const parts = (Array.isArray(map) ? map : Object.values(map ?? {})) as TokenArrays;
  const [keys = [], ...tokens] = parts;
  return keys.map((k, i) => {
    const key = Number(k);
    return {
      res: Math.floor(key / HOUR_SPAN),
      hour: key % HOUR_SPAN,
      tokens: tokens.map((column) => Number(column[i] ?? 0)),
    };
  });
}

const tokenRow = (
  grp: string,
  res: number,
  hourS: number,
  t: readonly number[],
): CoveredTokens => ({
  grp,
  res,
  hour: hourS * 1000,
  input_tokens: t[0] ?? 0,
  cache_read_tokens: t[1] ?? 0,
  cache_creation_tokens: t[2] ?? 0,
  output_tokens: t[3] ?? 0,
});

/**
 * The covered token rows the split needs, hours in ms: each group's (`g:<group>`, every link of
 * its outcomes), the range's (TOTAL) and the unlinked calls' (the range's less the links that
 * start in it, summed over the groups: each link belongs to one outcome).
 */
export function coveredRows(
  groupRows: readonly Record<string, unknown>[],
  range: readonly CoveredTokens[],
): CoveredTokens[] {
  const out: CoveredTokens[] = [];
  const linkedInRange = new Map<number, number[]>();
  for (const row of groupRows) {
    for (const e of entries(row.cov))
      out.push(tokenRow(`g:${String(row.grp ?? '')}`, e.res, e.hour, e.tokens));
    for (const e of entries(row.s_cov)) {
      const key = e.res * HOUR_SPAN + e.hour;
      const sum = linkedInRange.get(key) ?? [0, 0, 0, 0];
      linkedInRange.set(
        key,
        sum.map((v, i) => v + (e.tokens[i] ?? 0)),
      );
    }
  }
  for (const r of range) {
    const res = Number(r.res);
    const hour = Number(r.hour);
    const all = TOKEN_NAMES.map((n) => Number(r[n]));
    const linked = linkedInRange.get(res * HOUR_SPAN + hour) ?? [0, 0, 0, 0];
    out.push(tokenRow(TOTAL, res, hour, all));
    out.push(
      tokenRow(
        UNLINKED,
        res,
        hour,
        all.map((v, i) => v - (linked[i] ?? 0)),
      ),
    );
  }
  return out;
}

/**
 * Each group's (and the unlinked calls') allocated share of the reservation hours its covered
 * calls fell in, over [from, to): the calls' candidate window.
 */
export async function reservedShares(
  storage: QueryRunner,
  reservations: readonly ReservationConfig[],
  covered: readonly CoveredTokens[],
  q: { from: Date; to: Date; spread: boolean; now: number },
  /** Each reservation's used tokens per hour, kept across calls of the same question. */
  usedByReservation: UsedHours = new Map(),
): Promise<Map<string, MoneyValue>> {
  const out = new Map<string, MoneyValue>();
  for (const [i, r] of reservations.entries()) {
    const mine = covered.filter((c) => c.res === i);
    const range = activeRange(r, q.from, q.to, q.now);
    if (mine.length === 0 || range === undefined) continue;
    let pending = usedByReservation.get(i);
    if (pending === undefined) {
      pending = readHourTokens(storage, r, {
        from: new Date(range[0]),
        to: new Date(range[1]),
        dims: [],
        filters: coverageFilters(r),
      }).then((all) => new Map(all.map((row) => [row.hour, row.converted])));
      usedByReservation.set(i, pending);
    }
    const used = await pending;
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
