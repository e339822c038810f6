// Budget rules: spend since the start of the period (UTC day or month) against a ceiling, as a
// soft breach (a share of the limit), a hard breach, or a forecast breach (the period's
// run-rate projected to its end).
import type { AlertRule } from '../../shared/config-alerts.js';
import type { QueryRunner } from '../../storage/runner.js';
import type { Observation } from './rules.js';
import { querySpend } from './window.js';

export interface BudgetLimit {
  /** Group labels the limit applies to (e.g. { tenant: 'acme' }); {} = all traffic. */
  labels: Record<string, string>;
  limitUsd: number;
  period: 'day' | 'month';
}

type BudgetRule = Extract<AlertRule, { kind: 'budget' }>;

export function periodBounds(now: Date, period: 'day' | 'month'): { start: Date; end: Date } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  if (period === 'day') {
    const start = new Date(Date.UTC(y, m, now.getUTCDate()));
    return { start, end: new Date(start.getTime() + 86_400_000) };
  }
  return { start: new Date(Date.UTC(y, m, 1)), end: new Date(Date.UTC(y, m + 1, 1)) };
}

/**
 * Budgets declared in config.finops, read tolerantly: that section belongs to the FinOps
 * analytics, so only entries with a numeric limit and a tenant (or scope/key) are used.
 */
export function finopsBudgets(finops: unknown): BudgetLimit[] {
  const list = (finops as { budgets?: unknown } | undefined)?.budgets;
  if (!Array.isArray(list)) return [];
  const out: BudgetLimit[] = [];
  for (const item of list as Record<string, unknown>[]) {
    const limit = Number(item.limit_usd ?? item.amount_usd ?? item.limit);
    if (!Number.isFinite(limit) || limit <= 0) continue;
    const period =
      String(item.period ?? 'month').startsWith('d') || item.period === '1d' ? 'day' : 'month';
    const scope = typeof item.scope === 'string' ? item.scope : 'tenant';
    const key =
      typeof item.key === 'string'
        ? item.key
        : typeof item.tenant === 'string'
          ? item.tenant
          : undefined;
    const labels: Record<string, string> =
      key !== undefined && scope !== 'global' ? { [scope]: key } : {};
    out.push({ labels, limitUsd: limit, period });
  }
  return out;
}

export async function budgetObservations(
  rule: BudgetRule,
  storage: QueryRunner,
  now: Date,
  fromFinops: BudgetLimit[],
): Promise<Observation[]> {
  const groupBy = rule.group_by ?? (rule.limit_usd !== undefined ? ['tenant' as const] : []);
  const limits =
    rule.limit_usd !== undefined ? undefined : fromFinops.filter((b) => b.period === rule.period);
  if (limits !== undefined && limits.length === 0) return [];
  const { start, end } = periodBounds(now, rule.period);
  const labelsNeeded =
    limits === undefined
      ? groupBy
      : ([...new Set(limits.flatMap((l) => Object.keys(l.labels)))] as typeof groupBy);
  const rows = await querySpend(storage, {
    from: start,
    to: now,
    scope: rule.scope,
    groupBy: labelsNeeded,
  });
  const elapsed = Math.max(1, now.getTime() - start.getTime());
  const length = end.getTime() - start.getTime();
  const out: Observation[] = [];
  const judge = (labels: Record<string, string>, spent: number, limitUsd: number): void => {
    const o = judgeBudget(rule, spent, limitUsd, elapsed, length);
    if (o !== undefined) out.push({ labels, ...o });
  };
  if (limits === undefined) {
    for (const r of rows) judge(r.labels, r.costUsd, rule.limit_usd as number);
    return out;
  }
  for (const limit of limits) {
    const spent = rows
      .filter((r) => Object.entries(limit.labels).every(([k, v]) => r.labels[k] === v))
      .reduce((sum, r) => sum + r.costUsd, 0);
    judge(limit.labels, spent, limit.limitUsd);
  }
  return out;
}

function judgeBudget(
  rule: BudgetRule,
  spent: number,
  limit: number,
  elapsedMs: number,
  lengthMs: number,
): Omit<Observation, 'labels'> | undefined {
  const period = rule.period;
  const money = (n: number): string => `$${n.toFixed(2)}`;
  if (rule.mode === 'soft') {
    const threshold = limit * rule.soft_ratio;
    return {
      value: spent,
      threshold,
      breached: spent >= threshold,
      summary: `${period} spend ${money(spent)} passed ${Math.round(rule.soft_ratio * 100)}% of the ${money(limit)} budget`,
    };
  }
  if (rule.mode === 'hard') {
    return {
      value: spent,
      threshold: limit,
      breached: spent >= limit,
      summary: `${period} spend ${money(spent)} reached the ${money(limit)} budget`,
    };
  }
  // A projection from the first minutes of a period is noise: wait for 1/24 of it.
  if (elapsedMs < lengthMs / 24) return undefined;
  const projected = (spent / elapsedMs) * lengthMs;
  return {
    value: projected,
    threshold: limit,
    breached: projected >= limit,
    summary: `${period} spend is on course for ${money(projected)}, above the ${money(limit)} budget (spent ${money(spent)} so far)`,
  };
}
