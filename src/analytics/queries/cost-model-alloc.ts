// The pure arithmetic of the cost model's reservation side: one reservation's hours, what each
// hour costs (the purchase charge), and how that cost is shared by the calls it covered and the
// unused capacity. Used by /v1/costs (effective cost), /v1/costs/provisioned and the FOCUS export,
// so every answer splits a reservation hour the same way. Per hour:
//   cost_h     = units x price_per_unit_hour x covered_seconds / 3600   (rounded to 18 decimals)
//   capacity_h = units x tokens_per_minute_per_unit x covered_seconds / 60
//   parts = largest remainder of cost_h over
//           [each group's converted tokens..., covered usage outside the question, unused weight]
//   unused weight = max(0, capacity_h - used_h)   => the parts sum to cost_h exactly.
// Basis: converted tokens (the provider's capacity weights), not list cost. A reservation sells
// throughput, and converted tokens are what a call took of it; list cost would hand an unpriced
// call (list 0) a free ride on capacity it really used, and would move shares whenever a price
// file changes although the capacity used did not.
// Spread (fully loaded showback): the unused part is split again over the same weights, so the
// groups carry the whole hour; an hour without any covered usage keeps its unused part.
import type { ReservationConfig } from '../../shared/config-finops.js';
import { MONEY_SCALE, Money, ZERO, largestRemainder, type MoneyValue } from '../../shared/money.js';

const HOUR_MS = 3_600_000;

/** One group's covered usage in one hour. */
export interface HourGroup {
  hour: number;
  /** Stable identity of the group (its dimension values). */
  id: string;
  converted: MoneyValue;
}

export interface HourSplit {
  hour: number;
  seconds: MoneyValue;
  /** The purchase charge of this hour (billed). */
  cost: MoneyValue;
  capacity: MoneyValue;
  /** Converted tokens of every covered call in the hour (all tenants, all scopes). */
  used: MoneyValue;
  /** Allocation per group id (effective cost of the covered calls). */
  parts: Map<string, MoneyValue>;
  /** Unused share spread onto each group id (spread mode only). */
  spread: Map<string, MoneyValue>;
  /** Unused capacity left as its own line (all of it unless spread). */
  unused: MoneyValue;
  /** Allocated to covered usage outside the question's scope (other tenants). */
  others: MoneyValue;
}

/** Converted tokens of a usage row: capacity weights, input counted net of cache reads and writes. */
export function convertedTokens(
  w: ReservationConfig['weights'],
  row: Record<string, unknown>,
): MoneyValue {
  const input = Number(row.input_tokens ?? 0);
  const read = Number(row.cache_read_tokens ?? 0);
  const write = Number(row.cache_creation_tokens ?? 0);
  const output = Number(row.output_tokens ?? 0);
  const uncached = Math.max(0, input - read - write);
  const ws = [w.input, w.cached_input, w.cache_write, w.output];
  // Whole weights (the usual case): exact in doubles far below 2^53, one decimal per row.
  if (ws.every(Number.isInteger)) {
    const n =
      w.input * uncached + w.cached_input * read + w.cache_write * write + w.output * output;
    if (Number.isSafeInteger(n)) return new Money(n);
  }
  return new Money(w.input)
    .mul(uncached)
    .add(new Money(w.cached_input).mul(read))
    .add(new Money(w.cache_write).mul(write))
    .add(new Money(w.output).mul(output));
}

/**
 * [from, to) clipped to the reservation's active window and to the end of the hour holding `now`
 * (ms), or undefined when they do not meet. Hours that have not begun are not charged (a range
 * reaching into the future billed purchase and unused capacity for hours nobody has had). The
 * current hour is charged in full: it is bought and billed once begun, and a share that shrank
 * second by second as its capacity grew would make two identical questions a second apart
 * disagree; its unused share falls as calls arrive. A range ending inside it still ends there.
 */
export function activeRange(
  r: ReservationConfig,
  from: Date,
  to: Date,
  now: number = Date.now(),
): [number, number] | undefined {
  const lo = Math.max(from.getTime(), r.start !== undefined ? Date.parse(r.start) : -Infinity);
  const begun = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
  const hi = Math.min(to.getTime(), begun, r.end !== undefined ? Date.parse(r.end) : Infinity);
  return lo < hi ? [lo, hi] : undefined;
}

