// What every rule kind shares: the observation it produces, the context it reads, and its
// default labels and window. Kept apart so each family of rules imports it without a cycle.
import type { ReservationConfig } from '../../shared/config-finops.js';
import type { AlertLabel } from '../../shared/config-alert-base.js';
import type { AlertRule } from '../../shared/config-alerts.js';
import type { Budget } from '../../shared/budget.js';
import type { QueryRunner } from '../../storage/runner.js';

export interface Observation {
  labels: Record<string, string>;
  value: number;
  threshold: number;
  breached: boolean;
  summary: string;
}

export interface RuleContext {
  storage: QueryRunner;
  now: Date;
  /** Budgets from config.finops, watched by budget rules that carry no ceiling of their own. */
  finopsBudgets: readonly Budget[];
  /** Reservations from config.finops: budget spend is the cost model's effective cost. */
  reservations?: readonly ReservationConfig[] | undefined;
}

export const DEFAULT_GROUP_BY: Record<AlertRule['kind'], AlertLabel[]> = {
  ttft_drift: ['provider', 'model'],
  latency_p95: ['provider', 'model'],
  error_rate: ['provider'],
  rate_429: ['provider'],
  cache_hit_regression: ['route', 'model'],
  budget: ['tenant'],
  tenant_cost_anomaly: ['tenant'],
  route_token_budget: ['route'],
  fallback_rate: ['route'],
  retry_amplification: ['route'],
  unpriced_model: ['provider', 'model'],
  usage_incomplete: ['route', 'model'],
};

export const DEFAULT_WINDOW_S: Record<AlertRule['kind'], number> = {
  ttft_drift: 600,
  latency_p95: 300,
  error_rate: 60,
  rate_429: 300,
  cache_hit_regression: 3_600,
  budget: 3_600,
  tenant_cost_anomaly: 3_600,
  route_token_budget: 3_600,
  fallback_rate: 300,
  retry_amplification: 300,
  unpriced_model: 3_600,
  usage_incomplete: 3_600,
};

export function groupByOf(rule: AlertRule): AlertLabel[] {
  return rule.group_by ?? DEFAULT_GROUP_BY[rule.kind];
}

export function windowOf(rule: AlertRule): number {
  return rule.window_s ?? DEFAULT_WINDOW_S[rule.kind];
}

/** How the rules' summaries print numbers, ratios and label groups. */
export const fmt = (n: number, digits = 3): string => String(Number(n.toFixed(digits)));
export const pct = (n: number): string => `${fmt(n * 100, 2)}%`;
export const who = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ') || 'all traffic';
