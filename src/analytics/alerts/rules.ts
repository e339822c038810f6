// Rule evaluators: one per kind, each turning window stats into observations (one per label
// group) with the value, the threshold and whether it is breached. Pure given the queries, so
// the lifecycle (state.ts) never depends on how a value was measured.
import type { ReservationConfig } from '../../shared/config-finops.js';
import type { AlertLabel, AlertRule } from '../../shared/config-alerts.js';
import type { QueryRunner } from '../../storage/runner.js';
import type { Budget } from '../../shared/budget.js';
import { formatUsd, money } from '../../shared/money.js';
import { budgetObservations } from './rules-money.js';
import { labelKey, queryWindowStats, type WindowStats } from './window.js';

export interface Observation {
  labels: Record<string, string>;
  value: number;
  threshold: number;
  breached: boolean;
  summary: string;
}

export interface RuleContext {
  storage: QueryRunner;
  now: Date;
  /** Budgets from config.finops, watched by budget rules that carry no ceiling of their own. */
  finopsBudgets: readonly Budget[];
  /** Reservations from config.finops: budget spend is the cost model's effective cost. */
  reservations?: readonly ReservationConfig[] | undefined;
}

export const DEFAULT_GROUP_BY: Record<AlertRule['kind'], AlertLabel[]> = {
  ttft_drift: ['provider', 'model'],
  latency_p95: ['provider', 'model'],
  error_rate: ['provider'],
  rate_429: ['provider'],
  cache_hit_regression: ['route', 'model'],
  budget: ['tenant'],
  tenant_cost_anomaly: ['tenant'],
  route_token_budget: ['route'],
  fallback_rate: ['route'],
  retry_amplification: ['route'],
  unpriced_model: ['provider', 'model'],
};

export const DEFAULT_WINDOW_S: Record<AlertRule['kind'], number> = {
  ttft_drift: 600,
  latency_p95: 300,
  error_rate: 60,
  rate_429: 300,
  cache_hit_regression: 3_600,
  budget: 3_600,
  tenant_cost_anomaly: 3_600,
  route_token_budget: 3_600,
  fallback_rate: 300,
  retry_amplification: 300,
  unpriced_model: 3_600,
};

export function groupByOf(rule: AlertRule): AlertLabel[] {
  return rule.group_by ?? DEFAULT_GROUP_BY[rule.kind];
}

export function windowOf(rule: AlertRule): number {
  return rule.window_s ?? DEFAULT_WINDOW_S[rule.kind];
}

/** Current window and the baseline right before it. */
async function windows(
  rule: AlertRule & { baseline_s: number },
  ctx: RuleContext,
): Promise<{ cur: WindowStats[]; base: Map<string, WindowStats> }> {
  const to = ctx.now.getTime();
  const from = to - windowOf(rule) * 1000;
  const q = { scope: rule.scope, groupBy: groupByOf(rule) };
  const [cur, base] = await Promise.all([
    queryWindowStats(ctx.storage, { ...q, from: new Date(from), to: new Date(to) }),
    queryWindowStats(ctx.storage, {
      ...q,
      from: new Date(from - rule.baseline_s * 1000),
      to: new Date(from),
    }),
  ]);
  return { cur, base: new Map(base.map((b) => [labelKey(b.labels), b])) };
}

async function current(rule: AlertRule, ctx: RuleContext): Promise<WindowStats[]> {
  const to = ctx.now.getTime();
  return queryWindowStats(ctx.storage, {
    scope: rule.scope,
    groupBy: groupByOf(rule),
    from: new Date(to - windowOf(rule) * 1000),
    to: ctx.now,
  });
}

const fmt = (n: number, digits = 3): string => String(Number(n.toFixed(digits)));
const pct = (n: number): string => `${fmt(n * 100, 2)}%`;
const who = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || 'all traffic';

