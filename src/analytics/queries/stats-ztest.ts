// One-sided two-proportion z-test (pooled), for "did the hit rate drop?". The normal CDF comes
// from @stdlib (exact to double precision), not a lookup table, because alpha is often 0.01 or less.
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';

export interface ProportionTest {
  /** Baseline successes / trials. */
  x1: number;
  n1: number;
  /** Current successes / trials. */
  x2: number;
  n2: number;
}

export interface ProportionTestResult {
  p1: number | null;
  p2: number | null;
  /** (p1 - p2) / SE under the pooled null; positive when the current rate is lower. */
  z: number | null;
  /** P(Z >= z): the one-sided p-value of H1 "current rate < baseline rate". */
  pValue: number | null;
}

/**
 * H0: p_current >= p_baseline; H1: p_current < p_baseline. z = (p1 - p2) / sqrt(p(1-p)(1/n1 + 1/n2))
 * with the pooled p = (x1 + x2) / (n1 + n2). Valid when each window has enough trials
 * (callers enforce a minimum); a pooled p of 0 or 1 means no variance and no evidence (p-value 1).
 */
export function oneSidedDropTest(t: ProportionTest): ProportionTestResult {
  if (t.n1 <= 0 || t.n2 <= 0)
    return {
      p1: t.n1 > 0 ? t.x1 / t.n1 : null,
      p2: t.n2 > 0 ? t.x2 / t.n2 : null,
      z: null,
      pValue: null,
    };
  const p1 = t.x1 / t.n1;
  const p2 = t.x2 / t.n2;
  const pooled = (t.x1 + t.x2) / (t.n1 + t.n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / t.n1 + 1 / t.n2));
  if (!(se > 0)) return { p1, p2, z: 0, pValue: 1 };
  const z = (p1 - p2) / se;
  // Phi(-z) rather than 1 - Phi(z): no cancellation for large z.
  return { p1, p2, z, pValue: normalCdf(-z, 0, 1) };
}
