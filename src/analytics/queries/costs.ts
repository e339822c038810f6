// Cost per any call dimension, optionally in time buckets and as top-N plus an `other` row. The
// read planner (storage/planner) answers from the cost rollups: whole hours and days from the
// family that covers the group-by and filters (tenant-keyed when they name a tenant), the partial
// hours at either edge of [from, to) from llm_calls, so the answer is exact for any timestamps.
// costReadSql is shared by provisioned allocation, budgets, alert windows, routing budgets and the
// FOCUS export, so every money answer reads the same rows the same way.
import { BILLABLE_KINDS, COST_MEASURES } from '../../storage/catalog/measures.js';
import type { FilterValue, Read } from '../../storage/planner/plan.js';
import { readSql } from '../../storage/planner/sql.js';
import type { QueryParams, QueryRunner } from '../../storage/runner.js';
import type { ReservationConfig } from '../../shared/config-finops.js';
import { costLines, type UnusedMode } from './cost-model.js';
import { costRows } from './costs-rows.js';

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
  /** Reservations from config: covered calls are billed $0 and carry their allocated share. */
  reservations?: readonly ReservationConfig[] | undefined;
  /** `row` (default): unused reservation as its own rows; `spread`: over the covered groups. */
  unused?: UnusedMode | undefined;
  /** The clock: reservation hours that have not begun by then are not charged (default now). */
  now?: Date | undefined;
  /** Where reservation hours are split (cost-model-lines.ts); the benchmark times both. */
  split?: 'auto' | 'engine' | 'js' | undefined;
}

export interface CostRow {
  [dimension: string]: string | number | boolean;
  calls: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  /** The effective cost (amortized; = effective_cost_usd). */
  cost_usd: string;
  /** What the invoice line says: $0 for covered calls, the purchase on reservation rows. */
  billed_cost_usd: string;
  /** Token price after discounts, or the allocated share of a reservation hour. */
  effective_cost_usd: string;
  /** On-demand-equivalent (list) cost; list - effective = savings. */
  list_cost_usd: string;
  unpriced_calls: number;
  /** Calls whose source reports incomplete usage: their cost is an upper estimate. */
  usage_incomplete_calls: number;
}

export interface CostReadSpec {
  from: Date;
  to: Date;
  dims: readonly CostDimension[];
  bucket?: Bucket | undefined;
  /** Equality or membership filters; keys that are not dimensions (other alert labels) are not applied. */
  filters: Partial<Record<string, FilterValue | undefined>>;
  /** `raw`: llm_calls only (a small tenant, weighed by the caller); default the rollups. */
  source?: Read['source'];
  /** The cost measures read (default all of them); a caller summing a few reads only those. */
  measures?: readonly string[] | undefined;
}

/**
 * `SELECT [bucket,] dims..., <every cost measure> ...` of billable calls, grouped by bucket and
 * dims. Parameters are returned for binding; nothing user-given is inlined.
 */
export function costReadSql(spec: CostReadSpec): { sql: string; params: QueryParams } {
  const filters: Record<string, FilterValue> = { kind: BILLABLE_KINDS };
  for (const dim of COST_DIMENSIONS) {
    const value = spec.filters[dim];
    if (value !== undefined) filters[dim] = value;
  }
  const { sql, params } = readSql({
    subject: 'calls',
    from: spec.from,
    to: spec.to,
    dims: spec.dims,
    measures: spec.measures ?? COST_MEASURES,
    bucket: spec.bucket,
    filters,
    source: spec.source,
  });
  return { sql, params };
}

const SUMMED = `sum(calls) AS calls, sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
  sum(cache_creation_tokens) AS cache_creation_tokens, sum(output_tokens) AS output_tokens,
  sum(reasoning_tokens) AS reasoning_tokens, sum(cost_total) AS cost_usd, sum(list_cost) AS list_cost_usd,
  sum(unpriced_calls) AS unpriced_calls, sum(incomplete_calls) AS usage_incomplete_calls`;

export function buildCostSql(query: CostQuery): { sql: string; params: Record<string, unknown> } {
  const dims = query.groupBy;
  const filters = {
    ...query.filters,
    ...(query.tenant !== undefined ? { tenant: query.tenant } : {}),
  };
  const union = costReadSql({
    from: query.from,
    to: query.to,
    dims,
    bucket: query.bucket,
    filters,
  });
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
  const lines = await costLines(storage, {
    from: query.from,
    to: query.to,
    dims: query.groupBy,
    bucket: query.bucket,
    tenant: query.tenant,
    filters: query.filters,
    reservations: query.reservations ?? [],
    unused: query.unused,
    now: query.now,
    split: query.split,
  });
  return costRows(lines, query);
}
