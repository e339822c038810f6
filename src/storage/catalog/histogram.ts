// The latency histogram scheme of the perf rollups: fixed log buckets, 16 per doubling (each 4.43 %
// wide), bucket i >= 1 covering [2^((i-129)/16), 2^((i-128)/16)), bucket 0 holding zero. Buckets
// merge exactly by addition, so any quantile and the share under any deadline can be read back
// from a rollup. The SQL here is what the views store; analytics/queries/stats-histogram.ts reads it.

export const BUCKETS_PER_DOUBLING = 16;
export const BUCKET_OFFSET = 129;
export const MAX_BUCKET = 1023;

/** The SQL mapping a non-negative Float64 expression to its bucket. */
export function bucketSql(x: string): string {
  return `if(${x} > 0, toUInt16(least(${MAX_BUCKET}, greatest(1, floor(${BUCKETS_PER_DOUBLING} * log2(${x})) + ${BUCKET_OFFSET}))), toUInt16(0))`;
}

/**
 * The histogram of `bucket` (a UInt16 bucket expression) over the rows matching `cond`, as the
 * Map(bucket, count) that `sumMapIf(map(bucket, toUInt64(1)), cond)` gives, but built by sorting
 * the group's bucket numbers and counting each run of equal ones. sumMap keeps its sums in an
 * ordered map of generic values and pays a lookup per row; collecting two bytes a row and sorting
 * them once per group was 3-4x cheaper in a view (`BENCH_VARIANTS=summap-histograms,current npm
 * run bench:analytics-gen`). Collected arrays grow with the group, so only the views use it (an
 * inserted block is ~1M rows at most); a backfill over a whole table keeps sumMapIf. arraySplit
 * starts a run wherever the sorted value changes; no lambda captures an array, so it stays linear.
 */
export function countedBucketsSql(bucket: string, cond: string): string {
  const runs = 'arraySplit((b, starts) -> starts, s, arrayMap(d -> d != 0, arrayDifference(s)))';
  const toMap = 'mapFromArrays(arrayMap(r -> r[1], rs), arrayMap(r -> toUInt64(length(r)), rs))';
  return `arrayMap(rs -> ${toMap}, arrayMap(s -> ${runs}, [arraySort(groupArrayIf(${bucket}, ${cond}))]))[1]`;
}

/**
 * SQL of the q-quantile (0..1) of a merged histogram `h` (a Map(UInt16, UInt64) expression such as
 * `sumMap(ttft_h)`), log-interpolated inside its bucket: the same arithmetic as
 * analytics/queries/stats-histogram.ts histogramQuantile, so a dashboard panel and the API read the
 * same quantile from the same rollup rows. NULL for an empty histogram. Nested lambdas bind the
 * map, the target rank and the bucket once (sumMap returns its keys sorted).
 */
export function quantileSql(h: string, q: number): string {
  const exp = (i: string, plus: number): string =>
    `pow(2, (${i} + ${plus} - ${BUCKET_OFFSET}) / ${BUCKETS_PER_DOUBLING})`;
  const target = `${q} * arraySum(mapValues(m))`;
  const before = `(arrayCumSum(mapValues(m))[j] - mapValues(m)[j])`;
  const value = `if(i = 0, 0., ${exp('i', 0)} * pow(${exp('i', 1)} / ${exp('i', 0)}, (${target} - ${before}) / mapValues(m)[j]))`;
  const atJ = `if(j = 0, NULL, arrayMap(i -> ${value}, [toInt32(mapKeys(m)[j])])[1])`;
  const j = `arrayFirstIndex(c -> c >= ${target}, arrayCumSum(mapValues(m)))`;
  return `arrayMap(m -> arrayMap(j -> ${atJ}, [${j}])[1], [${h}])[1]`;
}
