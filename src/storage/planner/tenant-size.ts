// Whether a tenant-scoped read is cheaper from llm_calls than from the tenant rollups. llm_calls is
// sorted tenant first, so a tenant's raw rows are one key range and cost about their number; a
// tenant rollup costs a fixed amount (its day, hour and minute tables, the edges through the
// time-ordered projection) that a small tenant never earns back. Measured on the analytics
// benchmark (2M calls, CPU ms, rollups vs raw): t0 with 90k calls, latency by route 61 vs 38,
// cache 24 vs 17; at 10M calls t0 with 447k calls, latency by route 204 vs 389 ms. The estimate is
// the tenant's calls in [from, to) from the time-first daily calls-per-tenant rollup (a day's calls
// weighted by the share of the day inside the range): one small query for all reads at once.
import { CATALOG, familyDims, familyMeasures } from '../catalog/catalog.js';
import type { SubjectName } from '../catalog/measures.js';
import type { Catalog, RollupTable } from '../catalog/types.js';
import type { QueryParams, QueryRunner } from '../runner.js';
import { StoreQueryError } from '../runner-errors.js';
import type { Read } from './plan.js';

/**
 * Below this many calls of the tenant in the range a read goes raw. Capacity never does: its
 * tenant rollup holds at most one row per call and minute, and the raw read groups the calls per
 * minute itself (slower for every tenant measured, t250's 2.8k calls included).
 */
export const RAW_TENANT_CALLS: Readonly<Record<SubjectName, number>> = rawTenantThresholds(150_000);

/** The thresholds of `storage.planner.raw_tenant_calls`: one count for every subject but capacity. */
export function rawTenantThresholds(rawTenantCalls: number): Record<SubjectName, number> {
  return { calls: rawTenantCalls, perf: rawTenantCalls, cache: rawTenantCalls, capacity: 0 };
}

// Per store, not per process: tests and the benchmark open several stores with other settings.
const CONFIGURED = new WeakMap<QueryRunner, Readonly<Record<SubjectName, number>>>();

/** The store's planner settings from config (runtime.ts); a store never configured uses the default. */
export function configurePlanner(runner: QueryRunner, opts: { rawTenantCalls: number }): void {
  CONFIGURED.set(runner, rawTenantThresholds(opts.rawTenantCalls));
}

/** The thresholds reads on this store are weighed with. */
export function tenantThresholds(runner: QueryRunner): Readonly<Record<SubjectName, number>> {
  return CONFIGURED.get(runner) ?? RAW_TENANT_CALLS;
}

const DAY_S = 86_400;

/**
 * A shorter read is not weighed: its rollup plan has no whole days, only hours and minutes, about
 * as cheap as the estimate itself (2M bench, CPU ms: cache regressions over 1 h / 24 h for t0,
 * 13.6 from the rollups, 14.0 raw, 22.6 with the estimate first).
 */
export const MIN_WEIGHED_DAYS = 2;

/** The tenant of a read scoped to exactly one tenant, when its size could change the plan. */
function weighable(
  read: Read,
  thresholds: Readonly<Record<SubjectName, number>>,
): string | undefined {
  const tenant = read.filters?.tenant;
  if (typeof tenant !== 'string' || (read.source ?? 'auto') !== 'auto') return undefined;
  if (thresholds[read.subject] <= 0) return undefined;
  if (read.to.getTime() - read.from.getTime() < MIN_WEIGHED_DAYS * DAY_S * 1000) return undefined;
  return tenant;
}

/** The daily table of the narrowest calls family keyed by tenant that counts calls. */
export function tenantCallsTable(catalog: Catalog = CATALOG): RollupTable | undefined {
  const families = catalog.families
    .filter(
      (f) =>
        f.subject.name === 'calls' &&
        familyDims(f).includes('tenant') &&
        familyMeasures(f).some(([m]) => m === 'calls') &&
        f.tables.some((t) => t.grain === 'day'),
    )
    .sort((a, b) => familyDims(a).length - familyDims(b).length);
  return families[0]?.tables.find((t) => t.grain === 'day');
}

/**
 * One query estimating each weighable read's tenant calls: column `r<i>` for read i, the calls of
 * every day overlapping [from, to) times the share of that day inside it.
 */
