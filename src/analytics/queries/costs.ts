// Cost per any call dimension, optionally in time buckets and as top-N plus an `other` row.
// Whole hours are read from the hourly rollup (llm_costs_1h, no tenant), the partial hours at
// either edge of [from, to) from the raw table, so the answer is exact for any timestamps.
// Questions that group or filter by tenant read whole days and hours from the tenant-keyed
// rollups (llm_costs_tenant_1d / _1h, 0026) instead.
// The union builder is shared by provisioned allocation, budgets and the FOCUS export.
import type { QueryRunner } from '../../storage/runner.js';
import { trimDecimal } from './decimal.js';
import { planSegments, type Grain } from './stats-timeplan.js';

export const COST_DIMENSIONS = [
  'route',
  'feature',
  'tenant',
  'provider',
  'model',
  'deployment',
  'capacity_tier',
  'region',
  'environment',
  'operation',
] as const;
export type CostDimension = (typeof COST_DIMENSIONS)[number];
/** Time buckets: the API exposes hour and day; budgets and token budgets also use week and month. */
export type Bucket = 'hour' | 'day' | 'week' | 'month';
export const INTERVALS: Record<string, Bucket> = { '1h': 'hour', '1d': 'day' };

export interface CostQuery {
  from: Date;
  to: Date;
  groupBy: CostDimension[];
  /** When set, only this tenant's rows are read (applied in SQL). */
  tenant?: string | undefined;
  bucket?: Bucket | undefined;
  /** Keep the N costliest groups (over the whole range); fold the rest into one `other` row per bucket. */
  top?: number | undefined;
  /** Equality filters on dimensions (budget scopes, reservation deployments), applied in SQL. */
  filters?: Partial<Record<CostDimension, string>> | undefined;
}

export interface CostRow {
  [dimension: string]: string | number | boolean;
  calls: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** Effective cost (after negotiated discounts): what is paid. */
  cost_usd: string;
  /** On-demand-equivalent (list) cost; list - effective = savings. */
  list_cost_usd: string;
  unpriced_calls: number;
}

export const BILLABLE = "kind IN ('inference', 'embeddings')";

/** Measure name -> [rollup expression, raw expression]; the outer query sums each by name. */
const MEASURES: Record<string, [string, string]> = {
  calls: ['sum(calls)', 'count()'],
  input_tokens: ['sum(input_tokens)', 'sum(input_tokens)'],
  cache_read_tokens: ['sum(cache_read_tokens)', 'sum(cache_read_tokens)'],
  cache_creation_tokens: ['sum(cache_creation_tokens)', 'sum(cache_creation_tokens)'],
  output_tokens: ['sum(output_tokens)', 'sum(output_tokens)'],
  reasoning_tokens: ['sum(reasoning_tokens)', 'sum(reasoning_tokens)'],
  cost_input: ['sum(cost_input)', 'sum(cost_input)'],
  cost_cache_read: ['sum(cost_cache_read)', 'sum(cost_cache_read)'],
  cost_cache_creation: ['sum(cost_cache_creation)', 'sum(cost_cache_creation)'],
  cost_output: ['sum(cost_output)', 'sum(cost_output)'],
  cost_total: ['sum(cost_total)', 'sum(cost_total)'],
  list_cost: ['sum(list_cost)', 'sum(list_cost)'],
  unpriced_calls: ['sum(unpriced_calls)', 'countIf(NOT priced)'],
};
export const MEASURE_NAMES = Object.keys(MEASURES);

function bucketExpr(bucket: Bucket, column: string): string {
  const t = `toDateTime(${column}, 'UTC')`;
  if (bucket === 'hour') return `toStartOfHour(${t})`;
  if (bucket === 'day') return `toStartOfDay(${t})`;
  if (bucket === 'week') return `toDateTime(toMonday(${t}), 'UTC')`;
  return `toDateTime(toStartOfMonth(${t}), 'UTC')`;
}

/**
 * Rollup table and time column per grain (no minute grain: the plan reads partial hours raw).
 * llm_costs_1h has no tenant column (see 0023).
 */
