// Routing budgets: spend since the start of the period (UTC day or month, from the cost
// rollups) for each tenant or target budget. Exhausted tenant budgets deny (or reroute), exhausted
// target budgets take the target out of its tier (skip_target), as reference/routing-feed.md §1.3.
import type { RoutingBudgetConfig, RoutingTargetConfig } from '../../shared/config-routing.js';
import type { FeedBudget } from '../../routing-client/types.js';
import type { QueryRunner } from '../../storage/runner.js';
import { costReadSql, type CostDimension } from '../queries/costs.js';

/** A budget at or above this share of its limit is reported as `warning`. */
export const BUDGET_WARNING_RATIO = 0.8;

export function periodStart(nowMs: number, period: '1d' | '1mo'): number {
  const d = new Date(nowMs);
  return period === '1d'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

async function spendBy(
  storage: QueryRunner,
  sql: string,
  params: Record<string, unknown>,
): Promise<Map<string, number>> {
  const rows = await storage.query<{ key: string; cost: number | string }>(sql, params);
  return new Map(rows.map((r) => [r.key, Number(r.cost)]));
}

function targetKeyExpr(targets: RoutingTargetConfig[], params: Record<string, unknown>): string {
  const arms = targets.map((t, i) => {
    params[`bp${i}`] = t.provider;
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
  period: '1d' | '1mo',
  nowMs: number,
  targets: RoutingTargetConfig[],
): Promise<Map<string, number>> {
  // Through the cost rollups (tenant-keyed for tenant budgets): a month of spend is days and hours,
  // not a month of minutes, on a feed recomputed every few seconds.
  const dims: CostDimension[] =
    scope === 'tenant' ? ['tenant'] : ['provider', 'model', 'deployment'];
  const union = costReadSql({
    from: new Date(periodStart(nowMs, period)),
    to: new Date(nowMs + 1),
    dims,
    filters: {},
  });
  const params = { ...union.params };
  const key = scope === 'tenant' ? 'tenant' : targetKeyExpr(targets, params);
  return spendBy(
    storage,
    `SELECT ${key} AS key, toFloat64(sum(cost_total)) AS cost FROM (${union.sql}) GROUP BY key`,
    params,
  );
}

export async function budgetStatus(
  storage: QueryRunner,
  budgets: RoutingBudgetConfig[],
  targets: RoutingTargetConfig[],
  nowMs: number,
): Promise<FeedBudget[]> {
  const cache = new Map<string, Promise<Map<string, number>>>();
  const lookup = (
    scope: 'tenant' | 'target',
    period: '1d' | '1mo',
  ): Promise<Map<string, number>> => {
    const k = `${scope}/${period}`;
    let p = cache.get(k);
    if (p === undefined) cache.set(k, (p = spendFor(storage, scope, period, nowMs, targets)));
    return p;
  };
  const out: FeedBudget[] = [];
  for (const b of budgets) {
    const spent = (await lookup(b.scope, b.period)).get(b.key) ?? 0;
    const ratio = spent / b.limit_usd;
    out.push({
      scope: b.scope,
      key: b.key,
      period: b.period,
      limit_usd: b.limit_usd,
      on_exhaust: b.on_exhaust,
      spent_usd: Math.round(spent * 1e6) / 1e6,
      state: ratio >= 1 ? 'exhausted' : ratio >= BUDGET_WARNING_RATIO ? 'warning' : 'ok',
    });
  }
  return out;
}
