// The one budget model: a scope (which calls' spend counts), a period (which UTC day, ISO week
// or calendar month), and money (a ceiling with soft and hard thresholds as percents of it).
// FinOps budgets (`finops.budgets`, GET /v1/budgets), budget alert rules and routing budgets
// are all this model, so they agree on what is spent, when a period starts and when a
// threshold is crossed. Money is compared as exact decimals (src/shared/money.ts).
import { MONEY_SCALE, Money, money, moneyText, type MoneyValue } from './money.js';

/** Call dimensions a budget (or an alert rule) can be scoped by; an empty scope is global. */
export const SCOPE_DIMENSIONS = [
  'tenant',
  'route',
  'feature',
  'provider',
  'model',
  'deployment',
  'region',
  'environment',
  'capacity_tier',
] as const;
export type ScopeDimension = (typeof SCOPE_DIMENSIONS)[number];
/** Spend matched by every dimension given (AND); {} = all spend. */
export type BudgetScope = Partial<Record<ScopeDimension, string>>;

export const BUDGET_PERIODS = ['day', 'week', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export interface Budget {
  name: string;
  scope: BudgetScope;
  period: BudgetPeriod;
  /** Decimal text. */
  ceiling_usd: string;
  /** Percent of the ceiling at which the status becomes soft / hard. */
  soft_pct: number;
  hard_pct: number;
}

/** [start, end) of the UTC period containing `at`: a UTC day, an ISO week (Monday), a month. */
export function periodBounds(period: BudgetPeriod, at: Date): { start: Date; end: Date } {
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

/** The scope's dimensions that are set, as labels ({ tenant: 'acme' }). */
export function scopeLabels(scope: BudgetScope): Record<string, string> {
  return Object.fromEntries(
    Object.entries(scope).filter((e): e is [string, string] => e[1] !== undefined),
  );
}

/** Whether `inner` names every dimension `outer` names, with the same value. */
export function scopeWithin(inner: BudgetScope, outer: BudgetScope): boolean {
  return Object.entries(scopeLabels(outer)).every(([k, v]) => inner[k as ScopeDimension] === v);
}

/** Soft and hard thresholds of a budget, exact. */
export function thresholds(b: Budget): { ceiling: MoneyValue; soft: MoneyValue; hard: MoneyValue } {
  const ceiling = money(b.ceiling_usd);
  return {
    ceiling,
    soft: ceiling.mul(b.soft_pct).div(100),
    hard: ceiling.mul(b.hard_pct).div(100),
  };
}

export type BudgetStatus = 'ok' | 'soft' | 'hard' | 'forecast_breach';

export interface BudgetState {
  name: string;
  scope: Record<string, string>;
  period: BudgetPeriod;
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
  /** Calls in the spend without a price: their cost is unknown, not $0 (spent is a floor). */
  unpriced_calls: number;
  /**
   * Calls whose source cannot report every token count (e.g. no cached tokens): priced as if
   * uncached, so their cost is an upper estimate, not an invoice figure.
   */
  usage_incomplete_calls: number;
}

/** What the spend leaves out or only estimates, shown next to it. */
export interface SpendGaps {
  unpriced_calls: number;
  usage_incomplete_calls: number;
}

export const NO_GAPS: SpendGaps = { unpriced_calls: 0, usage_incomplete_calls: 0 };

/**
 * One budget given its spend so far in the period containing `now`. Forecast = linear run-rate
 * over the elapsed part of the period (spent x period length / elapsed). Status, most severe
 * first: hard (spent >= hard threshold), soft (spent >= soft threshold), forecast_breach
 * (forecast >= ceiling), ok.
 */
export function evaluateBudget(
  b: Budget,
  spentText: string,
  now: Date,
  gaps: SpendGaps = NO_GAPS,
): BudgetState {
  const { start, end } = periodBounds(b.period, now);
  const elapsedMs = Math.max(0, Math.min(now.getTime(), end.getTime()) - start.getTime());
  const periodMs = end.getTime() - start.getTime();
  const spent = money(spentText);
  const { ceiling, soft, hard } = thresholds(b);
  // With no elapsed time there is no rate yet, so the forecast is what is spent.
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
    scope: scopeLabels(b.scope),
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
    unpriced_calls: gaps.unpriced_calls,
    usage_incomplete_calls: gaps.usage_incomplete_calls,
  };
}

/**
 * Whether `spent` reached `share` (0.9 = 90%) of `ceiling`, exactly. Numbers (a routing feed's
 * JSON amounts) are read as the decimal they print as, never divided as doubles.
 */
export function reachedShare(
  spent: string | number,
  ceiling: string | number,
  share: number,
): boolean {
  const d = (v: string | number): MoneyValue => money(typeof v === 'number' ? String(v) : v);
  return d(spent).gte(d(ceiling).mul(String(share)));
}
