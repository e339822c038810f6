// Routing budgets: spend since the start of the period (from the cost rollups) for each tenant
// or target budget, judged by the one budget model (src/shared/budget.ts): at hard_pct of the
// ceiling a budget is exhausted, at soft_pct a warning. Exhausted tenant budgets deny (or
// reroute), exhausted target budgets take the target out of its tier (skip_target), as the
// feed's `budgets[].on_exhaust` says.
import type { RoutingBudgetConfig, RoutingTargetConfig } from '../../shared/config-routing.js';
import type { FeedBudget } from '../../routing-client/types.js';
import type { QueryRunner } from '../../storage/runner.js';
import { evaluateBudget, periodBounds, type BudgetPeriod } from '../../shared/budget.js';
import { moneyNumber, money, trimDecimal } from '../../shared/money.js';
import { canonicalProvider } from '../../shared/provider-identity.js';
import { costReadSql, type CostDimension } from '../queries/costs.js';

/** The feed's period names (LiteLLM budget_duration style), as gateways read them. */
const FEED_PERIOD: Record<BudgetPeriod, string> = { day: '1d', week: '7d', month: '1mo' };

async function spendBy(
  storage: QueryRunner,
  sql: string,
  params: Record<string, unknown>,
): Promise<Map<string, string>> {
  const rows = await storage.query<{ key: string; cost: string }>(sql, params);
  return new Map(rows.map((r) => [r.key, trimDecimal(String(r.cost))]));
}

function targetKeyExpr(targets: RoutingTargetConfig[], params: Record<string, unknown>): string {
  const arms = targets.map((t, i) => {
    // Stored calls carry the canonical provider name; a target may spell it another way.
    params[`bp${i}`] = canonicalProvider(t.provider);
    params[`bm${i}`] = t.model;
    params[`bi${i}`] = t.id;
    const dep =
      t.deployment !== ''
        ? ((params[`bd${i}`] = t.deployment), ` AND deployment = {bd${i}:String}`)
        : '';
    return `provider = {bp${i}:String} AND model = {bm${i}:String}${dep}, {bi${i}:String}`;
  });
  return arms.length > 0 ? `multiIf(${arms.join(', ')}, '')` : "''";
}

async function spendFor(
  storage: QueryRunner,
  scope: 'tenant' | 'target',
  period: BudgetPeriod,
  nowMs: number,
  targets: RoutingTargetConfig[],
): Promise<Map<string, string>> {
  // Through the cost rollups (tenant-keyed for tenant budgets): a month of spend is days and hours,
  // not a month of minutes, on a feed recomputed every few seconds.
  const dims: CostDimension[] =
    scope === 'tenant' ? ['tenant'] : ['provider', 'model', 'deployment'];
  const union = costReadSql({
    from: periodBounds(period, new Date(nowMs)).start,
    to: new Date(nowMs + 1),
    dims,
    filters: {},
  });
  const params = { ...union.params };
  const key = scope === 'tenant' ? 'tenant' : targetKeyExpr(targets, params);
  return spendBy(
    storage,
    `SELECT ${key} AS key, sum(cost_total) AS cost FROM (${union.sql}) GROUP BY key`,
    params,
  );
}

/** One routing budget's state on the feed, judged exactly; amounts on the wire are numbers. */
export function feedBudget(b: RoutingBudgetConfig, spent: string, nowMs: number): FeedBudget {
  const state = evaluateBudget(
    { ...b, name: `${b.scope}:${b.key}`, scope: {} },
    spent,
    new Date(nowMs),
  );
  return {
    scope: b.scope,
    key: b.key,
    period: FEED_PERIOD[b.period],
    limit_usd: moneyNumber(b.ceiling_usd),
    on_exhaust: b.on_exhaust,
    spent_usd: money(spent).toDecimalPlaces(6).toNumber(),
    state: state.status === 'hard' ? 'exhausted' : state.status === 'soft' ? 'warning' : 'ok',
  };
}

export async function budgetStatus(
  storage: QueryRunner,
  budgets: RoutingBudgetConfig[],
  targets: RoutingTargetConfig[],
  nowMs: number,
): Promise<FeedBudget[]> {
  const cache = new Map<string, Promise<Map<string, string>>>();
  const lookup = (
    scope: 'tenant' | 'target',
    period: BudgetPeriod,
  ): Promise<Map<string, string>> => {
    const k = `${scope}/${period}`;
    let p = cache.get(k);
    if (p === undefined) cache.set(k, (p = spendFor(storage, scope, period, nowMs, targets)));
    return p;
  };
  const out: FeedBudget[] = [];
  for (const b of budgets) {
    const spent = (await lookup(b.scope, b.period)).get(b.key) ?? '0';
    out.push(feedBudget(b, spent, nowMs));
  }
  return out;
}