type GrainTables = Partial<Record<Exclude<Grain, 'raw'>, [string, string]>>;
const UNSCOPED_TABLES: GrainTables = { '1h': ['llm_costs_1h', 'hour'] };
const TENANT_TABLES: GrainTables = {
  '1h': ['llm_costs_tenant_1h', 'hour'],
  '1d': ['llm_costs_tenant_1d', 'day'],
};

export interface UnionSpec {
  from: Date;
  to: Date;
  dims: readonly CostDimension[];
  bucket?: Bucket | undefined;
  filters: Partial<Record<CostDimension, string>>;
}

/**
 * `SELECT [bucket,] dims..., <every measure> FROM (rollup whole minutes UNION ALL raw edges)`
 * grouped by bucket and dims. Parameters are returned for binding; nothing user-given is inlined.
 */
export function buildUnion(spec: UnionSpec): { sql: string; params: Record<string, unknown> } {
  const dims = [...spec.dims];
  const params: Record<string, unknown> = {};
  const where: string[] = [BILLABLE];
  for (const [dim, value] of Object.entries(spec.filters)) {
    if (value === undefined || !(COST_DIMENSIONS as readonly string[]).includes(dim)) continue;
    where.push(`${dim} = {f_${dim}:String}`);
    params[`f_${dim}`] = value;
  }
  const keysFor = (timeCol: string): string =>
    [
      ...(spec.bucket !== undefined ? [`${bucketExpr(spec.bucket, timeCol)} AS bucket`] : []),
      ...dims,
    ]
      .map((k) => `${k}, `)
      .join('');
  const groupKeys = [...(spec.bucket !== undefined ? ['bucket'] : []), ...dims];
  const groupBy = groupKeys.length > 0 ? `GROUP BY ${groupKeys.join(', ')}` : '';
  const rollupMeasures = MEASURE_NAMES.map((m) => `${MEASURES[m]?.[0]} AS ${m}`).join(', ');
  const rawMeasures = MEASURE_NAMES.map((m) => `${MEASURES[m]?.[1]} AS ${m}`).join(', ');
  const filter = where.join(' AND ');
  const tables =
    dims.includes('tenant') || spec.filters.tenant !== undefined ? TENANT_TABLES : UNSCOPED_TABLES;
  // A day segment cannot be split into hours, so hourly buckets read whole hours at most.
  const daily = tables['1d'] !== undefined && spec.bucket !== 'hour';
  // No minute segments: llm_calls_1m keys tenant first, so reading its partial hours cost as much
  // as reading those hours from llm_calls (measured at 100M rows), twice over with the raw seconds.
  const parts = planSegments(spec.from.getTime(), spec.to.getTime(), {
    hourly: true,
    daily,
    rawOnly: false,
    minutes: false,
  }).map((seg) => {
    if (seg.grain === 'raw') {
      return `SELECT ${keysFor('start_time')}${rawMeasures} FROM llm_calls
        WHERE start_time >= fromUnixTimestamp64Milli(toInt64(${seg.fromMs}), 'UTC')
          AND start_time < fromUnixTimestamp64Milli(toInt64(${seg.toMs}), 'UTC') AND ${filter} ${groupBy}`;
    }
    const rollup = tables[seg.grain];
    if (rollup === undefined) throw new Error(`no ${seg.grain} cost rollup`);
    const [table, column] = rollup;
    return `SELECT ${keysFor(column)}${rollupMeasures} FROM ${table}
      WHERE ${column} >= toDateTime(${seg.fromMs / 1000}, 'UTC') AND ${column} < toDateTime(${seg.toMs / 1000}, 'UTC')
        AND ${filter} ${groupBy}`;
  });
  // An empty range still answers (zero rows, or one zero row when ungrouped).
  if (parts.length === 0)
    parts.push(`SELECT ${keysFor('start_time')}${rawMeasures} FROM llm_calls WHERE 0 ${groupBy}`);
  const outerKeys = groupKeys.map((k) => `${k}, `).join('');
  const sums = MEASURE_NAMES.map((m) => `sum(${m}) AS ${m}`).join(', ');
  return {
    sql: `SELECT ${outerKeys}${sums} FROM (${parts.join('\nUNION ALL\n')}) ${groupBy}`,
    params,
  };
}

