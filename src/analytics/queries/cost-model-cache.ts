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
/**
 * Group-blocks (a group's units in one block) kept per storage, all shapes together: ~150 bytes
 * each, so ~60 MB at most (a month by 500 tenants with two reservations is ~53k).
 */
const MAX_ENTRIES = 400_000;

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

type Shape = Map<string, DaySplit>;

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

const entries = (split: DaySplit): number =>
  split.parts.reduce((n, p) => n + p.groups.size + p.unused.size, 0);

/**
 * Stores a block in `shape` when the storage's cache stays within MAX_ENTRIES, dropping the least
 * recently asked other shapes first; false when it would not fit even then.
 */
export function admit(storage: QueryRunner, shape: Shape, key: string, split: DaySplit): boolean {
  const shapes = CACHES.get(storage);
  if (shapes === undefined) return false;
  const size = (s: Shape): number => [...s.values()].reduce((n, b) => n + entries(b), 0);
  let total = entries(split) - (shape.has(key) ? entries(shape.get(key) as DaySplit) : 0);
  for (const s of shapes.values()) total += size(s);
  for (const [k, s] of shapes) {
    if (total <= MAX_ENTRIES) break;
    if (s === shape) continue;
    total -= size(s);
    shapes.delete(k);
  }
  if (total > MAX_ENTRIES) return false;
  shape.set(key, split);
  return true;
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

/** A cached unit of a question's range: a whole UTC day, or a whole hour of a partial day. */
export interface Block {
  start: number;
  len: number;
}

export const blockKey = (b: Block): string => `${b.len === DAY_MS ? 'd' : 'h'}${b.start}`;

/**
 * The closed blocks inside [lo, hi): whole UTC days that ended by `now`, and the whole hours that
 * ended by `now` of the partial days at either end (today's, the first day's), sorted.
 */
export function closedBlocks(lo: number, hi: number, now: number): Block[] {
  const out: Block[] = [];
  const end = Math.min(hi, now);
  for (let t = Math.ceil(lo / HOUR_MS) * HOUR_MS; t + HOUR_MS <= end;) {
    const len = t % DAY_MS === 0 && t + DAY_MS <= end ? DAY_MS : HOUR_MS;
    out.push({ start: t, len });
    t += len;
  }
  return out;
}

/** [lo, hi) without the given blocks (sorted): the ranges the split still reads. */
export function liveRanges(lo: number, hi: number, skip: readonly Block[]): [number, number][] {
  const out: [number, number][] = [];
  let at = lo;
  for (const b of skip) {
    if (b.start > at) {
      const last = out[out.length - 1];
      if (last !== undefined && last[1] === at) last[1] = b.start;
      else out.push([at, b.start]);
    }
    at = b.start + b.len;
  }
  if (at < hi) out.push([at, hi]);
  return out;
}

/** The stamp of a block from per-reservation texts (missing: no covered calls). */
export const dayStamp = (texts: readonly (string | undefined)[]): string =>
  texts.map((t) => t ?? '0:0:0:0:0').join('|');

const SUMS = [
  'calls',
  'input_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'output_tokens',
];

/**
 * Per closed block, the calls and token sums of each reservation's covered calls, as the split
 * query reports what it read (same coverage: billable kinds, covered tiers, deployment and the
 * provider / model a reservation names): days from llm_costs_alloc_1d, hours from _1h.
 */
export async function readStamps(
  storage: QueryRunner,
  reservations: readonly ReservationConfig[],
  blocks: readonly Block[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (blocks.length === 0) return out;
  const place = placeSql({
    reservations: reservations.map((r) => ({
      r,
      units: [],
      capacity: [],
      reported: [],
      engine: [],
    })),
    read: { from: new Date(0), to: new Date(0), dims: [], filters: {} },
  });
  const part = (g: 'd' | 'h', table: string, time: string): string =>
    `SELECT '${g}' AS g, toUnixTimestamp(${time}) AS t, ${place.j} AS j, ` +
    `arrayStringConcat([${SUMS.map((c) => `toString(sum(${c}))`).join(', ')}], ':') AS st ` +
    `FROM ${table} WHERE ${time} >= toDateTime({st_${g}0:UInt32}, 'UTC') ` +
    `AND ${time} < toDateTime({st_${g}1:UInt32}, 'UTC') AND t IN {st_${g}s:Array(UInt32)} ` +
    `AND deployment IN {cm_deps:Array(String)} AND kind IN {st_kinds:Array(String)} ` +
    `AND capacity_tier IN {st_tiers:Array(String)} AND ${place.where} GROUP BY t, j HAVING sum(calls) > 0`;
  const named = (f: (r: ReservationConfig) => string | undefined): string[] =>
    reservations.map((r) => f(r) ?? '');
  const params: Record<string, unknown> = {
    st_kinds: [...BILLABLE_KINDS],
    st_tiers: [...COVERED_TIERS],
    cm_deps: named((r) => r.deployment),
    cm_js: reservations.map((_r, i) => i + 1),
    cm_hp: reservations.map((r) => (r.provider !== undefined ? 1 : 0)),
    cm_pv: named((r) => r.provider),
    cm_hm: reservations.map((r) => (r.model !== undefined ? 1 : 0)),
    cm_md: named((r) => r.model),
  };
  const parts: string[] = [];
  for (const [g, len, table, time] of [
    ['d', DAY_MS, 'llm_costs_alloc_1d', 'day'],
    ['h', HOUR_MS, 'llm_costs_alloc_1h', 'hour'],
  ] as const) {
    const starts = blocks.filter((b) => b.len === len).map((b) => b.start / 1000);
    if (starts.length === 0) continue;
    parts.push(part(g, table, time));
    params[`st_${g}0`] = Math.min(...starts);
    params[`st_${g}1`] = Math.max(...starts) + len / 1000;
    params[`st_${g}s`] = starts;
  }
  const rows = await storage.query<{
    g: string;
    t: number | string;
    j: number | string;
    st: string;
  }>(parts.join('\nUNION ALL\n'), params as never);
  const texts = new Map<string, (string | undefined)[]>();
  for (const b of blocks)
    texts.set(
      blockKey(b),
      reservations.map(() => undefined),
    );
  for (const row of rows) {
    const t = texts.get(`${row.g}${Number(row.t) * 1000}`);
    if (t !== undefined) t[Number(row.j) - 1] = row.st;
  }
  for (const [key, t] of texts) out.set(key, dayStamp(t));
  return out;
}

/** The day of an hour (ms). */
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

export { HOUR_MS };