/** Every hour touched by [lo, hi), with the seconds of it that are covered. */
export function hoursOf(lo: number, hi: number): { hour: number; seconds: MoneyValue }[] {
  const out: { hour: number; seconds: MoneyValue }[] = [];
  for (let h = Math.floor(lo / HOUR_MS) * HOUR_MS; h < hi; h += HOUR_MS) {
    const ms = Math.min(hi, h + HOUR_MS) - Math.max(lo, h);
    // Every whole hour shares one value: a month is 720 of them per reservation and reader.
    out.push({ hour: h, seconds: ms === HOUR_MS ? WHOLE_HOUR : new Money(ms).div(1000) });
  }
  return out;
}

const WHOLE_HOUR = new Money(3600);

// Every whole hour of a reservation costs the same: a month is 720 identical decimal products
// per reservation and reader, so each (reservation, seconds) is computed once.
const HOUR_COSTS = new WeakMap<ReservationConfig, Map<string, MoneyValue>>();

/** The purchase charge of `seconds` of a reservation hour, at the stored money scale. */
export function hourCost(r: ReservationConfig, seconds: MoneyValue): MoneyValue {
  let costs = HOUR_COSTS.get(r);
  if (costs === undefined) HOUR_COSTS.set(r, (costs = new Map()));
  const key = seconds.toString();
  let cost = costs.get(key);
  if (cost === undefined) {
    cost = new Money(r.price_per_unit_hour)
      .mul(r.units)
      .mul(seconds)
      .div(3600)
      .toDecimalPlaces(MONEY_SCALE);
    // A reservation is config: a handful of distinct partial hours, never an unbounded set.
    if (costs.size < 1024) costs.set(key, cost);
  }
  return cost;
}

/**
 * Groups by hour, each hour's groups ordered by id. The order breaks largest-remainder ties (equal
 * remainders are common: a full hour's weights sum to the capacity, so `cost x w mod capacity`
 * takes few values), so it must not be the order a parallel GROUP BY happens to return rows in:
 * that made a group's last digit change between two identical requests.
 */
export function byHourInOrder<G extends { hour: number; id: string }>(
  groups: readonly G[],
): Map<number, G[]> {
  const byHour = new Map<number, G[]>();
  for (const g of groups) {
    const list = byHour.get(g.hour);
    if (list === undefined) byHour.set(g.hour, [g]);
    else list.push(g);
  }
  for (const list of byHour.values()) list.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return byHour;
}

/**
 * Splits every hour of `range`. `groups` are the question's groups (one tenant's, when scoped);
 * `usedByHour` is every covered call's converted tokens per hour, whatever the scope, because a
 * group's share depends on everyone's usage.
 */
export function splitHours(
  r: ReservationConfig,
  range: [number, number],
  groups: readonly HourGroup[],
  usedByHour: ReadonlyMap<number, MoneyValue>,
  spread: boolean,
): HourSplit[] {
  const byHour = byHourInOrder(groups);
  return hoursOf(range[0], range[1]).map(({ hour, seconds }) => {
    const cost = hourCost(r, seconds);
    const capacity = new Money(r.tokens_per_minute_per_unit).mul(r.units).mul(seconds).div(60);
    const rows = byHour.get(hour) ?? [];
    const mine = rows.reduce((acc, g) => acc.add(g.converted), ZERO);
    // Never below the groups' own usage, even if the totals read raced a concurrent insert.
    const used = Money.max(mine, usedByHour.get(hour) ?? ZERO);
    const weights = [...rows.map((g) => g.converted), used.sub(mine)];
    const parts = largestRemainder(cost, [...weights, Money.max(ZERO, capacity.sub(used))]);
    let unused = parts[parts.length - 1] ?? ZERO;
    let others = parts[parts.length - 2] ?? ZERO;
    const spreadParts = new Map<string, MoneyValue>();
    if (spread && used.gt(0) && unused.gt(0)) {
      const shares = largestRemainder(unused, weights);
      rows.forEach((g, i) => spreadParts.set(g.id, shares[i] ?? ZERO));
      others = others.add(shares[shares.length - 1] ?? ZERO);
      unused = ZERO;
    }
    return {
      hour,
      seconds,
      cost,
      capacity,
      used,
      parts: new Map(rows.map((g, i) => [g.id, parts[i] ?? ZERO])),
      spread: spreadParts,
      unused,
      others,
    };
  });
}
