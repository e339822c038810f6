// One reservation applied to a question's lines: covered usage moves from on-demand lines to
// covered ones (billed $0), and each covered hour's charge is split over the covered groups and
// the unused capacity (effective). Three ways to split, one result:
//   engine   whole weights, whole-capacity hours, many group-hours (a month by tenant): in
//            ClickHouse (cost-model-sql.ts), only output rows come back, not 360k group-hours;
//   units    whole weights in JS BigInt (cost-model-hours.ts): questions with few group-hours,
//            the partial hours of a fractional capacity, and the reference the engine split is
//            tested against (`split: 'js'`);
//   decimal  fractional weights, every group-hour in exact decimals (cost-model-alloc.ts).
import type { ReservationConfig } from '../../shared/config-finops.js';
import { Money, ZERO, fromUnits, toUnits, type MoneyValue } from '../../shared/money.js';
import type { FilterValue } from '../../storage/planner/plan.js';
import type { QueryRunner } from '../../storage/runner.js';
import { hourCost, hoursOf, splitHours, type HourSplit } from './cost-model-alloc.js';
import {
  readHourUnits,
  splitHourUnits,
  wholeWeights,
  type HourCharge,
  type HourUnits,
} from './cost-model-hours.js';
import type { Lines } from './cost-model-lines.js';
import {
  addReservationLines,
  bucketOf,
  showsReservation,
  type ModelQuery,
} from './cost-model-lines.js';
import {
  USAGE_MEASURES,
  addMeasures,
  coverageFilters,
  groupId,
  readGroups,
  readHourTokens,
} from './cost-model-read.js';
import { splitInEngine, type SqlHour } from './cost-model-sql.js';

const HOUR_MS = 3_600_000;

interface Allocation {
  /** The question's scope and the reservation's coverage. */
  filters: Record<string, FilterValue>;
  /** A tenant or dimension filter: the question's reads miss other covered calls. */
  filtered: boolean;
  scoped: boolean;
  name: string;
  lines: Lines;
  /** The question's covered group keys, sorted by groupId (the remainder tie order). */
  order: Record<string, string>[];
}

export async function applyReservation(
  storage: QueryRunner,
  q: ModelQuery,
  r: ReservationConfig,
  range: [number, number],
  scope: Record<string, FilterValue>,
  lines: Lines,
): Promise<void> {
  const covered = coverageFilters(r);
  const filters = { ...scope, ...covered };
  const name = r.name ?? r.deployment;
  // Covered measures once per output bucket and group: moved from on-demand to covered lines.
  const moved = await readGroups(storage, {
    from: new Date(range[0]),
    to: new Date(range[1]),
    dims: q.dims,
    bucket: q.bucket,
    filters,
    measures: q.measures ?? USAGE_MEASURES,
  });
  const keys = new Map<string, Record<string, string>>();
  for (const g of moved) {
    addMeasures(lines.get('usage', g.bucket, g.key).m, g.m, -1);
    addMeasures(lines.get('usage', g.bucket, g.key, name, r.deployment).m, g.m);
    keys.set(groupId(g.key), g.key);
  }
  const order = [...keys.keys()].sort().map((id) => keys.get(id) ?? {});
  const filtered = Object.keys(scope).length > 0;
  const a: Allocation = {
    filters,
    filtered,
    scoped: filtered || q.dims.length > 0,
    name,
    lines,
    order,
  };
  let split: HourCharge[];
  if (!wholeWeights(r.weights)) split = await allocateDecimal(storage, q, r, range, a);
  else if (inEngine(q, range, order.length)) split = await allocateEngine(storage, q, r, range, a);
  else split = await allocateUnits(storage, q, r, range, a);
  if (showsReservation(r, q)) addReservationLines(q, r, name, split, lines);
}

/**
 * Group-hours (groups x hours, an upper bound) from which the engine split pays: measured by
 * `npm run bench:cost-model` (variants round-robin), a month by tenant (500 x 720 = 360k) split
 * 1.27x faster in the engine, a month by route (40 x 720 = 29k) 0.77x: shipping few group-hours
 * to JS costs less than the engine's Int256 array maths.
 */
const ENGINE_MIN_GROUP_HOURS = 100_000;

function inEngine(q: ModelQuery, range: [number, number], groups: number): boolean {
  if (q.split !== undefined && q.split !== 'auto') return q.split === 'engine';
  return groups * Math.ceil((range[1] - range[0]) / HOUR_MS) >= ENGINE_MIN_GROUP_HOURS;
}

/** Every covered call's converted tokens per hour, whatever the question's scope. */
async function reportedUsage(
  storage: QueryRunner,
  r: ReservationConfig,
  range: [number, number],
): Promise<Map<number, bigint>> {
  const all = await readHourUnits(storage, r, {
    from: new Date(range[0]),
    to: new Date(range[1]),
    dims: [],
    filters: coverageFilters(r),
  });
  return all?.used ?? new Map<number, bigint>();
}

