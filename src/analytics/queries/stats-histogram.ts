// Fixed log-bucket histograms: the latency representation in the perf rollups (the scheme and its
// SQL are in storage/catalog/histogram.ts). Buckets merge exactly by addition, so any quantile and
// the share under any deadline (SLOs change in config) can be read from a rollup after the fact.
// Within a bucket values are taken as log-uniform, so a read-back is off by at most one bucket
// width (4.4 %) and typically by much less.
import {
  BUCKETS_PER_DOUBLING,
  BUCKET_OFFSET as OFFSET,
  MAX_BUCKET,
} from '../../storage/catalog/histogram.js';

/** Relative width of one bucket (upper / lower - 1). */
export const BUCKET_RELATIVE_WIDTH = 2 ** (1 / BUCKETS_PER_DOUBLING) - 1;

/** bucket -> count. */
export type Histogram = Map<number, number>;

/** The bucket of a value: the JS twin of the catalog's bucketSql (tests and seeding). */
export function bucketOf(x: number): number {
  if (!(x > 0)) return 0;
  return Math.min(
    MAX_BUCKET,
    Math.max(1, Math.floor(BUCKETS_PER_DOUBLING * Math.log2(x)) + OFFSET),
  );
}

export function bucketLower(i: number): number {
  return i <= 0 ? 0 : 2 ** ((i - OFFSET) / BUCKETS_PER_DOUBLING);
}

export function bucketUpper(i: number): number {
  return i <= 0 ? 0 : 2 ** ((i + 1 - OFFSET) / BUCKETS_PER_DOUBLING);
}

/** A ClickHouse Map(UInt16, UInt64) as JSON: keys are text, counts numbers or quoted text. */
export function histogramFromJson(value: unknown): Histogram {
  const h: Histogram = new Map();
  if (value === null || typeof value !== 'object') return h;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const n = Number(v);
    if (n > 0) h.set(Number(k), n);
  }
  return h;
}

/** Adds `from` into `into` (mutates `into`). */
export function mergeInto(into: Histogram, from: Histogram): Histogram {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
  return into;
}

export function histogramCount(h: Histogram): number {
  let n = 0;
  for (const v of h.values()) n += v;
  return n;
}

function sortedBuckets(h: Histogram): [number, number][] {
  return [...h.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
}

/** The q-quantile (0..1), log-interpolated inside its bucket; null for an empty histogram. */
export function histogramQuantile(h: Histogram, q: number): number | null {
  const buckets = sortedBuckets(h);
  const total = buckets.reduce((s, [, c]) => s + c, 0);
  if (total === 0) return null;
  const target = Math.min(Math.max(q, 0), 1) * total;
  let before = 0;
  for (const [i, c] of buckets) {
    if (before + c >= target) {
      if (i === 0) return 0;
      const f = c > 0 ? (target - before) / c : 0;
      const lo = bucketLower(i);
      return lo * (bucketUpper(i) / lo) ** f;
    }
    before += c;
  }
  const last = buckets[buckets.length - 1];
  return last !== undefined ? bucketUpper(last[0]) : null;
}

/** How many values are <= x, log-interpolating inside the bucket that straddles x. */
export function countAtMost(h: Histogram, x: number): number {
  let n = 0;
  for (const [i, c] of h) {
    if (i === 0) {
      if (x >= 0) n += c;
      continue;
    }
    const lo = bucketLower(i);
    const hi = bucketUpper(i);
    if (hi <= x) n += c;
    else if (lo < x) n += (c * Math.log(x / lo)) / Math.log(hi / lo);
  }
  return n;
}

export interface QuantileSummary {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** p50/p95/p99 rounded to 0.01 (units of the histogram's values). */
export function summarize(h: Histogram): QuantileSummary {
  const round = (v: number | null): number | null =>
    v === null ? null : Math.round(v * 100) / 100;
  return {
    count: histogramCount(h),
    p50: round(histogramQuantile(h, 0.5)),
    p95: round(histogramQuantile(h, 0.95)),
    p99: round(histogramQuantile(h, 0.99)),
  };
}
