// Cost per route / feature / tenant / provider / model / deployment / capacity tier.
// Whole minutes are read from the per-minute rollup (llm_calls_1m); the partial minutes at
// either edge of [from, to) from the raw table, so the answer is exact for any timestamps.
import type { Storage } from '../../storage/client.js';
import { trimDecimal } from './decimal.js';

export const COST_DIMENSIONS = ['route', 'feature', 'tenant', 'provider', 'model', 'deployment', 'capacity_tier'] as const;
export type CostDimension = (typeof COST_DIMENSIONS)[number];

export interface CostQuery {
  from: Date;
  to: Date;
  groupBy: CostDimension[];
  /** When set, only this tenant's rows are read (applied in SQL). */
  tenant?: string | undefined;
}

export interface CostRow {
  [dimension: string]: string | number;
  calls: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost_usd: string;
  list_cost_usd: string;
  unpriced_calls: number;
}

const BILLABLE = "kind IN ('inference', 'embeddings')";

const RAW_MEASURES = `count() AS calls, sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
  sum(cache_creation_tokens) AS cache_creation_tokens, sum(output_tokens) AS output_tokens,
  sum(reasoning_tokens) AS reasoning_tokens, sum(cost_total) AS cost, sum(list_cost) AS list_cost,
  countIf(NOT priced) AS unpriced_calls`;

const ROLLUP_MEASURES = `sum(calls) AS calls, sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
  sum(cache_creation_tokens) AS cache_creation_tokens, sum(output_tokens) AS output_tokens,
  sum(reasoning_tokens) AS reasoning_tokens, sum(cost_total) AS cost, sum(list_cost) AS list_cost,
  sum(unpriced_calls) AS unpriced_calls`;

export function buildCostSql(query: CostQuery): { sql: string; params: Record<string, unknown> } {
  const dims = query.groupBy;
  const keys = dims.length > 0 ? `${dims.join(', ')}, ` : '';
  const groupBy = dims.length > 0 ? `GROUP BY ${dims.join(', ')}` : '';
  const tenantFilter = query.tenant !== undefined ? 'AND tenant = {tenant:String}' : '';
  const fromMs = query.from.getTime();
  const toMs = query.to.getTime();
  const wholeFrom = Math.ceil(fromMs / 60_000) * 60_000;
  const wholeTo = Math.floor(toMs / 60_000) * 60_000;
  const params: Record<string, unknown> = { from: seconds(fromMs), to: seconds(toMs) };
  if (query.tenant !== undefined) params.tenant = query.tenant;
  const parts: string[] = [];
  const raw = (lo: string, hi: string): string =>
    `SELECT ${keys}${RAW_MEASURES} FROM llm_calls
     WHERE start_time >= toDateTime64(${lo}, 6, 'UTC') AND start_time < toDateTime64(${hi}, 6, 'UTC') AND ${BILLABLE} ${tenantFilter} ${groupBy}`;
  if (wholeFrom < wholeTo) {
    params.whole_from = wholeFrom / 1000;
    params.whole_to = wholeTo / 1000;
    parts.push(`SELECT ${keys}${ROLLUP_MEASURES} FROM llm_calls_1m
      WHERE minute >= toDateTime({whole_from:UInt32}, 'UTC') AND minute < toDateTime({whole_to:UInt32}, 'UTC') AND ${BILLABLE} ${tenantFilter} ${groupBy}`);
    if (fromMs < wholeFrom) parts.push(raw('{from:Decimal64(6)}', 'toDecimal64({whole_from:UInt32}, 6)'));
    if (wholeTo < toMs) parts.push(raw('toDecimal64({whole_to:UInt32}, 6)', '{to:Decimal64(6)}'));
  } else {
    parts.push(raw('{from:Decimal64(6)}', '{to:Decimal64(6)}'));
  }
  const sql = `SELECT ${keys}sum(calls) AS calls, sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
      sum(cache_creation_tokens) AS cache_creation_tokens, sum(output_tokens) AS output_tokens,
      sum(reasoning_tokens) AS reasoning_tokens, sum(cost) AS cost_usd, sum(list_cost) AS list_cost_usd,
      sum(unpriced_calls) AS unpriced_calls
    FROM (${parts.join('\nUNION ALL\n')})
    ${groupBy}
    ORDER BY cost_usd DESC${dims.length > 0 ? `, ${dims.join(', ')}` : ''}`;
  return { sql, params };
}

export async function queryCosts(storage: Storage, query: CostQuery): Promise<CostRow[]> {
  const { sql, params } = buildCostSql(query);
  const rs = await storage.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  const rows = await rs.json<Record<string, string | number>>();
  const out = rows.map((row) => toCostRow(row, query.groupBy));
  // A query with no group keys always answers one row, even when nothing matched.
  return query.groupBy.length === 0 || out.some((r) => r.calls > 0) ? out : [];
}

function toCostRow(row: Record<string, string | number>, dims: CostDimension[]): CostRow {
  const out: CostRow = {
    calls: Number(row.calls ?? 0),
    input_tokens: Number(row.input_tokens ?? 0),
    cache_read_tokens: Number(row.cache_read_tokens ?? 0),
    cache_creation_tokens: Number(row.cache_creation_tokens ?? 0),
    output_tokens: Number(row.output_tokens ?? 0),
    reasoning_tokens: Number(row.reasoning_tokens ?? 0),
    cost_usd: trimDecimal(String(row.cost_usd ?? '0')),
    list_cost_usd: trimDecimal(String(row.list_cost_usd ?? '0')),
    unpriced_calls: Number(row.unpriced_calls ?? 0),
  };
  for (const dim of dims) out[dim] = String(row[dim] ?? '');
  return out;
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
