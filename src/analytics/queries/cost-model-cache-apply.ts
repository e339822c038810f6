// The closed-day cache (cost-model-cache.ts) in the engine split (cost-model-engine.ts): which
// days a question takes from it and which it splits, the cached days applied to the lines as the
// query's rows would be, and the split days stored.
import type { ReservationConfig } from '../../shared/config-finops.js';
import { UNIT } from '../../shared/money.js';
import type { QueryRunner } from '../../storage/runner.js';
import {
  admit,
  blockKey,
  cacheable,
  closedBlocks,
  dayOf,
  dayStamp,
  HOUR_MS,
  liveRanges,
  readStamps,
  shapeKey,
  shapeOf,
  noteCache,
  type Block,
  type DaySplit,
} from './cost-model-cache.js';
import { bucketOf, type Lines, type ModelQuery } from './cost-model-lines.js';
import { groupId } from './cost-model-read.js';
import { IDLE_RANK, type SqlBatchRow } from './cost-model-sql.js';

export interface CachePlan {
  shape: Map<string, DaySplit>;
  /** Stamps read before the split, per closed block (blockKey). */
  stamps: Map<string, string>;
  /** Blocks answered from the cache. */
  hits: Map<Block, DaySplit>;
  /** Closed blocks the query splits, to be stored, by their start: days and hours apart. */
  fillDays: Set<number>;
  fillHours: Set<number>;
  /** The ranges the query still splits. */
  live: [number, number][];
  /** groupId -> the question's group key. */
  keys: Map<string, Record<string, string>>;
}

/**
 * Which closed days of the batch come from the cache; undefined when the question is not cached
 * (a filter, hourly buckets, or a capacity that is not whole).
 */
export async function planCache(
  storage: QueryRunner,
  q: ModelQuery,
  reservations: readonly ReservationConfig[],
  range: [number, number],
  filtered: boolean,
  order: readonly Record<string, string>[],
): Promise<CachePlan | undefined> {
  if (filtered || q.bucket === 'hour' || !cacheable(reservations)) return undefined;
  const blocks = closedBlocks(range[0], range[1], (q.now ?? new Date()).getTime());
  // Only ranges holding a whole closed day: a few hours split as fast as they are read back, and a
  // cold question returns its rows per block (to store them) instead of per output bucket.
  if (!blocks.some((b) => b.len > HOUR_MS)) return undefined;
  const shape = shapeOf(storage, shapeKey(reservations, q.dims, q.unused === 'spread'));
  // Hours of a day now cached whole are not asked for again.
  for (const b of blocks)
    if (b.len > HOUR_MS)
      for (let h = b.start; h < b.start + b.len; h += HOUR_MS) shape.delete(`h${h}`);
  const stamps = await readStamps(storage, reservations, blocks);
  const keys = new Map(order.map((key) => [groupId(key), key]));
  const plan: CachePlan = {
    shape,
    stamps,
    hits: new Map(),
    fillDays: new Set(),
    fillHours: new Set(),
    live: [],
    keys,
  };
  for (const b of blocks) {
    const cached = shape.get(blockKey(b));
    // A group the question does not know (its totals read missed it) makes the block split again.
    const known = cached?.parts.every((p) => [...p.groups.keys()].every((id) => keys.has(id)));
    if (cached !== undefined && known === true && cached.stamp === stamps.get(blockKey(b)))
      plan.hits.set(b, cached);
    else (b.len === HOUR_MS ? plan.fillHours : plan.fillDays).add(b.start);
  }
  plan.live = liveRanges(range[0], range[1], [...plan.hits.keys()]);
  return plan;
}

