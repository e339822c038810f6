// When do a target's failures mean it is failing? A target that gets two calls a minute cannot
// wait for a window of hundreds of calls, and one failure in three calls is a 33% error rate
// that a healthy target shows now and then. Two tests, each at a stated false-alarm rate
// against a healthy target failing at the warn rate (routing.health.error_rate_warn, p0):
// - sequential (CUSUM of the log-likelihood ratio, failure at p1 = 50% vs p0, over the calls in
//   time order): decides on few calls when they fail in a row: at p0 = 5%, three failures with
//   no success between them;
// - binomial (failures of trials over the window, e.g. what the gateways report in aggregate):
//   P(X >= failures | trials, p0) at most ALPHA.
// The score's failure factor applies only when one of them says so.
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';

/** The failure rate the sequential test is tuned to detect quickly (every other call). */
export const P1 = 0.5;
/** Binomial test: the chance a target failing at the warn rate shows this many failures. */
export const ALPHA = 0.001;
/**
 * CUSUM threshold: ln(1 / ALPHA). Against a target failing at p0 the average run to a false
 * alarm is longer than 1 / ALPHA calls (Wald's bound; test/unit/routing-evidence.test.ts
 * measures it), and a target failing at P1 or worse is detected within a few calls.
 */
export const CUSUM_H = Math.log(1 / ALPHA);

/** Upper tail of the binomial: P(X >= k) for n trials at rate p. */
export function binomialTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return 1 - binomialCdf(k - 1, n, p);
}

/** True when `failures` of `trials` is unlikely (<= ALPHA) for a target failing at `p0`. */
export function significantFailures(failures: number, trials: number, p0: number): boolean {
  if (failures <= 0 || trials <= 0) return false;
  return binomialTail(failures, trials, Math.min(0.999, Math.max(1e-6, p0))) <= ALPHA;
}

/**
 * The CUSUM of the calls in time order (true = failed), and whether it ended above the
 * threshold: the latest calls fail more often than p0 allows. It restarts at 0 whenever the
 * evidence turns to the healthy side, so a run of successes after an old failure clears it.
 */
export function sequentialAlarm(
  failed: readonly boolean[],
  p0: number,
): { alarm: boolean; score: number } {
  const q0 = Math.min(P1 / 2, Math.max(1e-4, p0));
  const up = Math.log(P1 / q0);
  const down = Math.log((1 - P1) / (1 - q0));
  let s = 0;
  for (const f of failed) s = Math.max(0, s + (f ? up : down));
  return { alarm: s >= CUSUM_H - 1e-9, score: s };
}
