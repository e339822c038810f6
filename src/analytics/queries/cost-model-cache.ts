// Closed days' reservation split, remembered (cost-model-engine.ts asks). The engine split of a
// month by tenant is ~390k group-hours of Int128 array arithmetic (0.8 s of CPU at 2M calls,
// growing with group-hours, not calls), done again for every question although a day that has
// ended does not change: its hours' charges and capacities are fixed by the reservation's config,
// and its covered calls only change when a late call arrives. So each whole UTC day that ended
// before the question (`now`) is split once per question shape and kept here: per reservation,
// each group's allocated 10^-18 units and converted tokens, and each hour's unused units. Only the
// split is kept: the measures that move to covered lines (cost, list cost, tokens) are read again
// every time, so a repriced call shows its new price at once.
//
// Invalidation, exact: a cached day carries the stamp of the rows its split read (per reservation:
// calls and the four token sums of its covered calls, returned by the split query itself). Every
// question first reads the same sums per day from llm_costs_alloc_1d (a few hundred rows: days x
// reservations) and uses a day only when they are equal; a late call, a TTL drop or a rebuild
// changes them and the day is split again. A day is stored only when the stamp read before the
// split equals what the split read (an insert landing between them leaves the day uncached).
// The shape key holds every reservation's config, the group-by and the spread mode, so a changed
// reservation or another question never meets another's split; questions with filters (a tenant,
// a deployment) are not cached (their shares depend on calls outside the scope). Bounded: at most
// MAX_SHAPES shapes per storage, the least recently asked dropped first.
import type { ReservationConfig } from '../../shared/config-finops.js';
import { Money } from '../../shared/money.js';
import { BILLABLE_KINDS } from '../../storage/catalog/measures.js';
import type { QueryRunner } from '../../storage/runner.js';
import { COVERED_TIERS } from './cost-model-read.js';
import { placeSql } from './cost-model-sql.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MAX_SHAPES = 64;

/** One reservation's split of a day. */
export interface DayPart {
  /** groupId -> [allocated units, converted tokens]. */
  groups: Map<string, [bigint, bigint]>;
  /** hour (ms) -> unused units, for hours with covered calls. */
  unused: Map<number, bigint>;
}

export interface DaySplit {
  stamp: string;
  parts: DayPart[];
}

type Shape = Map<number, DaySplit>;

const CACHES = new WeakMap<QueryRunner, Map<string, Shape>>();
const STATS = new WeakMap<QueryRunner, { hits: number; stored: number }>();

/** Days answered from the cache and days stored, per storage (tests and the benchmark read it). */
export function splitCacheStats(storage: QueryRunner): { hits: number; stored: number } {
  return { ...(STATS.get(storage) ?? { hits: 0, stored: 0 }) };
}

/** Forgets every cached split of `storage` (the benchmark times the first question with it). */
export function clearSplitCache(storage: QueryRunner): void {
  CACHES.delete(storage);
}

/** Counts days answered from the cache (`hits`) or stored (`stored`). */
export function noteCache(storage: QueryRunner, field: 'hits' | 'stored', days: number): void {
  let s = STATS.get(storage);
  if (s === undefined) STATS.set(storage, (s = { hits: 0, stored: 0 }));
  s[field] += days;
}

/** The cached days of one question shape (created on first use, refreshed as most recent). */
export function shapeOf(storage: QueryRunner, key: string): Shape {
  let shapes = CACHES.get(storage);
  if (shapes === undefined) CACHES.set(storage, (shapes = new Map()));
  let shape = shapes.get(key);
  if (shape !== undefined) shapes.delete(key);
  else shape = new Map();
  shapes.set(key, shape);
  for (const old of shapes.keys()) {
    if (shapes.size <= MAX_SHAPES) break;
    shapes.delete(old);
  }
  return shape;
}

export function shapeKey(
  reservations: readonly ReservationConfig[],
  dims: readonly string[],
  spread: boolean,
): string {
  return JSON.stringify({ reservations, dims, spread });
}

