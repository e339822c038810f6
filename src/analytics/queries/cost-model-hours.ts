// The cost model's reservation split on integers: with whole capacity weights (the usual case)
// converted tokens are integers and every hour's parts are integers of 10^-18 dollars, so a
// month of hours over hundreds of groups is split with BigInt (splitUnits, the arithmetic of
// largestRemainder's whole-weight path) and summed per output line, one decimal per line at the
// end. The 80-digit decimal path did ~10 decimal operations per group-hour (7-12 s for a month by
// tenant with two reservations). Same weights, same order of groups within an hour (by group id,
// which breaks remainder ties), same digits as splitHours; an hour whose
// unused weight is not whole (a partial hour of a fractional capacity) takes largestRemainder.
import type { ReservationConfig } from '../../shared/config-finops.js';
import {
  Money,
  ZERO,
  fromUnits,
  splitUnits,
  toUnits,
  type MoneyValue,
} from '../../shared/money.js';
import type { QueryRunner } from '../../storage/runner.js';
import { byHourInOrder, hourCost, hoursOf } from './cost-model-alloc.js';
import { splitLastFractional } from './cost-model-remainder.js';
import { TOKEN_MEASURES, groupId, groupReadSql, type GroupRead } from './cost-model-read.js';

/** One group's covered usage in one hour, converted tokens as an integer. */
export interface HourUnits {
  hour: number;
  /** groupId of the key: the order of groups within an hour (it breaks remainder ties). */
  id: string;
  key: Record<string, string>;
  converted: bigint;
}

/** What a reservation line needs of each hour. */
export interface HourCharge {
  hour: number;
  seconds: MoneyValue;
  cost: MoneyValue;
  unused: MoneyValue;
  /** `unused` in 10^-18 units, when the split had them (saves converting it back). */
  unusedUnits?: bigint | undefined;
}

/** Whether converted tokens are integers (every capacity weight whole): the integer split applies. */
export const wholeWeights = (w: ReservationConfig['weights']): boolean =>
  [w.input, w.cached_input, w.cache_write, w.output].every(Number.isInteger);

/** convertedTokens for whole weights, as a BigInt (the same token numbers, exactly). */
function convertedUnits(w: ReservationConfig['weights'], row: Record<string, unknown>): bigint {
  const input = Number(row.input_tokens ?? 0);
  const read = Number(row.cache_read_tokens ?? 0);
  const write = Number(row.cache_creation_tokens ?? 0);
  const output = Number(row.output_tokens ?? 0);
  const uncached = Math.max(0, input - read - write);
  const n = w.input * uncached + w.cached_input * read + w.cache_write * write + w.output * output;
  if (Number.isSafeInteger(n)) return BigInt(n);
  return (
    BigInt(w.input) * BigInt(uncached) +
    BigInt(w.cached_input) * BigInt(read) +
    BigInt(w.cache_write) * BigInt(write) +
    BigInt(w.output) * BigInt(output)
  );
}

export interface HourUnitsRead {
  groups: HourUnits[];
  /**
   * Converted tokens of the hour's token sums over every group read, as a read with no dims
   * would give (the read's rows partition the same calls, and the token sums are exact).
   */
  used: Map<number, bigint>;
}

const TOKENS = ['input_tokens', 'cache_read_tokens', 'cache_creation_tokens', 'output_tokens'];

