// Inter-chunk latency statistics. Gaps are kept in a plain array: a stream has at most a few
// thousand chunks, and p95 needs them all; sorting once at span end is cheaper than a sketch.

export interface GapStats {
  meanMs: number;
  p95Ms: number;
}

/** Nearest-rank p95 (no interpolation), so the value is one that was actually observed. */
export function gapStats(gaps: readonly number[]): GapStats | undefined {
  if (gaps.length === 0) return undefined;
  let sum = 0;
  for (const g of gaps) sum += g;
  const sorted = [...gaps].sort((a, b) => a - b);
  const rank = Math.ceil(0.95 * sorted.length) - 1;
  return { meanMs: round3(sum / gaps.length), p95Ms: round3(sorted[Math.max(0, rank)] ?? 0) };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
