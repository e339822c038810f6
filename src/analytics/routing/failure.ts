// How often a target fails, and whether that is evidence: the calls' error rate against what the
// gateways report (compared, never added), and the sequential / binomial tests of evidence.ts
// that decide when a failure rate may move a weight. Split from weights.ts, which scores with it.
import type { RoutingTargetConfig } from '../../shared/config-routing.js';
import { ALPHA, P1, sequentialAlarm, significantFailures } from './evidence.js';
import type { TargetStats } from './health-query.js';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/**
 * The failure rate the score judges: the calls' error rate over the health window, or what the
 * gateways reported failing over the error window when that is higher. A gateway that gives up
 * on a first token at its TTFT deadline leaves a failed call in llm_calls (the wrapper records
 * error.type stream_abandoned_before_first_chunk / timeout) and a failure in its report, as a
 * 5xx is in both, so the two rates are compared, never added; the reports still count where
 * the gateway's calls are not instrumented (or not yet exported). A provisioned target's 429s are its capacity being full, not a fault:
 * they are left out and drive its share instead; its failure rate is its calls' alone.
 */
export function failureRate(
  t: RoutingTargetConfig,
  s: TargetStats,
): { rate: number; why: string; failures: number; trials: number } | undefined {
  const reserved = t.kind === 'provisioned';
  const failures = reserved ? Math.max(0, s.errors - s.rateLimited) : s.errors;
  const trials = reserved ? Math.max(1, s.calls - s.rateLimited) : s.calls;
  const calls = s.calls > 0 ? failures / trials : undefined;
  const g = s.gateway;
  // A reservation is judged by its calls alone (see circuitStats).
  const reported =
    !reserved && g !== undefined && g.attempts > 0 ? g.failures / g.attempts : undefined;
  if (reported !== undefined && g !== undefined && (calls === undefined || reported > calls))
    return {
      rate: reported,
      why: `gateways report ${g.failures} of ${g.attempts} attempts failed (${pct(reported)}; timeouts included)`,
      failures: g.failures,
      trials: g.attempts,
    };
  return calls !== undefined
    ? { rate: calls, why: `error rate ${pct(calls)}`, failures, trials }
    : undefined;
}

/**
 * Whether the failures are evidence that the target fails more than the warn rate allows
 * (evidence.ts): the calls in time order fail in a run (sequential test), or the count is
 * unlikely for a target failing at the warn rate (binomial). A rate above the warn band on a
 * handful of calls is neither, and moves no weight. A sequential alarm judges the target at
 * least at P1: the latest calls fail, whatever the window's older successes say.
 */
export function failureEvidence(
  t: RoutingTargetConfig,
  s: TargetStats,
  warn: number,
  failing: { rate: number; failures: number; trials: number },
): { rate: number; why: string } | undefined {
  const seq = (s.outcomes ?? [])
    .filter((o) => !(o === 2 && t.kind === 'provisioned'))
    .map((o) => o !== 0);
  const { alarm } = sequentialAlarm(seq, warn);
  if (alarm)
    return {
      rate: Math.max(failing.rate, P1),
      why: `latest calls fail in a run (sequential test vs ${pct(warn)}, false alarm < 1/${Math.round(1 / ALPHA)} calls)`,
    };
  if (significantFailures(failing.failures, failing.trials, warn))
    return {
      rate: failing.rate,
      why: `${failing.failures} of ${failing.trials} is significant vs ${pct(warn)} (p <= ${ALPHA})`,
    };
  return undefined;
}