/** The cached days' groups onto the lines, and their hours' unused parts into `unused`. */
export function applyCached(
  storage: QueryRunner,
  plan: CachePlan,
  q: ModelQuery,
  reservations: readonly ReservationConfig[],
  unused: readonly Map<number, bigint>[],
  lines: Lines,
): void {
  // Summed per (reservation, output bucket, group) in BigInt first, into one mutable pair per
  // group (the cached pairs themselves are never written), then one line lookup per group.
  const sums = reservations.map(() => new Map<number | undefined, Map<string, [bigint, bigint]>>());
  for (const [block, split] of plan.hits) {
    const bucket = bucketOf(block.start, q.bucket);
    split.parts.forEach((part, k) => {
      const hours = unused[k];
      const byBucket = sums[k];
      if (hours === undefined || byBucket === undefined) return;
      for (const [hour, u] of part.unused) hours.set(hour, u);
      let groups = byBucket.get(bucket);
      if (groups === undefined) byBucket.set(bucket, (groups = new Map()));
      for (const [id, pair] of part.groups) {
        const s = groups.get(id);
        if (s === undefined) groups.set(id, [pair[0], pair[1]]);
        else {
          s[0] += pair[0];
          s[1] += pair[1];
        }
      }
    });
  }
  sums.forEach((byBucket, k) => {
    const r = reservations[k];
    if (r === undefined) return;
    const name = r.name ?? r.deployment;
    for (const [bucket, groups] of byBucket)
      for (const [id, [units, converted]] of groups) {
        const line = lines.get('usage', bucket, plan.keys.get(id) ?? {}, name, r.deployment, id);
        line.effectiveUnits += units;
        line.quantityUnits += converted * UNIT;
      }
  });
  noteCache(storage, 'hits', plan.hits.size);
}

/**
 * Where the query puts an hour's groups (its output bucket, in s): the day of a day to be
 * stored, else the hour itself (bucketOf maps either to the question's bucket).
 */
export const outOf = (plan: CachePlan, hour: number): number =>
  (plan.fillDays.has(dayOf(hour)) ? dayOf(hour) : hour) / 1000;

/**
 * The blocks to be stored, from the query's rows (one row per group and block), each stored when
 * what the split read equals the stamp read before it.
 */
export function storeSplit(
  storage: QueryRunner,
  plan: CachePlan,
  rows: readonly SqlBatchRow[],
  order: readonly Record<string, string>[],
  n: number,
): void {
  type Fill = { parts: DaySplit['parts']; seen: (string | undefined)[] };
  const fills = new Map<string, Fill>();
  const entry = (key: string): Fill => {
    let e = fills.get(key);
    if (e === undefined) {
      const parts = Array.from({ length: n }, () => ({ groups: new Map(), unused: new Map() }));
      fills.set(key, (e = { parts, seen: Array.from({ length: n }, () => undefined) }));
    }
    return e;
  };
  const blockOf = (ts: number, idle: boolean): string | undefined => {
    const day = idle ? dayOf(ts) : ts;
    if (plan.fillDays.has(day)) return `d${day}`;
    return plan.fillHours.has(ts) ? `h${ts}` : undefined;
  };
  for (const row of rows) {
    if (row.e !== 1) continue;
    const key = blockOf(row.ts, row.rank === IDLE_RANK);
    if (key === undefined) continue;
    const e = entry(key);
    const part = e.parts[row.j - 1];
    if (part === undefined) continue;
    e.seen[row.j - 1] = row.stamp;
    if (row.rank === IDLE_RANK) part.unused.set(row.ts, row.units);
    else {
      const group = order[row.rank - 1];
      if (group !== undefined) part.groups.set(groupId(group), [row.units, row.converted]);
    }
  }
  let stored = 0;
  const keys = [
    ...[...plan.fillDays].map((d) => `d${d}`),
    ...[...plan.fillHours].map((h) => `h${h}`),
  ];
  for (const key of keys) {
    const e = entry(key);
    const stamp = dayStamp(e.seen);
    if (stamp !== plan.stamps.get(key)) continue;
    if (admit(storage, plan.shape, key, { stamp, parts: e.parts })) stored += 1;
  }
  noteCache(storage, 'stored', stored);
}
