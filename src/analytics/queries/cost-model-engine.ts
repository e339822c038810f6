// The reservations of a question split inside ClickHouse (cost-model-sql.ts), all of them in one
// query with the covered measures: this file builds the hour arrays the query takes, and applies
// its rows to the lines as cost-model-apply.ts does for one reservation in JS. Hours whose
// capacity is fractional come back as group-hours and are split here with splitHourUnits (the
// decimal remainder decides them), so the answer is the JS split's, digit for digit.
import type { ReservationConfig } from '../../shared/config-finops.js';
import { Money, UNIT, ZERO, fromUnits, toUnits, type MoneyValue } from '../../shared/money.js';
import type { FilterValue } from '../../storage/planner/plan.js';
import type { QueryRunner } from '../../storage/runner.js';
import { hourCost, hoursOf } from './cost-model-alloc.js';
import { reportedUsage, splitIntoLines } from './cost-model-apply.js';
import { applyCached, outOf, planCache, storeSplit } from './cost-model-cache-apply.js';
import { splitHourUnits, type HourCharge, type HourUnits } from './cost-model-hours.js';
import {
  addReservationLines,
  bucketOf,
  showsReservation,
  type Lines,
  type ModelQuery,
} from './cost-model-lines.js';
import { USAGE_MEASURES, groupId } from './cost-model-read.js';
import { IDLE_RANK, splitBatch, type SqlBatchRow, type SqlReservation } from './cost-model-sql.js';

const HOUR_MS = 3_600_000;

/** Reservations on distinct deployments whose hours the question charges over the same range. */
export interface EngineBatch {
  reservations: readonly ReservationConfig[];
  range: [number, number];
}

interface Hours {
  hours: { hour: number; seconds: MoneyValue }[];
  /** Per reservation: its engine arrays and the fractional-capacity runs split in JS. */
  sql: SqlReservation[];
  runs: [number, number][][];
  reported: Map<number, bigint>[];
}

async function hourArrays(
  storage: QueryRunner,
  batch: EngineBatch,
  filtered: boolean,
): Promise<Hours> {
  const [lo, hi] = batch.range;
  const hours = hoursOf(lo, hi);
  const out: Hours = { hours, sql: [], runs: [], reported: [] };
  for (const r of batch.reservations) {
    const reported = filtered ? await reportedUsage(storage, r, batch.range) : new Map();
    const perMinute = new Money(r.tokens_per_minute_per_unit).mul(r.units);
    const x = { r, units: [] as string[], capacity: [] as string[], reported: [] as string[] };
    const engine: number[] = [];
    const runs: [number, number][] = [];
    // Whole hours share one charge and capacity: computed once per length, not per hour.
    const byLength = new Map<string, { whole: boolean; units: string; capacity: string }>();
    for (const h of hours) {
      const length = h.seconds.toString();
      let c = byLength.get(length);
      if (c === undefined) {
        const capacity = perMinute.mul(h.seconds).div(60);
        const whole = capacity.isInteger();
        c = {
          whole,
          units: whole ? toUnits(hourCost(r, h.seconds)).toString() : '0',
          capacity: whole ? capacity.toFixed(0) : '0',
        };
        byLength.set(length, c);
      }
      const { whole } = c;
      x.units.push(c.units);
      x.capacity.push(c.capacity);
      x.reported.push((reported.get(h.hour) ?? 0n).toString());
      engine.push(whole ? 1 : 0);
      // Contiguous runs of fractional hours, clipped to the range (splitHourUnits' range).
      if (whole) continue;
      const last = runs[runs.length - 1];
      const end = Math.min(hi, h.hour + HOUR_MS);
      if (last !== undefined && last[1] === h.hour) last[1] = end;
      else runs.push([Math.max(lo, h.hour), end]);
    }
    out.sql.push({ ...x, engine });
    out.runs.push(runs);
    out.reported.push(reported);
  }
  return out;
}

/** What the query's rows leave to JS, per reservation. */
interface Rest {
  unused: Map<number, bigint>;
  groups: HourUnits[];
  used: Map<number, bigint>;
}

/** Whether every row names a reservation of the batch and a group of `order` (or the hour). */
const placeable = (rows: readonly SqlBatchRow[], batch: EngineBatch, groups: number): boolean =>
  rows.every(
    (row) =>
      row.j >= 1 &&
      row.j <= batch.reservations.length &&
      (row.rank === IDLE_RANK || (row.rank >= 1 && row.rank <= groups)),
  );

/** Applies the rows (placeable) to the lines; returns what is left to JS per reservation. */
function applyRows(
  rows: readonly SqlBatchRow[],
  q: ModelQuery,
  batch: EngineBatch,
  order: readonly Record<string, string>[],
  lines: Lines,
): Rest[] {
  const rest: Rest[] = batch.reservations.map(() => ({
    unused: new Map(),
    groups: [],
    used: new Map(),
  }));
  // One group id per rank, not a JSON key per row.
  const ids = order.map((key) => groupId(key));
  for (const row of rows) {
    const r = batch.reservations[row.j - 1];
    const x = rest[row.j - 1];
    if (r === undefined || x === undefined) continue;
    if (row.rank === IDLE_RANK) {
      if (row.e === 1) x.unused.set(row.ts, row.units);
      else x.used.set(row.ts, row.used);
      continue;
    }
    const key = order[row.rank - 1];
    const id = ids[row.rank - 1];
    if (key === undefined || id === undefined) continue;
    const name = r.name ?? r.deployment;
    const bucket = bucketOf(row.ts, q.bucket);
    if (row.e === 2) {
      lines.get('usage', bucket, key, '', '', id).addUnits(row.mu, -1);
      lines.get('usage', bucket, key, name, r.deployment, id).addUnits(row.mu);
      continue;
    }
    if (row.e === 1) {
      const line = lines.get('usage', bucket, key, name, r.deployment, id);
      line.effectiveUnits += row.units;
      line.quantityUnits += row.converted * UNIT;
      continue;
    }
    x.groups.push({ hour: row.ts, id, key, converted: row.converted });
  }
  return rest;
}

