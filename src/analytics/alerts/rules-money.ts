// Budget rules, on the one budget model (src/shared/budget.ts). A rule with `ceiling_usd` puts a
// budget on each group (e.g. each tenant) for its period; a rule without one watches the budgets
// of `finops.budgets`, read and judged by the very code that answers GET /v1/budgets, so an alert
// fires exactly when that endpoint says the budget crossed the rule's threshold. Modes: soft
// (spent >= soft threshold), hard (spent >= hard threshold), forecast (the period's run-rate
// projected to its end >= the ceiling). Money is compared exactly, never as a float.
import {
  evaluateBudget,
  periodBounds,
  scopeWithin,
  type Budget,
  type BudgetState,
} from '../../shared/budget.js';
import type { AlertRule } from '../../shared/config-alerts.js';
import { compareMoney, formatUsd, moneyNumber } from '../../shared/money.js';
import type { QueryRunner } from '../../storage/runner.js';
import { queryBudgets } from '../queries/budgets.js';
import type { Observation } from './rules.js';
import { querySpend } from './window.js';

type BudgetRule = Extract<AlertRule, { kind: 'budget' }>;

export async function budgetObservations(
  rule: BudgetRule,
  storage: QueryRunner,
  now: Date,
  finopsBudgets: readonly Budget[],
): Promise<Observation[]> {
  if (rule.ceiling_usd !== undefined)
    return groupObservations(rule, rule.ceiling_usd, storage, now);
  const watched = finopsBudgets.filter(
    (b) =>
      (rule.period === undefined || b.period === rule.period) &&
      (rule.budgets === undefined || rule.budgets.includes(b.name)) &&
      scopeWithin(b.scope, rule.scope),
  );
  if (watched.length === 0) return [];
  const out: Observation[] = [];
  for (const state of await queryBudgets(storage, watched, now)) {
    const o = judge(rule, state, `budget ${state.name}: `);
    if (o !== undefined) out.push({ labels: { budget: state.name, ...state.scope }, ...o });
  }
  return out;
}

/** A budget of `ceiling` on each group of the rule's scope (group_by, default tenant). */
async function groupObservations(
  rule: BudgetRule,
  ceiling: string,
  storage: QueryRunner,
  now: Date,
): Promise<Observation[]> {
  const period = rule.period ?? 'month';
  const rows = await querySpend(storage, {
    from: periodBounds(period, now).start,
    to: now,
    scope: rule.scope,
    groupBy: rule.group_by ?? ['tenant'],
  });
  const out: Observation[] = [];
  for (const r of rows) {
    const budget: Budget = {
      name: rule.name,
      scope: { ...rule.scope, ...r.labels },
      period,
      ceiling_usd: ceiling,
      soft_pct: rule.soft_pct,
      hard_pct: rule.hard_pct,
    };
    const o = judge(rule, evaluateBudget(budget, r.costUsd, now), '');
    if (o !== undefined) out.push({ labels: r.labels, ...o });
  }
  return out;
}

function judge(
  rule: BudgetRule,
  s: BudgetState,
  prefix: string,
): Omit<Observation, 'labels'> | undefined {
  const spent = `${prefix}${s.period} spend ${formatUsd(s.spent_usd)}`;
  if (rule.mode === 'soft' || rule.mode === 'hard') {
    const threshold = rule.mode === 'soft' ? s.soft_threshold_usd : s.hard_threshold_usd;
    const pct = rule.mode === 'soft' ? 'soft' : 'hard';
    return {
      value: moneyNumber(s.spent_usd),
      threshold: moneyNumber(threshold),
      breached: compareMoney(s.spent_usd, threshold) >= 0,
      summary: `${spent} reached the ${pct} threshold ${formatUsd(threshold)} of the ${formatUsd(s.ceiling_usd)} budget`,
    };
  }
  // A projection from the first minutes of a period is noise: wait for 1/24 of it.
  if (s.elapsed_fraction < 1 / 24) return undefined;
  return {
    value: moneyNumber(s.forecast_usd),
    threshold: moneyNumber(s.ceiling_usd),
    breached: compareMoney(s.forecast_usd, s.ceiling_usd) >= 0,
    summary: `${prefix}${s.period} spend is on course for ${formatUsd(s.forecast_usd)}, above the ${formatUsd(s.ceiling_usd)} budget (spent ${formatUsd(s.spent_usd)} so far)`,
  };
}