/**
 * Whether a batch's days can be cached: every whole hour's capacity is a whole number of converted
 * tokens (the engine splits it; a fractional one is split in JS hour by hour).
 */
export function cacheable(reservations: readonly ReservationConfig[]): boolean {
  return reservations.every((r) =>
    new Money(r.tokens_per_minute_per_unit).mul(r.units).mul(60).isInteger(),
  );
}

/** The whole UTC days inside [lo, hi) that ended by `now`. */
export function closedDays(lo: number, hi: number, now: number): number[] {
  const out: number[] = [];
  for (let d = Math.ceil(lo / DAY_MS) * DAY_MS; d + DAY_MS <= Math.min(hi, now); d += DAY_MS)
    out.push(d);
  return out;
}

/** [lo, hi) without the given whole days (sorted): the ranges the split still reads. */
export function liveRanges(lo: number, hi: number, skip: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  let at = lo;
  for (const d of skip) {
    if (d > at) out.push([at, d]);
    at = d + DAY_MS;
  }
  if (at < hi) out.push([at, hi]);
  return out;
}

/** The stamp of a day from per-reservation texts (missing: no covered calls). */
export const dayStamp = (texts: readonly (string | undefined)[]): string =>
  texts.map((t) => t ?? '0:0:0:0:0').join('|');

/**
 * Per closed day, the calls and token sums of each reservation's covered calls, as the split
 * query reports what it read (same coverage: billable kinds, covered tiers, deployment and the
 * provider / model a reservation names).
 */
export async function readStamps(
  storage: QueryRunner,
  reservations: readonly ReservationConfig[],
  days: readonly number[],
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const first = days[0];
  const last = days[days.length - 1];
  if (first === undefined || last === undefined) return out;
  const place = placeSql({
    reservations: reservations.map((r) => ({
      r,
      units: [],
      capacity: [],
      reported: [],
      engine: [],
    })),
    read: { from: new Date(first), to: new Date(last + DAY_MS), dims: [], filters: {} },
  });
  const sums = [
    'calls',
    'input_tokens',
    'cache_read_tokens',
    'cache_creation_tokens',
    'output_tokens',
  ];
  const sql =
    `SELECT toUnixTimestamp(day) AS d, ${place.j} AS j, ` +
    `arrayStringConcat([${sums.map((c) => `toString(sum(${c}))`).join(', ')}], ':') AS st ` +
    `FROM llm_costs_alloc_1d WHERE day >= toDateTime({st_from:UInt32}, 'UTC') ` +
    `AND day < toDateTime({st_to:UInt32}, 'UTC') AND deployment IN {cm_deps:Array(String)} ` +
    `AND kind IN {st_kinds:Array(String)} AND capacity_tier IN {st_tiers:Array(String)} ` +
    `AND ${place.where} GROUP BY d, j HAVING sum(calls) > 0`;
  const named = (f: (r: ReservationConfig) => string | undefined): string[] =>
    reservations.map((r) => f(r) ?? '');
  const rows = await storage.query<{ d: number | string; j: number | string; st: string }>(sql, {
    st_from: first / 1000,
    st_to: (last + DAY_MS) / 1000,
    st_kinds: [...BILLABLE_KINDS],
    st_tiers: [...COVERED_TIERS],
    cm_deps: named((r) => r.deployment),
    cm_js: reservations.map((_r, i) => i + 1),
    cm_hp: reservations.map((r) => (r.provider !== undefined ? 1 : 0)),
    cm_pv: named((r) => r.provider),
    cm_hm: reservations.map((r) => (r.model !== undefined ? 1 : 0)),
    cm_md: named((r) => r.model),
  });
  const texts = new Map<number, (string | undefined)[]>();
  for (const day of days)
    texts.set(
      day,
      reservations.map(() => undefined),
    );
  for (const row of rows) {
    const t = texts.get(Number(row.d) * 1000);
    if (t !== undefined) t[Number(row.j) - 1] = row.st;
  }
  for (const [day, t] of texts) out.set(day, dayStamp(t));
  return out;
}

/** The day of an hour (ms). */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

export { HOUR_MS };
