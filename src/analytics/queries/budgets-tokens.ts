// Per-route token budgets (finops.token_budgets): calls over the per-call limit (read from the
// raw table: a per-call question) and periods whose route total exceeded the per-period limit
// (from the rollup). Tokens = input_tokens + output_tokens (input includes cached tokens).
// A period is judged whole: the range is widened to the periods that [from, to) touches.
import type { TokenBudgetConfig } from '../../shared/config-finops.js';
import type { QueryRunner } from '../../storage/runner.js';
import { BILLABLE } from '../../storage/catalog/measures.js';
import { costReadSql } from './costs.js';
import { periodBounds } from '../../shared/budget.js';

export interface TokenBreachQuery {
  from: Date;
  to: Date;
  tenant?: string | undefined;
  route?: string | undefined;
}

export interface PerCallBreach {
  route: string;
  type: 'per_call';
  limit_tokens: number;
  breaching_calls: number;
  max_tokens: number;
  /** The largest breaching calls, at most 10. */
  examples: { call_id: string; tenant: string; start_time: string; tokens: number }[];
}

export interface PerPeriodBreach {
  route: string;
  type: 'per_period';
  period: string;
  period_start: string;
  limit_tokens: number;
  tokens: number;
  excess_tokens: number;
}

async function perCall(
  storage: QueryRunner,
  b: TokenBudgetConfig,
  limit: number,
  q: TokenBreachQuery,
): Promise<PerCallBreach | undefined> {
  const tenantFilter = q.tenant !== undefined ? 'AND tenant = {tenant:String}' : '';
  const sql = `SELECT count() AS n, max(tokens) AS max_tokens,
      arraySlice(arrayReverseSort(x -> x.4, groupArray((call_id, tenant, formatDateTime(start_time, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC'), tokens))), 1, 10) AS examples
    FROM (SELECT call_id, tenant, start_time, input_tokens + output_tokens AS tokens FROM llm_calls
      WHERE start_time >= toDateTime64({from:Decimal64(6)}, 6, 'UTC') AND start_time < toDateTime64({to:Decimal64(6)}, 6, 'UTC')
        AND route = {route:String} AND ${BILLABLE} ${tenantFilter} AND input_tokens + output_tokens > {limit:UInt64})`;
  const params: Record<string, unknown> = {
    from: (q.from.getTime() / 1000).toFixed(3),
    to: (q.to.getTime() / 1000).toFixed(3),
    route: b.route,
    limit,
    ...(q.tenant !== undefined ? { tenant: q.tenant } : {}),
  };
  const [row] = await storage.query<{
    n: string | number;
    max_tokens: string | number;
    examples: [string, string, string, string | number][];
  }>(sql, params);
  if (row === undefined || Number(row.n) === 0) return undefined;
  return {
    route: b.route,
    type: 'per_call',
    limit_tokens: limit,
    breaching_calls: Number(row.n),
    max_tokens: Number(row.max_tokens),
    examples: row.examples.map(([call_id, tenant, start_time, tokens]) => ({
      call_id,
      tenant,
      start_time,
      tokens: Number(tokens),
    })),
  };
}

async function perPeriod(
  storage: QueryRunner,
  b: TokenBudgetConfig,
  q: TokenBreachQuery,
): Promise<PerPeriodBreach[]> {
  const cap = b.max_tokens_per_period;
  if (cap === undefined) return [];
  const from = periodBounds(cap.period, q.from).start;
  const to = periodBounds(cap.period, new Date(q.to.getTime() - 1)).end;
  const { sql, params } = costReadSql({
    from,
    to,
    dims: [],
    bucket: cap.period,
    filters: { route: b.route, ...(q.tenant !== undefined ? { tenant: q.tenant } : {}) },
  });
  const rows = await storage.query<{ start: string; tokens: string | number }>(
    `SELECT formatDateTime(bucket, '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS start, input_tokens + output_tokens AS tokens FROM (${sql}) ORDER BY bucket`,
    params,
  );
  return rows
    .filter((r) => Number(r.tokens) > cap.tokens)
    .map((r) => ({
      route: b.route,
      type: 'per_period',
      period: cap.period,
      period_start: r.start,
      limit_tokens: cap.tokens,
      tokens: Number(r.tokens),
      excess_tokens: Number(r.tokens) - cap.tokens,
    }));
}

export async function queryTokenBreaches(
  storage: QueryRunner,
  budgets: readonly TokenBudgetConfig[],
  q: TokenBreachQuery,
): Promise<(PerCallBreach | PerPeriodBreach)[]> {
  const selected = q.route === undefined ? budgets : budgets.filter((b) => b.route === q.route);
  const out: (PerCallBreach | PerPeriodBreach)[] = [];
  for (const b of selected) {
    if (b.max_tokens_per_call !== undefined) {
      const breach = await perCall(storage, b, b.max_tokens_per_call, q);
      if (breach !== undefined) out.push(breach);
    }
    out.push(...(await perPeriod(storage, b, q)));
  }
  return out;
}