/** Whole weights, in the engine for whole-capacity hours and in JS for the others. */
async function allocateEngine(
  storage: QueryRunner,
  q: ModelQuery,
  r: ReservationConfig,
  range: [number, number],
  a: Allocation,
): Promise<HourCharge[]> {
  const spread = q.unused === 'spread';
  const reported = a.filtered ? await reportedUsage(storage, r, range) : new Map<number, bigint>();
  const perMinute = new Money(r.tokens_per_minute_per_unit).mul(r.units);
  const hours = hoursOf(range[0], range[1]).map((h) => ({
    ...h,
    capacity: perMinute.mul(h.seconds).div(60),
  }));
  const inEngine: SqlHour[] = [];
  for (const h of hours)
    if (h.capacity.isInteger())
      inEngine.push({
        hour: h.hour,
        units: toUnits(hourCost(r, h.seconds)),
        capacity: BigInt(h.capacity.toFixed(0)),
        out: bucketOf(h.hour, q.bucket) ?? 0,
        reported: reported.get(h.hour) ?? 0n,
      });
  const res = await splitInEngine(storage, {
    r,
    read: { from: new Date(range[0]), to: new Date(range[1]), dims: q.dims, filters: a.filters },
    hours: inEngine,
    order: a.order,
    filtered: a.filtered,
    spread,
  });
  // A group the ordering read did not see (a concurrent insert): split it all in JS.
  if (res === undefined) return allocateUnits(storage, q, r, range, a);
  for (const g of res.groups) {
    const bucket = q.bucket === undefined ? undefined : g.out;
    const line = a.lines.get('usage', bucket, g.key, a.name, r.deployment);
    line.effective = line.effective.add(fromUnits(g.units));
    line.quantity = line.quantity.add(new Money(g.converted.toString()));
  }
  // Hours without the question's usage: split between other covered calls and idle capacity.
  const charges = new Map<number, HourCharge>();
  for (const c of splitHourUnits(r, range, [], reported, spread, () => undefined)) {
    const u = res.unused.get(c.hour);
    charges.set(c.hour, u === undefined ? c : { ...c, unused: u === 0n ? ZERO : fromUnits(u) });
  }
  for (const run of fractionalRuns(hours, range))
    for (const c of await allocateUnits(storage, q, r, run, a)) charges.set(c.hour, c);
  return [...charges.values()].sort((x, y) => x.hour - y.hour);
}

/** Contiguous runs of hours whose capacity is fractional, clipped to the range. */
function fractionalRuns(
  hours: readonly { hour: number; capacity: MoneyValue }[],
  range: [number, number],
): [number, number][] {
  const runs: [number, number][] = [];
  for (const h of hours) {
    if (h.capacity.isInteger()) continue;
    const last = runs[runs.length - 1];
    const hi = Math.min(range[1], h.hour + HOUR_MS);
    if (last !== undefined && last[1] === h.hour) last[1] = hi;
    else runs.push([Math.max(range[0], h.hour), hi]);
  }
  return runs;
}

/** Whole weights: the split in BigInt units, summed per output line (cost-model-hours.ts). */
async function allocateUnits(
  storage: QueryRunner,
  q: ModelQuery,
  r: ReservationConfig,
  range: [number, number],
  a: Allocation,
): Promise<HourCharge[]> {
  const [from, to] = [new Date(range[0]), new Date(range[1])];
  const units = await readHourUnits(storage, r, { from, to, dims: q.dims, filters: a.filters });
  const groups = units?.groups ?? [];
  // Scoped by a filter, a group's share still depends on every covered call: read them all.
  const used = a.filtered ? await reportedUsage(storage, r, range) : (units?.used ?? new Map());
  const acc = new Map<
    string,
    { g: HourUnits; bucket: number | undefined; units: bigint; qty: bigint }
  >();
  const split = splitHourUnits(r, range, groups, used, q.unused === 'spread', (g, share) => {
    const bucket = bucketOf(g.hour, q.bucket);
    const id = `${bucket ?? ''}|${g.id}`;
    const line = acc.get(id);
    if (line === undefined) acc.set(id, { g, bucket, units: share, qty: g.converted });
    else {
      line.units += share;
      line.qty += g.converted;
    }
  });
  for (const { g, bucket, units: share, qty } of acc.values()) {
    const line = a.lines.get('usage', bucket, g.key, a.name, r.deployment);
    line.effective = line.effective.add(fromUnits(share));
    line.quantity = line.quantity.add(new Money(qty.toString()));
  }
  return split;
}

/** Fractional weights: every group-hour in exact decimals (splitHours). */
async function allocateDecimal(
  storage: QueryRunner,
  q: ModelQuery,
  r: ReservationConfig,
  range: [number, number],
  a: Allocation,
): Promise<HourSplit[]> {
  const [from, to] = [new Date(range[0]), new Date(range[1])];
  // Converted tokens per hour (plain numbers: token counts), for the split of each hour.
  const groups = await readHourTokens(storage, r, { from, to, dims: q.dims, filters: a.filters });
  const all = a.scoped
    ? await readHourTokens(storage, r, { from, to, dims: [], filters: coverageFilters(r) })
    : groups;
  const used = new Map<number, MoneyValue>();
  for (const t of all) used.set(t.hour, (used.get(t.hour) ?? ZERO).add(t.converted));
  const split = splitHours(r, range, groups, used, q.unused === 'spread');
  const byHour = new Map(split.map((h) => [h.hour, h]));
  for (const g of groups) {
    const hour = byHour.get(g.hour);
    const line = a.lines.get('usage', bucketOf(g.hour, q.bucket), g.key, a.name, r.deployment);
    const share = (hour?.parts.get(g.id) ?? ZERO).add(hour?.spread.get(g.id) ?? ZERO);
    line.effective = line.effective.add(share);
    line.quantity = line.quantity.add(g.converted);
  }
  return split;
}