/** readHourTokens as integers, or undefined when the reservation's weights are not whole. */
export async function readHourUnits(
  storage: QueryRunner,
  r: ReservationConfig,
  q: Pick<GroupRead, 'from' | 'to' | 'dims' | 'filters'>,
): Promise<HourUnitsRead | undefined> {
  if (!wholeWeights(r.weights)) return undefined;
  const { sql, params } = groupReadSql({ ...q, bucket: 'hour', measures: TOKEN_MEASURES });
  const rows = await storage.query<Record<string, string | number>>(sql, params);
  // One key object and id per group, not per group-hour.
  const keys = new Map<string, { id: string; key: Record<string, string> }>();
  const sums = new Map<number, Record<string, number>>();
  const groups: HourUnits[] = [];
  for (const row of rows) {
    if (!(Number(row.calls ?? 0) > 0)) continue;
    const values = q.dims.map((d) => String(row[d] ?? ''));
    const joined = values.join('\u0000');
    let group = keys.get(joined);
    if (group === undefined) {
      const key = Object.fromEntries(q.dims.map((d, i) => [d, values[i] ?? '']));
      group = { id: groupId(key), key };
      keys.set(joined, group);
    }
    const hour = Number(row.bucket_s) * 1000;
    const sum = sums.get(hour) ?? Object.fromEntries(TOKENS.map((t) => [t, 0]));
    for (const t of TOKENS) sum[t] = (sum[t] ?? 0) + Number(row[t] ?? 0);
    sums.set(hour, sum);
    groups.push({ hour, id: group.id, key: group.key, converted: convertedUnits(r.weights, row) });
  }
  const used = new Map([...sums].map(([h, sum]) => [h, convertedUnits(r.weights, sum)]));
  return { groups, used };
}

/** The hour's parts in units: [...groups, covered usage outside the question, unused]. */
function hourParts(t: bigint, weights: bigint[], used: bigint, capacity: MoneyValue): bigint[] {
  const usedMoney = new Money(used.toString());
  // A fractional idle weight: largestRemainder's decimal digits, computed on BigInt.
  if (!capacity.isInteger() && capacity.gt(usedMoney))
    return splitLastFractional(t, weights, capacity.sub(usedMoney));
  const idle = capacity.gt(usedMoney) ? BigInt(capacity.toFixed(0)) - used : 0n;
  const all = [...weights, idle];
  if (used === 0n && idle === 0n) return all.map((_w, i) => (i === all.length - 1 ? t : 0n));
  return splitUnits(t, all);
}

/**
 * splitHours on integers: calls `share` once per group-hour with its part (plus its spread
 * unused share) in units, and returns each hour's charge and unused part for the reservation
 * lines.
 */
export function splitHourUnits(
  r: ReservationConfig,
  range: [number, number],
  groups: readonly HourUnits[],
  usedByHour: ReadonlyMap<number, bigint>,
  spread: boolean,
  share: (g: HourUnits, units: bigint) => void,
): HourCharge[] {
  const byHour = byHourInOrder(groups);
  const perMinute = new Money(r.tokens_per_minute_per_unit).mul(r.units);
  // Whole hours share one charge and capacity: computed once per length, not per hour.
  const byLength = new Map<string, { cost: MoneyValue; t: bigint; capacity: MoneyValue }>();
  return hoursOf(range[0], range[1]).map(({ hour, seconds }) => {
    const length = seconds.toString();
    let h = byLength.get(length);
    if (h === undefined) {
      const cost = hourCost(r, seconds);
      h = { cost, t: toUnits(cost), capacity: perMinute.mul(seconds).div(60) };
      byLength.set(length, h);
    }
    const { cost, capacity } = h;
    const rows = byHour.get(hour) ?? [];
    let mine = 0n;
    for (const g of rows) mine += g.converted;
    const reported = usedByHour.get(hour) ?? 0n;
    const used = reported > mine ? reported : mine;
    const weights = rows.map((g) => g.converted);
    weights.push(used - mine);
    const parts = hourParts(h.t, weights, used, capacity);
    let unused = parts[parts.length - 1] ?? 0n;
    let extra: bigint[] | undefined;
    if (spread && used > 0n && unused > 0n) {
      extra = splitUnits(unused, weights);
      unused = 0n;
    }
    rows.forEach((g, i) => share(g, (parts[i] ?? 0n) + (extra?.[i] ?? 0n)));
    return {
      hour,
      seconds,
      cost,
      unused: unused === 0n ? ZERO : fromUnits(unused),
      unusedUnits: unused,
    };
  });
}
