// Budgets: spend against a ceiling per scope per period, judged by the one budget model
// (src/shared/budget.ts: UTC day, ISO week from Monday, calendar month; soft / hard thresholds;
// linear run-rate forecast). This file only reads the spend, through the cost rollups, so
// GET /v1/budgets and the budget alerts built on it read the same money the same way.
import {
  evaluateBudget,
  periodBounds,
  scopeLabels,
  type Budget,
  type BudgetState,
} from '../../shared/budget.js';
import type { QueryRunner } from '../../storage/runner.js';
import { queryCosts, type CostDimension } from './costs.js';

/**
 * Every given budget at `now` (spend from the period start to now, rollup + raw edges).
 * With a tenant scope only the budgets whose scope names that tenant are returned.
 */
export async function queryBudgets(
  storage: QueryRunner,
  budgets: readonly Budget[],
  now: Date,
  tenant?: string,
): Promise<BudgetState[]> {
  const selected =
    tenant === undefined ? budgets : budgets.filter((b) => b.scope.tenant === tenant);
  return Promise.all(
    selected.map(async (b) => {
      const { start } = periodBounds(b.period, now);
      const filters: Partial<Record<CostDimension, string>> = scopeLabels(b.scope);
      const spent =
        now.getTime() > start.getTime()
          ? ((await queryCosts(storage, { from: start, to: now, groupBy: [], filters }))[0]
              ?.cost_usd ?? '0')
          : '0';
      return evaluateBudget(b, spent, now);
    }),
  );
}
