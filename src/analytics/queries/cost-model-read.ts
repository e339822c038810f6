// Reads for the cost model: call measures grouped by [bucket,] dimensions through the read planner
// (costReadSql), returned as exact BigInt smallest units (counts too) so covered usage can be
// subtracted from totals without a rounding step or a decimal object per measure.
import type { ReservationConfig } from '../../shared/config-finops.js';
import { decimalUnits, type MoneyValue } from '../../shared/money.js';
import { convertedTokens, type HourGroup } from './cost-model-alloc.js';
import { COST_MEASURES } from '../../storage/catalog/measures.js';
import type { FilterValue, Read } from '../../storage/planner/plan.js';
import { TENANT_READ } from '../../storage/planner/read.js';
import { weighTenants } from '../../storage/planner/tenant-size.js';
import type { QueryRunner } from '../../storage/runner.js';
import { costReadSql, type Bucket, type CostDimension } from './costs.js';

/** Output name -> summed raw measure. The names are the /v1/costs row keys. */
export const USAGE_MEASURES = {
  calls: 'calls',
  input_tokens: 'input_tokens',
  cache_read_tokens: 'cache_read_tokens',
  cache_creation_tokens: 'cache_creation_tokens',
  output_tokens: 'output_tokens',
  reasoning_tokens: 'reasoning_tokens',
  cost_usd: 'cost_total',
  list_cost_usd: 'list_cost',
  unpriced_calls: 'unpriced_calls',
  usage_incomplete_calls: 'incomplete_calls',
} as const;

/** Cost parts, for the FOCUS split by token type. */
export const PART_MEASURES = {
  cost_input: 'cost_input',
  cost_cache_read: 'cost_cache_read',
  cost_cache_creation: 'cost_cache_creation',
} as const;

export type Measures = Record<string, MoneyValue>;

export interface GroupRead {
  from: Date;
  to: Date;
  dims: readonly CostDimension[];
  bucket?: Bucket | undefined;
  filters: Partial<Record<string, FilterValue | undefined>>;
  measures: Readonly<Record<string, string>>;
  source?: Read['source'];
}

export interface GroupRow {
  /** Bucket start in ms (undefined without a bucket). */
  bucket: number | undefined;
  key: Record<string, string>;
  /** groupId(key). */
  id: string;
  /** The measures in 10^-18 units (counts too), in the order of the read's `measures` keys. */
  mu: bigint[];
}

/** The SQL of a grouped read; its output names are the keys of `measures`. */
export function groupReadSql(q: GroupRead): { sql: string; params: Record<string, unknown> } {
  const union = costReadSql({
    from: q.from,
    to: q.to,
    dims: q.dims,
    bucket: q.bucket,
    filters: q.filters,
    source: q.source,
    // Only the measures summed here (and calls, which drops empty groups): /v1/costs sums 10 of
    // the 20, and each is a column of every rollup row and an aggregate of every raw call read.
    measures: [...new Set(['calls', ...Object.values(q.measures)])],
  });
  const keys = [...(q.bucket !== undefined ? ['bucket'] : []), ...q.dims];
  const sums = Object.entries(q.measures).map(([out, raw]) => `sum(${raw}) AS ${out}`);
  const select = [
    ...(q.bucket !== undefined ? ['toUnixTimestamp(bucket) AS bucket_s'] : []),
    ...q.dims,
    ...sums,
  ];
  const group = keys.length > 0 ? ` GROUP BY ${keys.join(', ')}` : '';
  return {
    sql: `SELECT ${select.join(', ')} FROM (${union.sql})${group}`,
    params: union.params,
  };
}

/**
 * A tenant-scoped read weighed as the performance questions' are (tenant-size.ts): a small tenant's
 * calls are one key range of llm_calls, cheaper than the cost rollups' hour and day tables plus
 * edges (100M benchmark, t250 with 142k calls: 29 ms from the rollups, 19 raw by the key).
 */
async function weighed(storage: QueryRunner, q: GroupRead): Promise<GroupRead> {
  if (typeof q.filters.tenant !== 'string' || q.source !== undefined) return q;
  const read: Read = {
    subject: 'calls',
    from: q.from,
    to: q.to,
    dims: q.dims,
    measures: COST_MEASURES,
    bucket: q.bucket,
    filters: q.filters,
  };
  const [w] = await weighTenants(storage, [read]);
  return w?.source === 'raw' ? { ...q, source: 'raw' } : q;
}

