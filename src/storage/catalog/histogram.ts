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