const SUMMED = `sum(calls) AS calls, sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
  sum(cache_creation_tokens) AS cache_creation_tokens, sum(output_tokens) AS output_tokens,
  sum(reasoning_tokens) AS reasoning_tokens, sum(cost_total) AS cost_usd, sum(list_cost) AS list_cost_usd,
  sum(unpriced_calls) AS unpriced_calls`;

export function buildCostSql(query: CostQuery): { sql: string; params: Record<string, unknown> } {
  const dims = query.groupBy;
  const filters = {
    ...query.filters,
    ...(query.tenant !== undefined ? { tenant: query.tenant } : {}),
  };
  const union = buildUnion({ from: query.from, to: query.to, dims, bucket: query.bucket, filters });
  const bucketKey = query.bucket !== undefined ? ['bucket'] : [];
  const bucketOut =
    query.bucket !== undefined
      ? [`formatDateTime(bucket, '%Y-%m-%dT%H:%i:%SZ', 'UTC') AS bucket_iso`]
      : [];
  if (query.top === undefined || dims.length === 0) {
    const keys = [...bucketKey, ...dims];
    const select = [...bucketOut, ...dims, SUMMED].join(', ');
    const order = [...bucketKey, 'cost_usd DESC', ...dims].join(', ');
    return {
      sql: `SELECT ${select} FROM (${union.sql}) ${keys.length > 0 ? `GROUP BY ${keys.join(', ')}` : ''} ORDER BY ${order}`,
      params: union.params,
    };
  }
  // Top-N over the whole range; everything else keeps its money in one `other` row per bucket,
  // so the rows still sum exactly to the ungrouped total. Group columns are renamed (g_*) so
  // the folded output columns can take the plain names without alias shadowing.
  const tuple = `(${dims.map((d) => `g_${d}`).join(', ')})`;
  const renamed = dims.map((d) => `${d} AS g_${d}`).join(', ');
  const folded = dims.map((d) => `if(is_other, '(other)', g_${d}) AS ${d}`).join(', ');
  const sql = `WITH grouped AS (SELECT ${[...bucketKey, renamed].join(', ')}, * EXCEPT (${[...bucketKey, ...dims].join(', ')}) FROM (${union.sql})),
    top_groups AS (SELECT ${dims.map((d) => `g_${d}`).join(', ')} FROM grouped GROUP BY ${tuple.slice(1, -1)}
      ORDER BY sum(cost_total) DESC, ${tuple.slice(1, -1)} LIMIT ${Math.trunc(query.top)})
    SELECT ${[...bucketOut, folded, 'is_other AS other', SUMMED].join(', ')}
    FROM (SELECT *, ${tuple} NOT IN (SELECT * FROM top_groups) AS is_other FROM grouped)
    GROUP BY ${[...bucketKey, 'is_other', ...dims].join(', ')}
    ORDER BY ${[...bucketKey, 'is_other', 'cost_usd DESC', ...dims].join(', ')}`;
  return { sql, params: union.params };
}

export async function queryCosts(storage: QueryRunner, query: CostQuery): Promise<CostRow[]> {
  const { sql, params } = buildCostSql(query);
  const rows = await storage.query<Record<string, string | number | boolean>>(sql, params);
  const out = rows.map((row) => toCostRow(row, query));
  // A query with no group keys or buckets always answers one row, even when nothing matched.
  const grouped = query.groupBy.length > 0 || query.bucket !== undefined;
  return !grouped || out.some((r) => r.calls > 0) ? out : [];
}

function toCostRow(row: Record<string, string | number | boolean>, query: CostQuery): CostRow {
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
  if (query.bucket !== undefined) out.bucket = String(row.bucket_iso ?? '');
  for (const dim of query.groupBy) out[dim] = String(row[dim] ?? '');
  if (query.top !== undefined && query.groupBy.length > 0)
    out.other = row.other === true || row.other === 1 || row.other === '1';
  return out;
}
