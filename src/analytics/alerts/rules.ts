// Rule evaluators: one per kind, each turning window stats into observations (one per label
// group) with the value, the threshold and whether it is breached. Pure given the queries, so
// the lifecycle (state.ts) never depends on how a value was measured.
import type { AlertRule } from '../../shared/config-alerts.js';
import { formatUsd, money } from '../../shared/money.js';
import { budgetObservations } from './rules-money.js';
import {
  fmt,
  groupByOf,
  pct,
  who,
  windowOf,
  type Observation,
  type RuleContext,
} from './rule-kinds.js';
import { labelKey, queryWindowStats, type WindowStats } from './window.js';
import { ratioRule } from './rules-ratio.js';

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