/**
 * Applies a batch of reservations with one query; false (nothing applied) when the engine cannot
 * answer it exactly (a key holding NUL, a group the ordering read did not see, an hour of over
 * 2^63 converted tokens): the caller then applies them one by one in JS.
 */
export async function applyInEngine(
  storage: QueryRunner,
  q: ModelQuery,
  batch: EngineBatch,
  scope: Record<string, FilterValue>,
  order: readonly Record<string, string>[],
  lines: Lines,
): Promise<boolean> {
  // The group key is matched as its values joined by NUL: a value holding one could collide.
  if (order.some((key) => Object.values(key).some((v) => v.includes('\u0000')))) return false;
  const filtered = Object.keys(scope).length > 0;
  const rs = batch.reservations;
  // Closed days already split for this question shape come from the cache (cost-model-cache.ts);
  // then the query splits only the rest and returns its rows per day, to be stored.
  const cache = await planCache(storage, q, rs, batch.range, filtered, order);
  const out = (hour: number): number =>
    cache !== undefined ? outOf(cache, hour) : (bucketOf(hour, q.bucket) ?? 0) / 1000;
  const h = await hourArrays(storage, batch, filtered);
  const [lo, hi] = batch.range;
  // A cached question sends the arrays of the hours it splits only.
  const keep =
    cache === undefined
      ? undefined
      : h.hours.flatMap((x, i) =>
          cache.live.some(([a, b]) => x.hour < b && x.hour + HOUR_MS > a) ? [i] : [],
        );
  const pick = <T>(xs: readonly T[]): T[] =>
    keep === undefined ? [...xs] : keep.flatMap((i) => (i < xs.length ? [xs[i] as T] : []));
  const rows = await splitBatch(storage, {
    reservations: h.sql.map((x) => ({
      ...x,
      units: pick(x.units),
      capacity: pick(x.capacity),
      reported: pick(x.reported),
      engine: pick(x.engine),
    })),
    read: { from: new Date(lo), to: new Date(hi), dims: q.dims, filters: scope },
    measures: q.measures ?? USAGE_MEASURES,
    bucket: q.bucket,
    h0: h.hours[0]?.hour ?? lo,
    out: pick(h.hours.map((x) => out(x.hour))),
    hours: keep === undefined ? undefined : pick(h.hours.map((x) => x.hour)),
    split: cache?.live,
    order,
    filtered,
    spread: q.unused === 'spread',
  });
  // A group the ordering read did not see (a concurrent insert): nothing applied, JS splits.
  if (rows === undefined || !placeable(rows, batch, order.length)) return false;
  const rest = applyRows(rows, q, batch, order, lines);
  if (cache !== undefined) {
    const unused = rest.map((x) => x.unused);
    applyCached(storage, cache, q, rs, unused, lines);
    storeSplit(storage, cache, rows, order, rs.length);
  }
  batch.reservations.forEach((r, k) => {
    const x = rest[k];
    if (x === undefined) return;
    const used = filtered ? (h.reported[k] ?? new Map<number, bigint>()) : x.used;
    const charges = hourCharges(q, r, batch.range, h.runs[k] ?? [], x, used, lines);
    if (showsReservation(r, q)) addReservationLines(q, r, r.name ?? r.deployment, charges, lines);
  });
  return true;
}

/** Each hour's charge and unused part: the engine's, and the JS split's for fractional hours. */
function hourCharges(
  q: ModelQuery,
  r: ReservationConfig,
  range: [number, number],
  runs: readonly [number, number][],
  x: Rest,
  used: ReadonlyMap<number, bigint>,
  lines: Lines,
): HourCharge[] {
  const spread = q.unused === 'spread';
  const charges = new Map<number, HourCharge>();
  // Hours the engine split: their charge and its unused part as they are. The others (no usage
  // of the question: split between other covered calls, `used` holds them when the question is
  // filtered, and idle capacity) by the JS split, one call per run of such hours: splitting
  // every hour again only to replace its unused part cost ~30 ms a month of two reservations.
  const [lo, hi] = range;
  const rest: [number, number][] = [];
  for (const { hour, seconds } of hoursOf(lo, hi)) {
    const u = x.unused.get(hour);
    if (u !== undefined) {
      // The decimal only if a reader asks (addReservationLines takes the units).
      const cost = hourCost(r, seconds);
      charges.set(hour, {
        hour,
        seconds,
        cost,
        unusedUnits: u,
        get unused() {
          return u === 0n ? ZERO : fromUnits(u);
        },
      });
      continue;
    }
    const end = Math.min(hi, hour + HOUR_MS);
    const last = rest[rest.length - 1];
    if (last !== undefined && last[1] === hour) last[1] = end;
    else rest.push([Math.max(lo, hour), end]);
  }
  for (const run of rest)
    for (const c of splitHourUnits(r, run, [], used, spread, () => undefined))
      charges.set(c.hour, c);
  const name = r.name ?? r.deployment;
  for (const run of runs)
    for (const c of splitIntoLines(q, r, name, run, x.groups, used, lines)) charges.set(c.hour, c);
  return [...charges.values()].sort((a, b) => a.hour - b.hour);
}
