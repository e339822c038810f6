// Small, focused window queries the alert rules read: per-group call stats over [from, to) from
// llm_calls, and spend through the cost rollups (the cost read of queries/costs.ts, so a
// budget alert and /v1/costs read the same money the same way).
import type { QueryRunner } from '../../storage/runner.js';
import type { AlertLabel } from '../../shared/config-alert-base.js';
import { trimDecimal } from '../../shared/money.js';
import { BILLABLE } from '../../storage/catalog/measures.js';
import { costReadSql } from '../queries/costs.js';

export type Scope = Partial<Record<AlertLabel, string | undefined>>;

export interface WindowQuery {
  from: Date;
  to: Date;
  scope: Scope;
  groupBy: readonly AlertLabel[];
}

export interface WindowStats {
  labels: Record<string, string>;
  calls: number;
  errors: number;
  rateLimited: number;
  fallbacks: number;
  /** Calls with attempt <= 1: the logical requests behind the retries. */
  firstAttempts: number;
  cacheHits: number;
  inputTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  unpriced: number;
  /** Calls whose source could not report every count (usage_incomplete). */
  incomplete: number;
  /** Decimal text (exact; compare with src/shared/money.ts, never as a float). */
  costUsd: string;
  ttftP50: number | null;
  ttftP95: number | null;
  durationP95: number | null;
}

/** WHERE fragment for a scope; values travel as query parameters, never spliced into SQL. */
export function scopeWhere(scope: Scope, params: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [label, value] of Object.entries(scope)) {
    if (value === undefined) continue;
    params[`s_${label}`] = value;
    parts.push(`${label} = {s_${label}:String}`);
  }
  return parts.length > 0 ? ` AND ${parts.join(' AND ')}` : '';
}

function groupSql(groupBy: readonly AlertLabel[]): { keys: string; group: string } {
  return groupBy.length > 0
    ? { keys: `${groupBy.join(', ')}, `, group: `GROUP BY ${groupBy.join(', ')}` }
    : { keys: '', group: '' };
}

export async function queryWindowStats(
  storage: QueryRunner,
  q: WindowQuery,
): Promise<WindowStats[]> {
  const params: Record<string, unknown> = {
    from: q.from.getTime() / 1000,
    to: q.to.getTime() / 1000,
  };
  const where = scopeWhere(q.scope, params);
  const { keys, group } = groupSql(q.groupBy);
  const sql = `SELECT ${keys}count() AS calls, countIf(status = 'error') AS errors, countIf(http_status = 429) AS rate_limited,
      countIf(fallback_from != '') AS fallbacks, countIf(attempt <= 1) AS first_attempts, countIf(cache_hit) AS cache_hits,
      sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens, sum(output_tokens) AS output_tokens,
      countIf(NOT priced) AS unpriced, countIf(usage_incomplete) AS incomplete, sum(cost_total) AS cost,
      quantileTDigest(0.5)(ttft_ms) AS ttft_p50, quantileTDigest(0.95)(ttft_ms) AS ttft_p95,
      quantileTDigest(0.95)(duration_ms) AS duration_p95
    FROM llm_calls
    WHERE start_time >= fromUnixTimestamp64Milli(toInt64({from:Float64} * 1000), 'UTC')
      AND start_time < fromUnixTimestamp64Milli(toInt64({to:Float64} * 1000), 'UTC') AND ${BILLABLE}${where}
    ${group}`;
  const rows = await storage.query<Record<string, unknown>>(sql, params);
  return rows.filter((r) => num(r.calls) > 0).map((r) => toStats(r, q.groupBy));
}

function toStats(r: Record<string, unknown>, groupBy: readonly AlertLabel[]): WindowStats {
  return {
    labels: Object.fromEntries(groupBy.map((g) => [g, String(r[g] ?? '')])),
    calls: num(r.calls),
    errors: num(r.errors),
    rateLimited: num(r.rate_limited),
    fallbacks: num(r.fallbacks),
    firstAttempts: num(r.first_attempts),
    cacheHits: num(r.cache_hits),
    inputTokens: num(r.input_tokens),
    cacheReadTokens: num(r.cache_read_tokens),
    outputTokens: num(r.output_tokens),
    unpriced: num(r.unpriced),
    incomplete: num(r.incomplete),
    costUsd: trimDecimal(String(r.cost ?? '0')),
    ttftP50: numOrNull(r.ttft_p50),
    ttftP95: numOrNull(r.ttft_p95),
    durationP95: numOrNull(r.duration_p95),
  };
}

/**
 * Spend per group over [from, to), exact to the millisecond, through the cost rollups (tenant-keyed
 * ones when the scope or the grouping names a tenant): a monthly budget rule at production volume
 * reads days and hours, not a month of minutes.
 */
export async function querySpend(
  storage: QueryRunner,
  q: WindowQuery,
): Promise<{ labels: Record<string, string>; costUsd: string; calls: number }[]> {
  const union = costReadSql({ from: q.from, to: q.to, dims: q.groupBy, filters: q.scope });
  const keys = q.groupBy.map((g) => `${g}, `).join('');
  const sql = `SELECT ${keys}cost_total AS cost, calls FROM (${union.sql})`;
  const rows = await storage.query<Record<string, unknown>>(sql, union.params);
  return rows
    .filter((r) => num(r.calls) > 0)
    .map((r) => ({
      labels: Object.fromEntries(q.groupBy.map((g) => [g, String(r[g] ?? '')])),
      costUsd: trimDecimal(String(r.cost ?? '0')),
      calls: num(r.calls),
    }));
}

export function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

function num(value: unknown): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function numOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
