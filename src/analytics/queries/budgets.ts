// Budgets: spend against a ceiling per scope per period, judged by the one budget model
// (src/shared/budget.ts: UTC day, ISO week from Monday, calendar month; soft / hard thresholds;
// linear run-rate forecast). This file only reads the spend: the effective cost of the one cost
// model (cost-model.ts: covered calls at their share of the reservation hour; a budget whose
// scope a reservation matches, e.g. a global one, also carries its unused share), so
// GET /v1/budgets and the budget alerts built on it read the same money the same way.
import {
  evaluateBudget,
  periodBounds,
  scopeLabels,
  type Budget,
  type BudgetState,
} from '../../shared/budget.js';
import type { ReservationConfig } from '../../shared/config-finops.js';
import type { QueryRunner } from '../../storage/runner.js';
import { costLines, lineTotals } from './cost-model.js';
import { moneyText } from '../../shared/money.js';
import type { CostDimension } from './costs.js';
import { lineGaps } from './spend-gaps.js';

/**
 * Every given budget at `now` (spend from the period start to now, rollup + raw edges).
 * With a tenant scope only the budgets whose scope names that tenant are returned.
 */
export async function queryBudgets(
  storage: QueryRunner,
  budgets: readonly Budget[],
  now: Date,
  tenant?: string,
  reservations: readonly ReservationConfig[] = [],
): Promise<BudgetState[]> {
  const selected =
    tenant === undefined ? budgets : budgets.filter((b) => b.scope.tenant === tenant);
  return Promise.all(
    selected.map(async (b) => {
      const { start } = periodBounds(b.period, now);
      const filters: Partial<Record<CostDimension, string>> = scopeLabels(b.scope);
      if (now.getTime() <= start.getTime()) return evaluateBudget(b, '0', now);
      const lines = await costLines(storage, {
        from: start,
        to: now,
        dims: [],
        filters,
        reservations,
        now,
      });
      const { effective } = lineTotals(lines);
      return evaluateBudget(b, moneyText(effective), now, lineGaps(lines));
    }),
  );
}
