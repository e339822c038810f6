// Budget rules, on the one budget model (src/shared/budget.ts). A rule with `ceiling_usd` puts a
// budget on each group (e.g. each tenant) for its period; a rule without one watches the budgets
// of `finops.budgets`, read and judged by the very code that answers GET /v1/budgets, so an alert
// fires exactly when that endpoint says the budget crossed the rule's threshold. Modes: soft
// (spent >= soft threshold), hard (spent >= hard threshold), forecast (the period's run-rate
// projected to its end >= the ceiling). Money is compared exactly, never as a float. Spend is the
// effective cost of the one cost model (covered calls at their share of the reservation hour);
// a group's summary names the calls it could not price, which its spend leaves out, and the calls
// whose source reports incomplete usage, whose cost is only an estimate.
import {
  NO_GAPS,
  evaluateBudget,
  periodBounds,
  scopeWithin,
  type Budget,
  type BudgetState,
  type SpendGaps,
} from '../../shared/budget.js';
import type { AlertRule } from '../../shared/config-alerts.js';
import type { ReservationConfig } from '../../shared/config-finops.js';
import {
  ZERO,
  compareMoney,
  formatUsd,
  moneyNumber,
  moneyText,
  type MoneyValue,
} from '../../shared/money.js';
import type { QueryRunner } from '../../storage/runner.js';
import { queryBudgets } from '../queries/budgets.js';
import { costLines } from '../queries/cost-model.js';
import { addGaps, gapsText } from '../queries/spend-gaps.js';
import type { Observation, RuleContext } from './rule-kinds.js';

type BudgetRule = Extract<AlertRule, { kind: 'budget' }>;

export async function budgetObservations(
  rule: BudgetRule,
  ctx: RuleContext,
): Promise<Observation[]> {
  const { storage, now } = ctx;
  const reservations = ctx.reservations ?? [];
  if (rule.ceiling_usd !== undefined)
    return groupObservations(rule, rule.ceiling_usd, storage, now, reservations);
  const watched = ctx.finopsBudgets.filter(
    (b) =>
      (rule.period === undefined || b.period === rule.period) &&
      (rule.budgets === undefined || rule.budgets.includes(b.name)) &&
      scopeWithin(b.scope, rule.scope),
  );
  if (watched.length === 0) return [];
  const out: Observation[] = [];
  for (const state of await queryBudgets(storage, watched, now, undefined, reservations)) {
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
  reservations: readonly ReservationConfig[],
): Promise<Observation[]> {
  const period = rule.period ?? 'month';
  const groupBy = rule.group_by ?? ['tenant'];
  const start = periodBounds(period, now).start;
  if (now.getTime() <= start.getTime()) return [];
  const lines = await costLines(storage, {
    from: start,
    to: now,
    dims: groupBy,
    filters: rule.scope,
    reservations,
    now,
  });
  // Reservation purchase / unused lines belong to no group: a group's budget is its own calls.
  const rows = new Map<
    string,
    { labels: Record<string, string>; spent: MoneyValue; gaps: SpendGaps }
  >();
  for (const l of lines) {
    if (l.kind !== 'usage') continue;
    const id = JSON.stringify(l.key);
    const acc = rows.get(id) ?? { labels: l.key, spent: ZERO, gaps: { ...NO_GAPS } };
    acc.spent = acc.spent.add(l.effective);
    addGaps(acc.gaps, l.m);
    rows.set(id, acc);
  }
  const out: Observation[] = [];
  for (const r of rows.values()) {
    const budget: Budget = {
      name: rule.name,
      scope: { ...rule.scope, ...r.labels },
      period,
      ceiling_usd: ceiling,
      soft_pct: rule.soft_pct,
      hard_pct: rule.hard_pct,
    };
    const state = evaluateBudget(budget, moneyText(r.spent), now, r.gaps);
    const o = judge(rule, state, '');
    if (o !== undefined) out.push({ labels: r.labels, ...o });
  }
  return out;
}

function judge(
  rule: BudgetRule,
  s: BudgetState,
  prefix: string,
): Omit<Observation, 'labels'> | undefined {
  const gaps = gapsText(s);
  const spent = `${prefix}${s.period} spend ${formatUsd(s.spent_usd)}`;
  if (rule.mode === 'soft' || rule.mode === 'hard') {
    const threshold = rule.mode === 'soft' ? s.soft_threshold_usd : s.hard_threshold_usd;
    const pct = rule.mode === 'soft' ? 'soft' : 'hard';
    return {
      value: moneyNumber(s.spent_usd),
      threshold: moneyNumber(threshold),
      breached: compareMoney(s.spent_usd, threshold) >= 0,
      summary: `${spent} reached the ${pct} threshold ${formatUsd(threshold)} of the ${formatUsd(s.ceiling_usd)} budget${gaps}`,
    };
  }
  // A projection from the first minutes of a period is noise: wait for 1/24 of it.
  if (s.elapsed_fraction < 1 / 24) return undefined;
  return {
    value: moneyNumber(s.forecast_usd),
    threshold: moneyNumber(s.ceiling_usd),
    breached: compareMoney(s.forecast_usd, s.ceiling_usd) >= 0,
    summary: `${prefix}${s.period} spend is on course for ${formatUsd(s.forecast_usd)}, above the ${formatUsd(s.ceiling_usd)} budget (spent ${formatUsd(s.spent_usd)} so far)${gaps}`,
  };
}
