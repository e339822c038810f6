// Routing budgets: effective spend (the one cost model) since the start of the period for each tenant
// or target budget, judged by the one budget model (src/shared/budget.ts): at hard_pct of the
// ceiling a budget is exhausted, at soft_pct a warning. Exhausted tenant budgets deny (or
// reroute), exhausted target budgets take the target out of its tier (skip_target), as the
// feed's `budgets[].on_exhaust` says.
import type { RoutingBudgetConfig, RoutingTargetConfig } from '../../shared/config-routing.js';
import type { FeedBudget } from '../../routing-client/types.js';
import type { QueryRunner } from '../../storage/runner.js';
import {
  NO_GAPS,
  evaluateBudget,
  periodBounds,
  type BudgetPeriod,
  type SpendGaps,
} from '../../shared/budget.js';
import type { ReservationConfig } from '../../shared/config-finops.js';
import { ZERO, moneyNumber, moneyText, money, type MoneyValue } from '../../shared/money.js';
import { canonicalProvider } from '../../shared/provider-identity.js';
import { costLines } from '../queries/cost-model.js';
import { addGaps } from '../queries/spend-gaps.js';
import type { CostDimension } from '../queries/costs.js';

/** The feed's period names (LiteLLM budget_duration style), as gateways read them. */
const FEED_PERIOD: Record<BudgetPeriod, string> = { day: '1d', week: '7d', month: '1mo' };

interface Spend {
  effective: MoneyValue;
  gaps: SpendGaps;
}

/** The target a stored call's (provider, model, deployment) belongs to: the first that matches. */
function targetOf(key: Record<string, string>, targets: RoutingTargetConfig[]): string {
  // Stored calls carry the canonical provider name; a target may spell it another way.
  const hit = targets.find(
    (t) =>
      canonicalProvider(t.provider) === key.provider &&
      t.model === key.model &&
      (t.deployment === '' || t.deployment === key.deployment),
  );
  return hit?.id ?? '';
}

async function spendFor(
  storage: QueryRunner,
  scope: 'tenant' | 'target',
  period: BudgetPeriod,
  nowMs: number,
  targets: RoutingTargetConfig[],
  reservations: readonly ReservationConfig[],
): Promise<Map<string, Spend>> {
  // Through the cost rollups (tenant-keyed for tenant budgets): a month of spend is days and hours,
  // not a month of minutes, on a feed recomputed every few seconds. Spend is the cost model's
  // effective cost: a call on a reservation spends its share of the hour, not its token price.
  const dims: CostDimension[] =
    scope === 'tenant' ? ['tenant'] : ['provider', 'model', 'deployment'];
  const lines = await costLines(storage, {
    from: periodBounds(period, new Date(nowMs)).start,
    to: new Date(nowMs + 1),
    dims,
    reservations,
    now: new Date(nowMs),
  });
  const out = new Map<string, Spend>();
  for (const l of lines) {
    if (l.kind !== 'usage') continue; // reservation lines belong to no tenant or target
    const key = scope === 'tenant' ? (l.key.tenant ?? '') : targetOf(l.key, targets);
    const acc = out.get(key) ?? { effective: ZERO, gaps: { ...NO_GAPS } };
    acc.effective = acc.effective.add(l.effective);
    addGaps(acc.gaps, l.m);
    out.set(key, acc);
  }
  return out;
}

/** One routing budget's state on the feed, judged exactly; amounts on the wire are numbers. */
export function feedBudget(
  b: RoutingBudgetConfig,
  spent: string,
  nowMs: number,
  gaps: SpendGaps = NO_GAPS,
): FeedBudget {
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
    // Calls the spend could not price, and calls it could only estimate: a gateway (or a person)
    // can tell a floor or an estimate from a total.
    unpriced_calls: gaps.unpriced_calls,
    usage_incomplete_calls: gaps.usage_incomplete_calls,
  };
}

export async function budgetStatus(
  storage: QueryRunner,
  budgets: RoutingBudgetConfig[],
  targets: RoutingTargetConfig[],
  nowMs: number,
  reservations: readonly ReservationConfig[] = [],
): Promise<FeedBudget[]> {
  const cache = new Map<string, Promise<Map<string, Spend>>>();
  const lookup = (
    scope: 'tenant' | 'target',
    period: BudgetPeriod,
  ): Promise<Map<string, Spend>> => {
    const k = `${scope}/${period}`;
    let p = cache.get(k);
    if (p === undefined)
      cache.set(k, (p = spendFor(storage, scope, period, nowMs, targets, reservations)));
    return p;
  };
  const out: FeedBudget[] = [];
  for (const b of budgets) {
    const spend = (await lookup(b.scope, b.period)).get(b.key);
    out.push(feedBudget(b, moneyText(spend?.effective ?? ZERO), nowMs, spend?.gaps));
  }
  return out;
}
