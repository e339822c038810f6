// The closed-day cache (cost-model-cache.ts) in the engine split (cost-model-engine.ts): which
// days a question takes from it and which it splits, the cached days applied to the lines as the
// query's rows would be, and the split days stored.
import type { ReservationConfig } from '../../shared/config-finops.js';
import { Money, fromUnits } from '../../shared/money.js';
import type { QueryRunner } from '../../storage/runner.js';
import {
  cacheable,
  closedDays,
  dayOf,
  dayStamp,
  liveRanges,
  readStamps,
  shapeKey,
  shapeOf,
  noteCache,
  type DaySplit,
} from './cost-model-cache.js';
import { bucketOf, type Lines, type ModelQuery } from './cost-model-lines.js';
import { groupId } from './cost-model-read.js';
import { IDLE_RANK, type SqlBatchRow } from './cost-model-sql.js';

export interface CachePlan {
  shape: Map<number, DaySplit>;
  /** Stamps read before the split, per closed day. */
  stamps: Map<number, string>;
  /** Days answered from the cache. */
  hits: Map<number, DaySplit>;
  /** Closed days the query splits, to be stored. */
  fill: Set<number>;
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
  const days = closedDays(range[0], range[1], (q.now ?? new Date()).getTime());
  if (days.length === 0) return undefined;
  const shape = shapeOf(storage, shapeKey(reservations, q.dims, q.unused === 'spread'));
  const stamps = await readStamps(storage, reservations, days);
  const keys = new Map(order.map((key) => [groupId(key), key]));
  const hits = new Map<number, DaySplit>();
  const fill = new Set<number>();
  for (const day of days) {
    const cached = shape.get(day);
    // A group the question does not know (its totals read missed it) makes the day split again.
    const known = cached?.parts.every((p) => [...p.groups.keys()].every((id) => keys.has(id)));
    if (cached !== undefined && known === true && cached.stamp === stamps.get(day))
      hits.set(day, cached);
    else fill.add(day);
  }
  const live = liveRanges(range[0], range[1], [...hits.keys()]);
  return { shape, stamps, hits, fill, live, keys };
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
  // Summed per (reservation, output bucket, group) in BigInt first: a line and two decimal
  // additions per cached group-day cost ~100 ms a month by tenant, per question.
  const sums = reservations.map(() => new Map<number | undefined, Map<string, [bigint, bigint]>>());
  for (const [day, split] of plan.hits) {
    const bucket = bucketOf(day, q.bucket);
    split.parts.forEach((part, k) => {
      const hours = unused[k];
      const byBucket = sums[k];
      if (hours === undefined || byBucket === undefined) return;
      for (const [hour, u] of part.unused) hours.set(hour, u);
      let groups = byBucket.get(bucket);
      if (groups === undefined) byBucket.set(bucket, (groups = new Map()));
      for (const [id, [units, converted]] of part.groups) {
        const s = groups.get(id);
        if (s === undefined) groups.set(id, [units, converted]);
        else groups.set(id, [s[0] + units, s[1] + converted]);
      }
    });
  }
  sums.forEach((byBucket, k) => {
    const r = reservations[k];
    if (r === undefined) return;
    for (const [bucket, groups] of byBucket)
      for (const [id, [units, converted]] of groups) {
        const line = lines.get(
          'usage',
          bucket,
          plan.keys.get(id) ?? {},
          r.name ?? r.deployment,
          r.deployment,
        );
        line.effective = line.effective.add(fromUnits(units));
        line.quantity = line.quantity.add(new Money(converted.toString()));
      }
  });
  noteCache(storage, 'hits', plan.hits.size);
}

/**
 * The split days of `plan.fill` from the query's rows (output bucket = day: the engine returned
 * one row per group and day), stored when what the split read equals the stamp read before it.
 */
export function storeSplit(
  storage: QueryRunner,
  plan: CachePlan,
  rows: readonly SqlBatchRow[],
  order: readonly Record<string, string>[],
  n: number,
): void {
  const days = new Map<number, { parts: DaySplit['parts']; seen: (string | undefined)[] }>();
  const entry = (day: number): { parts: DaySplit['parts']; seen: (string | undefined)[] } => {
    let e = days.get(day);
    if (e === undefined) {
      const parts = Array.from({ length: n }, () => ({ groups: new Map(), unused: new Map() }));
      days.set(day, (e = { parts, seen: Array.from({ length: n }, () => undefined) }));
    }
    return e;
  };
  for (const row of rows) {
    if (row.e !== 1) continue;
    const day = dayOf(row.ts);
    if (!plan.fill.has(day)) continue;
    const e = entry(day);
    const part = e.parts[row.j - 1];
    if (part === undefined) continue;
    e.seen[row.j - 1] = row.stamp;
    if (row.rank === IDLE_RANK) part.unused.set(row.ts, row.units);
    else {
      const key = order[row.rank - 1];
      if (key !== undefined) part.groups.set(groupId(key), [row.units, row.converted]);
    }
  }
  let stored = 0;
  for (const day of plan.fill) {
    const e = entry(day);
    const stamp = dayStamp(e.seen);
    if (stamp !== plan.stamps.get(day)) continue;
    plan.shape.set(day, { stamp, parts: e.parts });
    stored += 1;
  }
  noteCache(storage, 'stored', stored);
}