/** Evaluate one rule; throws only when a query fails (the engine then leaves its alerts as they are). */
export async function evaluateRule(rule: AlertRule, ctx: RuleContext): Promise<Observation[]> {
  switch (rule.kind) {
    case 'ttft_drift':
      return ttftDrift(rule, ctx);
    case 'cache_hit_regression':
      return cacheRegression(rule, ctx);
    case 'budget':
      return budgetObservations(rule, ctx);
    case 'tenant_cost_anomaly':
      return costAnomaly(rule, ctx);
    default:
      return ratioRule(rule, await current(rule, ctx));
  }
}

async function ttftDrift(
  rule: Extract<AlertRule, { kind: 'ttft_drift' }>,
  ctx: RuleContext,
): Promise<Observation[]> {
  const { cur, base } = await windows(rule, ctx);
  const out: Observation[] = [];
  for (const c of cur) {
    const b = base.get(labelKey(c.labels));
    const now = rule.stat === 'p50' ? c.ttftP50 : c.ttftP95;
    const then = b === undefined ? null : rule.stat === 'p50' ? b.ttftP50 : b.ttftP95;
    if (
      c.calls < rule.min_calls ||
      b === undefined ||
      b.calls < rule.min_calls ||
      now === null ||
      then === null ||
      then <= 0
    )
      continue;
    const ratio = now / then;
    out.push({
      labels: c.labels,
      value: ratio,
      threshold: rule.ratio,
      breached: ratio >= rule.ratio,
      summary: `TTFT ${rule.stat} ${fmt(now, 0)} ms is ${fmt(ratio, 2)}x its baseline ${fmt(then, 0)} ms for ${who(c.labels)}`,
    });
  }
  return out;
}

function hitRatio(s: WindowStats, metric: 'prompt' | 'app'): number | null {
  if (metric === 'app') return s.calls > 0 ? s.cacheHits / s.calls : null;
  return s.inputTokens > 0 ? s.cacheReadTokens / s.inputTokens : null;
}

async function cacheRegression(
  rule: Extract<AlertRule, { kind: 'cache_hit_regression' }>,
  ctx: RuleContext,
): Promise<Observation[]> {
  const { cur, base } = await windows(rule, ctx);
  const out: Observation[] = [];
  for (const c of cur) {
    const b = base.get(labelKey(c.labels));
    if (b === undefined || c.calls < rule.min_calls || b.calls < rule.min_calls) continue;
    const now = hitRatio(c, rule.metric);
    const then = hitRatio(b, rule.metric);
    if (now === null || then === null || then <= 0) continue;
    const drop = 1 - now / then;
    out.push({
      labels: c.labels,
      value: drop,
      threshold: rule.drop,
      breached: drop >= rule.drop,
      summary: `${rule.metric} cache hit ratio ${pct(now)} fell ${pct(drop)} from its baseline ${pct(then)} for ${who(c.labels)}`,
    });
  }
  return out;
}

async function costAnomaly(
  rule: Extract<AlertRule, { kind: 'tenant_cost_anomaly' }>,
  ctx: RuleContext,
): Promise<Observation[]> {
  const { cur, base } = await windows(rule, ctx);
  const out: Observation[] = [];
  for (const c of cur) {
    const b = base.get(labelKey(c.labels));
    const baseCost = b === undefined ? undefined : money(b.costUsd);
    // A group with no spend in its baseline has no baseline to be anomalous against.
    if (baseCost === undefined || baseCost.lte(0) || c.calls < rule.min_calls) continue;
    const cost = money(c.costUsd);
    // Exact: current >= ratio x expected, expected = baseline spend scaled to the window.
    const expected = baseCost.mul(windowOf(rule)).div(rule.baseline_s);
    const ratio = cost.div(expected);
    out.push({
      labels: c.labels,
      value: ratio.toNumber(),
      threshold: rule.ratio,
      breached: cost.gte(expected.mul(String(rule.ratio))) && cost.gte(rule.min_cost_usd),
      summary: `spend ${formatUsd(cost, 4)} in ${windowOf(rule)} s is ${fmt(ratio.toNumber(), 2)}x the baseline rate (${formatUsd(expected, 4)}) for ${who(c.labels)}`,
    });
  }
  return out;
}

type RatioKind = Exclude<
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
