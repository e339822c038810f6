// The rule kinds whose value comes from the current window alone (rates, counts, token budgets):
// one observation per label group, judged against the rule's threshold.
import type { AlertRule } from '../../shared/config-alerts.js';
import { fmt, pct, who, windowOf, type Observation } from './rule-kinds.js';
import type { WindowStats } from './window.js';

export type RatioKind = Exclude<
  AlertRule,
  { kind: 'ttft_drift' | 'cache_hit_regression' | 'budget' | 'tenant_cost_anomaly' }
>;

/** Kinds whose value comes from the current window alone. */
export function ratioRule(rule: RatioKind, stats: WindowStats[]): Observation[] {
  const out: Observation[] = [];
  for (const s of stats) {
    if (s.calls < rule.min_calls) continue;
    const o = ratioValue(rule, s);
    if (o === undefined) continue;
    out.push({
      labels: s.labels,
      ...o,
      summary: `${o.text} for ${who(s.labels)} (${s.calls} calls in ${windowOf(rule)} s)`,
    });
  }
  return out;
}

function ratioValue(
  rule: RatioKind,
  s: WindowStats,
): { value: number; threshold: number; breached: boolean; text: string } | undefined {
  switch (rule.kind) {
    case 'latency_p95':
      if (s.durationP95 === null) return undefined;
      return {
        value: s.durationP95,
        threshold: rule.threshold_ms,
        breached: s.durationP95 > rule.threshold_ms,
        text: `p95 latency ${fmt(s.durationP95, 0)} ms above ${rule.threshold_ms} ms`,
      };
    case 'error_rate': {
      const v = s.errors / s.calls;
      return {
        value: v,
        threshold: rule.threshold,
        breached: v >= rule.threshold,
        text: `error rate ${pct(v)} (threshold ${pct(rule.threshold)})`,
      };
    }
    case 'rate_429': {
      const v = s.rateLimited / s.calls;
      return {
        value: v,
        threshold: rule.threshold,
        breached: v >= rule.threshold,
        text: `429 rate ${pct(v)} (threshold ${pct(rule.threshold)})`,
      };
    }
    case 'fallback_rate': {
      const v = s.fallbacks / s.calls;
      return {
        value: v,
        threshold: rule.threshold,
        breached: v >= rule.threshold,
        text: `fallback rate ${pct(v)} (threshold ${pct(rule.threshold)})`,
      };
    }
    case 'retry_amplification': {
      const v = s.calls / Math.max(1, s.firstAttempts);
      return {
        value: v,
        threshold: rule.threshold,
        breached: v >= rule.threshold,
        text: `${fmt(v, 2)} provider calls per request (threshold ${rule.threshold})`,
      };
    }
    case 'unpriced_model':
      return {
        value: s.unpriced,
        threshold: rule.threshold,
        breached: s.unpriced > rule.threshold,
        text: `${s.unpriced} unpriced calls (counted at $0 until priced)`,
      };
    case 'usage_incomplete': {
      const v = s.incomplete / s.calls;
      return {
        value: v,
        threshold: rule.threshold,
        breached: v > rule.threshold,
        text: `${pct(v)} of calls with incomplete usage (${s.incomplete}; their cost is an estimate, threshold ${pct(rule.threshold)})`,
      };
    }
    case 'route_token_budget':
      return tokenBudget(rule, s);
  }
}

function tokenBudget(
  rule: Extract<AlertRule, { kind: 'route_token_budget' }>,
  s: WindowStats,
): { value: number; threshold: number; breached: boolean; text: string } {
  const total = s.inputTokens + s.outputTokens;
  if (
    rule.max_tokens_per_window !== undefined &&
    (rule.max_tokens_per_call === undefined || total > rule.max_tokens_per_window)
  ) {
    return {
      value: total,
      threshold: rule.max_tokens_per_window,
      breached: total > rule.max_tokens_per_window,
      text: `${total} tokens in the window (budget ${rule.max_tokens_per_window})`,
    };
  }
  const perCall = total / s.calls;
  const limit = rule.max_tokens_per_call ?? Number.POSITIVE_INFINITY;
  return {
    value: perCall,
    threshold: limit,
    breached: perCall > limit,
    text: `${fmt(perCall, 0)} tokens per call (budget ${limit})`,
  };
}
