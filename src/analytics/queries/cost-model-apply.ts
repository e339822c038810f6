// One reservation applied to a question's lines in JS: covered usage moves from on-demand lines to
// covered ones (billed $0), and each covered hour's charge is split over the covered groups and
// the unused capacity (effective). Three ways to split, one result:
//   engine   whole weights, many group-hours (a month by tenant): every reservation of the
//            question at once in ClickHouse (cost-model-engine.ts, cost-model-sql.ts), not here;
//   units    whole weights in JS BigInt (cost-model-hours.ts): questions with few group-hours,
//            the partial hours of a fractional capacity, and the reference the engine split is
//            tested against (`split: 'js'`);
//   decimal  fractional weights, every group-hour in exact decimals (cost-model-alloc.ts).
import type { ReservationConfig } from '../../shared/config-finops.js';
import { UNIT, ZERO, toUnits, type MoneyValue } from '../../shared/money.js';
import type { FilterValue } from '../../storage/planner/plan.js';
import type { QueryRunner } from '../../storage/runner.js';
import { splitHours, type HourSplit } from './cost-model-alloc.js';
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
  coverageFilters,
  readGroups,
  readHourTokens,
  scopedCoverage,
} from './cost-model-read.js';

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
  // Only reservations whose coverage meets the scope get here (costLines).
  const filters = scopedCoverage(r, scope) ?? { ...scope, ...coverageFilters(r) };
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
    lines.get('usage', g.bucket, g.key, '', '', g.id).addUnits(g.mu, -1);
    lines.get('usage', g.bucket, g.key, name, r.deployment, g.id).addUnits(g.mu);
    keys.set(g.id, g.key);
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
  const split = wholeWeights(r.weights)
    ? await allocateUnits(storage, q, r, range, a)
    : await allocateDecimal(storage, q, r, range, a);
  if (showsReservation(r, q)) addReservationLines(q, r, name, split, lines);
}

/** Every covered call's converted tokens per hour, whatever the question's scope. */
export async function reportedUsage(
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
  // Scoped by a filter, a group's share still depends on every covered call: read them all.
  const used = a.filtered ? await reportedUsage(storage, r, range) : (units?.used ?? new Map());
  return splitIntoLines(q, r, a.name, range, units?.groups ?? [], used, a.lines);
}

/**
 * splitHourUnits over `range`, each group's units and converted tokens summed per output line
 * (one decimal per line, not per group-hour); returns the hours' charges.
 */
export function splitIntoLines(
  q: ModelQuery,
  r: ReservationConfig,
  name: string,
  range: [number, number],
  groups: readonly HourUnits[],
  used: ReadonlyMap<number, bigint>,
  lines: Lines,
): HourCharge[] {
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
    const line = lines.get('usage', bucket, g.key, name, r.deployment, g.id);
    line.effectiveUnits += share;
    line.quantityUnits += qty * UNIT;
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
    // Parts are at the stored scale (largestRemainder); converted tokens of fractional weights
    // need not be, so they stay decimals.
    line.effectiveUnits += toUnits(share);
    line.quantityRest = line.quantityRest.add(g.converted);
  }
  return split;
}
