// Budgets: spend against a ceiling per tenant / feature / environment per period (UTC day,
// ISO week starting Monday, calendar month). Forecast = linear run-rate over the elapsed part
// of the period: spent x period_length / elapsed. Status, most severe first:
//   hard            spent >= ceiling x hard_pct / 100
//   soft            spent >= ceiling x soft_pct / 100
//   forecast_breach forecast >= ceiling (on pace to exceed it by period end)
//   ok              otherwise
import type { BudgetConfig } from '../../shared/config-finops.js';
import type { QueryRunner } from '../../storage/runner.js';
import { queryCosts, type CostDimension } from './costs.js';
import { MONEY_SCALE, Money, moneyText } from './decimal.js';

export type Period = 'day' | 'week' | 'month';

/** [start, end) of the UTC period containing `at`. */
export function periodBounds(period: Period, at: Date): { start: Date; end: Date } {
  const y = at.getUTCFullYear();
  const m = at.getUTCMonth();
  const d = at.getUTCDate();
  if (period === 'day')
    return { start: new Date(Date.UTC(y, m, d)), end: new Date(Date.UTC(y, m, d + 1)) };
  if (period === 'week') {
    const sinceMonday = (at.getUTCDay() + 6) % 7;
    return {
      start: new Date(Date.UTC(y, m, d - sinceMonday)),
      end: new Date(Date.UTC(y, m, d - sinceMonday + 7)),
    };
  }
  return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
}

export type BudgetStatus = 'ok' | 'soft' | 'hard' | 'forecast_breach';

export interface BudgetState {
  name: string;
  scope: Record<string, string>;
  period: Period;
  period_start: string;
  period_end: string;
  elapsed_fraction: number;
  ceiling_usd: string;
  spent_usd: string;
  remaining_usd: string;
  forecast_usd: string;
  soft_threshold_usd: string;
  hard_threshold_usd: string;
  status: BudgetStatus;
}

/** Pure evaluation of one budget given its spend so far; exported for unit tests. */
export function evaluateBudget(b: BudgetConfig, spentText: string, now: Date): BudgetState {
  const { start, end } = periodBounds(b.period, now);
  const elapsedMs = Math.max(0, Math.min(now.getTime(), end.getTime()) - start.getTime());
  const periodMs = end.getTime() - start.getTime();
  const spent = new Money(spentText);
  const ceiling = new Money(b.ceiling_usd);
  const soft = ceiling.mul(b.soft_pct).div(100);
  const hard = ceiling.mul(b.hard_pct).div(100);
  // Linear run-rate; with no elapsed time there is no rate yet, so the forecast is what is spent.
  const forecast =
    elapsedMs > 0 ? spent.mul(periodMs).div(elapsedMs).toDecimalPlaces(MONEY_SCALE) : spent;
  const status: BudgetStatus = spent.gte(hard)
    ? 'hard'
    : spent.gte(soft)
      ? 'soft'
      : forecast.gte(ceiling)
        ? 'forecast_breach'
        : 'ok';
  return {
    name: b.name,
    scope: Object.fromEntries(
      Object.entries(b.scope).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    period: b.period,
    period_start: start.toISOString(),
    period_end: end.toISOString(),
    elapsed_fraction: Number((elapsedMs / periodMs).toFixed(6)),
    ceiling_usd: moneyText(ceiling),
    spent_usd: moneyText(spent),
    remaining_usd: moneyText(Money.max(0, ceiling.sub(spent))),
    forecast_usd: moneyText(forecast),
    soft_threshold_usd: moneyText(soft),
    hard_threshold_usd: moneyText(hard),
    status,
  };
}

/**
 * Every configured budget at `now` (spend from the period start to now, rollup + raw edges).
 * With a tenant scope only the budgets whose scope names that tenant are returned.
 */
export async function queryBudgets(
  storage: QueryRunner,
  budgets: readonly BudgetConfig[],
  now: Date,
  tenant?: string,
): Promise<BudgetState[]> {
  const selected =
    tenant === undefined ? budgets : budgets.filter((b) => b.scope.tenant === tenant);
  return Promise.all(
    selected.map(async (b) => {
      const { start } = periodBounds(b.period, now);
      const filters: Partial<Record<CostDimension, string>> = {};
      if (b.scope.tenant !== undefined) filters.tenant = b.scope.tenant;
      if (b.scope.feature !== undefined) filters.feature = b.scope.feature;
      if (b.scope.environment !== undefined) filters.environment = b.scope.environment;
      const spent =
        now.getTime() > start.getTime()
          ? ((await queryCosts(storage, { from: start, to: now, groupBy: [], filters }))[0]
              ?.cost_usd ?? '0')
          : '0';
      return evaluateBudget(b, spent, now);
    }),
  );
}