export function tenantSizeSql(
  reads: readonly Read[],
  table: RollupTable,
  thresholds: Readonly<Record<SubjectName, number>> = RAW_TENANT_CALLS,
): { sql: string; params: QueryParams; indexes: number[] } | undefined {
  const params: QueryParams = {};
  const cols: string[] = [];
  const indexes: number[] = [];
  const day = 'toFloat64(toUnixTimestamp(day))';
  reads.forEach((read, i) => {
    const tenant = weighable(read, thresholds);
    if (tenant === undefined) return;
    const from = read.from.getTime() / 1000;
    const to = read.to.getTime() / 1000;
    params[`t${i}`] = tenant;
    const overlap = `greatest(0, least(${day} + ${DAY_S}, ${to}) - greatest(${day}, ${from})) / ${DAY_S}`;
    cols.push(`sumIf(toFloat64(calls) * ${overlap}, tenant = {t${i}:String}) AS r${i}`);
    indexes.push(i);
  });
  if (indexes.length === 0) return undefined;
  const from = Math.min(...indexes.map((i) => reads[i]!.from.getTime() / 1000));
  const to = Math.max(...indexes.map((i) => reads[i]!.to.getTime() / 1000));
  const lo = Math.floor(from / DAY_S) * DAY_S;
  params.tenants = [...new Set(indexes.map((i) => params[`t${i}`] as string))];
  return {
    sql: `SELECT ${cols.join(', ')} FROM ${table.name}
      WHERE day >= toDateTime(${lo}, 'UTC') AND day < toDateTime(${to}, 'UTC') AND tenant IN {tenants:Array(String)}`,
    params,
    indexes,
  };
}

/**
 * How long an estimate is reused. It only chooses between two plans with the same answer, and a
 * tenant's size moves little in a minute, but the query is one more SELECT (~4-5 ms CPU at 10M
 * calls: 10-20 % of a large tenant's 30-day question from the rollups, t0 latency 57 vs 47 ms forced).
 */
export const SIZE_ESTIMATE_TTL_MS = 60_000;
const SIZE_CACHE_MAX = 1_000;
const HOUR_MS = 3_600_000;

interface SizeEntry {
  calls: number;
  at: number;
}
const SIZES = new WeakMap<QueryRunner, Map<string, SizeEntry>>();

/** One tenant over the same hours at both ends: an API call's `now` moves, the estimate need not. */
const sizeKey = (read: Read, tenant: string): string =>
  JSON.stringify([
    tenant,
    Math.floor(read.from.getTime() / HOUR_MS),
    Math.ceil(read.to.getTime() / HOUR_MS),
  ]);

/**
 * Each read's estimated tenant calls in its range, or undefined for a read not weighed (not scoped
 * to one tenant, source given, a subject never weighed). On a store whose schema lacks the table
 * it is undefined too: the read is planned from the rollups as before. An estimate of the same
 * tenant and hours made on this store within SIZE_ESTIMATE_TTL_MS is reused without a query.
 */
export async function estimateTenantCalls(
  runner: QueryRunner,
  reads: readonly Read[],
  thresholds: Readonly<Record<SubjectName, number>> = tenantThresholds(runner),
  catalog: Catalog = CATALOG,
): Promise<(number | undefined)[]> {
  const table = tenantCallsTable(catalog);
  const weighed = reads.map((read) => weighable(read, thresholds));
  if (table === undefined || weighed.every((t) => t === undefined))
    return reads.map(() => undefined);
  const cache = SIZES.get(runner) ?? new Map<string, SizeEntry>();
  SIZES.set(runner, cache);
  const now = Date.now();
  const keys = reads.map((read, i) => (weighed[i] !== undefined ? sizeKey(read, weighed[i]) : ''));
  const cached = (i: number): number | undefined => {
    const e = weighed[i] !== undefined ? cache.get(keys[i]!) : undefined;
    return e !== undefined && now - e.at < SIZE_ESTIMATE_TTL_MS ? e.calls : undefined;
  };
  const out = reads.map((_, i) => cached(i));
  // Only the reads not cached are asked (the others as not weighable: no column for them).
  const ask = reads.map((read, i) =>
    out[i] === undefined ? read : { ...read, source: 'raw' as const },
  );
  const q = tenantSizeSql(ask, table, thresholds);
  if (q === undefined) return out;
  let row: Record<string, unknown> | undefined;
  try {
    [row] = await runner.query(q.sql, q.params);
  } catch (err) {
    // Only a store without the table (a schema before it); any other error is a bug to see.
    if (err instanceof StoreQueryError && err.type === 'UNKNOWN_TABLE')
      return reads.map(() => undefined);
    throw err;
  }
  if (cache.size + q.indexes.length > SIZE_CACHE_MAX) cache.clear();
  for (const i of q.indexes) {
    out[i] = Number(row?.[`r${i}`] ?? 0);
    cache.set(keys[i]!, { calls: out[i], at: now });
  }
  return out;
}

/** The reads with `source: 'raw'` where the tenant has fewer calls than its subject's threshold. */
export async function weighTenants(
  runner: QueryRunner,
  reads: readonly Read[],
  thresholds: Readonly<Record<SubjectName, number>> = tenantThresholds(runner),
  catalog: Catalog = CATALOG,
): Promise<Read[]> {
  const calls = await estimateTenantCalls(runner, reads, thresholds, catalog);
  return reads.map((read, i) => {
    const n = calls[i];
    return n !== undefined && n < thresholds[read.subject] ? { ...read, source: 'raw' } : read;
  });
}