export async function readGroups(storage: QueryRunner, q: GroupRead): Promise<GroupRow[]> {
  const read = await weighed(storage, q);
  const { sql, params } = groupReadSql(read);
  // A tenant's reads by its key, not the time-ordered projection (planner/read.ts).
  const options = typeof q.filters.tenant === 'string' ? TENANT_READ : undefined;
  const rows = await storage.query<Record<string, string | number>>(sql, params, options);
  const names = Object.keys(q.measures);
  const out: GroupRow[] = [];
  for (const row of rows) {
    if (Number(row.calls ?? 0) === 0) continue;
    const key = Object.fromEntries(q.dims.map((d) => [d, String(row[d] ?? '')]));
    out.push({
      bucket: q.bucket !== undefined ? Number(row.bucket_s) * 1000 : undefined,
      key,
      id: groupId(key),
      mu: names.map((k) => decimalUnits(row[k] ?? 0)),
    });
  }
  return out;
}

/** Capacity tiers a reservation covers: provisioned, or no tier reported on its deployment. */
export const COVERED_TIERS = ['provisioned', ''] as const;

/**
 * Filters selecting the calls a reservation covers: its deployment (and provider / model when
 * configured), on the provisioned tier. A call on the same deployment tagged on_demand, priority,
 * flex or batch is overflow billed at token prices (Vertex and Bedrock bill overage that way on the
 * same endpoint), so it stays on-demand.
 */
export function coverageFilters(r: ReservationConfig): Record<string, FilterValue> {
  const f: Record<string, FilterValue> = {
    deployment: r.deployment,
    capacity_tier: COVERED_TIERS,
  };
  if (r.provider !== undefined) f.provider = r.provider;
  if (r.model !== undefined) f.model = r.model;
  return f;
}

/**
 * The calls of a question's scope a reservation covers: the scope and the coverage filters, each
 * dimension both name holding the values both allow; undefined when none is left (a question on
 * another deployment, provider, model or an uncovered tier: the reservation has nothing there).
 * The coverage used to replace the scope's own value, so a question on one deployment moved the
 * other reservations' covered calls off its on-demand lines (negative on-demand rows).
 */
export function scopedCoverage(
  r: ReservationConfig,
  scope: Readonly<Record<string, FilterValue>>,
): Record<string, FilterValue> | undefined {
  const out: Record<string, FilterValue> = { ...scope };
  for (const [dim, value] of Object.entries(coverageFilters(r))) {
    const asked = scope[dim];
    if (asked === undefined) {
      out[dim] = value;
      continue;
    }
    const allowed = typeof value === 'string' ? [value] : value;
    const both = (typeof asked === 'string' ? [asked] : asked).filter((v) => allowed.includes(v));
    if (both.length === 0) return undefined;
    out[dim] = both.length === 1 ? (both[0] ?? '') : both;
  }
  return out;
}

/** Group identity used across reads (bucket excluded). */
export const groupId = (key: Record<string, string>): string => JSON.stringify(key);

export const TOKEN_MEASURES = {
  calls: 'calls',
  input_tokens: 'input_tokens',
  cache_read_tokens: 'cache_read_tokens',
  cache_creation_tokens: 'cache_creation_tokens',
  output_tokens: 'output_tokens',
};

/**
 * A reservation's covered usage per hour and group as converted tokens. Token counts are read
 * as numbers (exact below 2^53) and weighted once: this runs for every group-hour of the range,
 * so it makes one decimal per row instead of one per measure.
 */
export async function readHourTokens(
  storage: QueryRunner,
  r: ReservationConfig,
  q: Pick<GroupRead, 'from' | 'to' | 'dims' | 'filters'>,
): Promise<(HourGroup & { key: Record<string, string> })[]> {
  const { sql, params } = groupReadSql({ ...q, bucket: 'hour', measures: TOKEN_MEASURES });
  const rows = await storage.query<Record<string, string | number>>(sql, params);
  return rows
    .filter((row) => Number(row.calls ?? 0) > 0)
    .map((row) => {
      const key = Object.fromEntries(q.dims.map((d) => [d, String(row[d] ?? '')]));
      return {
        hour: Number(row.bucket_s) * 1000,
        id: groupId(key),
        key,
        converted: convertedTokens(r.weights, row),
      };
    });
}
