// The rollup families of the performance questions (sql/migrations/0020, 0021) and the measures
// each question reads, written once for both paths: from llm_calls (edges, tenant scope) and from
// the rollups. The raw expressions repeat the materialized views' text so both paths agree.
import type { QueryRunner } from '../../storage/runner.js';
import { BILLABLE } from './costs.js';
import { bucketSql } from '../../storage/catalog/histogram.js';
import { planSegments, unionSql, type Measure, type RollupFamily } from './stats-timeplan.js';

/** Provider calls (app-cache hits excluded): llm_perf_1m / llm_perf_1h / llm_perf_1d. */
export const PERF_FAMILY: RollupFamily = {
  rawWhere: `${BILLABLE} AND NOT cache_hit`,
  minuteTable: 'llm_perf_1m',
  hourTable: 'llm_perf_1h',
  dayTable: 'llm_perf_1d',
  tenantDayTable: 'llm_perf_tenant_1d',
};

/** Every billable row, hits included: llm_cache_1m / llm_cache_1h. */
export const CACHE_FAMILY: RollupFamily = {
  rawWhere: BILLABLE,
  minuteTable: 'llm_cache_1m',
  hourTable: 'llm_cache_1h',
};

/** The dimensions of llm_perf_*: every latency / drift / reliability grouping comes from these. */
export const PERF_DIMENSIONS = [
  'provider',
  'model',
  'deployment',
  'region',
  'capacity_tier',
  'route',
] as const;
export type PerfDimension = (typeof PERF_DIMENSIONS)[number];

const count = (name: string, cond?: string): Measure => ({
  raw: cond === undefined ? 'count()' : `countIf(${cond})`,
  rollup: `sum(${name})`,
  merge: `sum(${name})`,
});
const sumOf = (name: string, rawExpr: string): Measure => ({
  raw: rawExpr,
  rollup: `sum(${name})`,
  merge: `sum(${name})`,
});
const hist = (name: string, value: string, cond: string): Measure => ({
  raw: `sumMapIf(map(${bucketSql(value)}, toUInt64(1)), ${cond})`,
  rollup: `sumMap(${name})`,
  merge: `sumMap(${name})`,
});

const TPS = 'output_tokens * 1000 / (duration_ms - assumeNotNull(ttft_ms))';

export const PERF_MEASURES = {
  attempts: count('attempts'),
  first_attempts: count('first_attempts', "attempt <= 1 AND fallback_from = ''"),
  ok_calls: count('ok_calls', "status = 'ok'"),
  errors: count('errors', "status = 'error'"),
  rate_limited: count('rate_limited', 'http_status = 429'),
  fallbacks: count('fallbacks', "fallback_from != ''"),
  spend: sumOf('spend', 'sum(cost_total)'),
  failed_spend: sumOf('failed_spend', "sumIf(cost_total, status = 'error')"),
  duration_h: hist('duration_h', 'duration_ms', "status = 'ok'"),
  ttft_h: hist('ttft_h', 'assumeNotNull(ttft_ms)', "status = 'ok' AND ttft_ms IS NOT NULL"),
  itl_h: hist('itl_h', 'assumeNotNull(itl_ms)', "status = 'ok' AND itl_ms IS NOT NULL"),
  tps_h: hist(
    'tps_h',
    TPS,
    "status = 'ok' AND streaming AND ttft_ms IS NOT NULL AND duration_ms > assumeNotNull(ttft_ms) AND output_tokens > 0",
  ),
} satisfies Record<string, Measure>;
export type PerfMeasure = keyof typeof PERF_MEASURES;

export const CACHE_MEASURES = {
  rows: count('rows'),
  hits: count('hits', 'cache_hit'),
  prompt_calls: count('prompt_calls', 'NOT cache_hit AND input_tokens > 0'),
  read_calls: count('read_calls', 'NOT cache_hit AND cache_read_tokens > 0'),
  prompt_tokens: sumOf('prompt_tokens', 'sumIf(input_tokens, NOT cache_hit)'),
  read_tokens: sumOf('read_tokens', 'sumIf(cache_read_tokens, NOT cache_hit)'),
} satisfies Record<string, Measure>;
export type CacheMeasure = keyof typeof CACHE_MEASURES;

/** Where a question reads from: `auto` = rollups (raw edges), `raw` = llm_calls only. */
export type Source = 'auto' | 'raw';

export interface WindowRead<M extends string> {
  family: RollupFamily;
  all: Record<M, Measure>;
  from: Date;
  to: Date;
  dims: readonly string[];
  measures: readonly M[];
  tenant?: string | undefined;
  source?: Source | undefined;
}

export type ResultRow = Record<string, unknown>;

function windowSql<M extends string>(read: WindowRead<M>): string | null {
  const segments = planSegments(read.from.getTime(), read.to.getTime(), {
    hourly: read.family.hourTable !== undefined,
    daily: read.family.dayTable !== undefined,
    rawOnly:
      read.source === 'raw' ||
      (read.tenant !== undefined && read.family.tenantDayTable === undefined),
    tenantDaily: read.tenant !== undefined,
  });
  const measures: Record<string, Measure> = {};
  for (const m of read.measures) measures[m] = read.all[m];
  return unionSql({
    family: read.family,
    segments,
    dims: read.dims,
    measures,
    tenant: read.tenant,
  });
}

/** Runs one windowed read and returns its rows (JSON: Map columns as objects, UInt64 as text). */
export async function readWindow<M extends string>(
  storage: QueryRunner,
  read: WindowRead<M>,
): Promise<ResultRow[]> {
  const [rows] = await readWindows(storage, [read]);
  return rows ?? [];
}

/**
 * Several windowed reads (same tenant scope) in one query, rows returned per read. A current and a
 * baseline window are small reads where the per-query cost of the engine is most of the time, so
 * one round trip instead of two is what brings a drift check near the engine's floor.
 */
export async function readWindows<M extends string>(
  storage: QueryRunner,
  reads: readonly WindowRead<M>[],
): Promise<ResultRow[][]> {
  const parts = reads.flatMap((read, i) => {
    const sql = windowSql(read);
    return sql === null ? [] : [`SELECT toUInt8(${i}) AS window_index, * FROM (${sql})`];
  });
  const out: ResultRow[][] = reads.map(() => []);
  if (parts.length === 0) return out;
  const tenant = reads.find((r) => r.tenant !== undefined)?.tenant;
  for (const row of await storage.query<ResultRow>(
    parts.join('\nUNION ALL\n'),
    tenant !== undefined ? { tenant } : {},
  )) {
    const { window_index: index, ...rest } = row;
    out[Number(index)]?.push(rest);
  }
  return out;
}

/** A key that joins rows on the given dimensions. */
export function keyOf(row: ResultRow, dims: readonly string[]): string {
  return JSON.stringify(dims.map((d) => String(row[d] ?? '')));
}

export function num(value: unknown): number {
  const n = Number(value ?? 0);
  return Number.isFinite(n) ? n : 0;
}

/** a / b, or null when b is 0; rounded to 6 decimals. */
export function ratio(a: number, b: number): number | null {
  return b > 0 ? Math.round((a / b) * 1e6) / 1e6 : null;
}
