// The reservation split of cost-model-hours.ts (splitHourUnits) done inside ClickHouse for every
// reservation of a question at once, in ONE query that also sums the covered calls' measures (the
// usage that moves from on-demand to covered lines; a second read in the same query, at the
// question's bucket): a month by tenant never leaves the engine as group-hours, and no read is
// repeated per reservation. This file holds its inputs, reads and rows; the split itself (the
// arithmetic, and why it matches the JS split digit for digit) is cost-model-sql-split.ts.
import type { ReservationConfig } from '../../shared/config-finops.js';
import { decimalUnits } from '../../shared/money.js';
import { BILLABLE_KINDS } from '../../storage/catalog/measures.js';
import type { FilterValue } from '../../storage/planner/plan.js';
import { readSql } from '../../storage/planner/sql.js';
import type { QueryParams, QueryRunner } from '../../storage/runner.js';
import { COVERED_TIERS, TOKEN_MEASURES, type GroupRead } from './cost-model-read.js';
import { groupHoursSql, splitSql, type Placement } from './cost-model-sql-split.js';
import { COST_DIMENSIONS, type Bucket } from './costs.js';

/** One reservation of the batch: its hours as arrays indexed by hour offset from `h0`. */
export interface SqlReservation {
  r: ReservationConfig;
  /** Each hour's charge in 10^-18 dollars ('0' for hours split in JS). */
  units: readonly string[];
  /** Each hour's capacity in converted tokens, whole ('0' for hours split in JS). */
  capacity: readonly string[];
  /** Converted tokens of every covered call each hour (used when the question is filtered). */
  reported: readonly string[];
  /** 1: the hour is split here; 0: its group-hours come back (fractional capacity). */
  engine: readonly number[];
}

export interface SqlBatchInput {
  /** Reservations on distinct deployments, all over the same range (read.from .. read.to). */
  reservations: readonly SqlReservation[];
  /** The question's range, group-by and scope (the coverage filters are added here). */
  read: Pick<GroupRead, 'from' | 'to' | 'dims' | 'filters'>;
  /** Measures moved from on-demand to covered lines (output name -> raw measure). */
  measures: Readonly<Record<string, string>>;
  /** The question's output bucket (the moved measures are read at it). */
  bucket: Bucket | undefined;
  /** First hour (ms) of the arrays; `out` holds each hour's output bucket start (s, 0: none). */
  h0: number;
  out: readonly number[];
  /**
   * The hours (ms) the arrays hold when not every hour from h0 (a cached question: only the hours
   * it splits; 720-element arrays in every reference cost the query ~80 ms however few it split).
   */
  hours?: readonly number[] | undefined;
  /**
   * The ranges (ms) whose hours the query splits (default: the whole range); hours outside them
   * come from the closed-day cache (cost-model-cache.ts). The moved measures cover the whole range.
   */
  split?: readonly (readonly [number, number])[] | undefined;
  /** Every group key of the question, sorted by groupId (the tie order); a superset will do. */
  order: readonly Record<string, string>[];
  /** Shares depend on calls outside the question: take `reported` as the hour's usage. */
  filtered: boolean;
  spread: boolean;
}

/**
 * One result row: a group's split (e 1) or its group-hour for the JS split (e 0) or its moved
 * measures (e 2) in an output bucket, or an hour's own row (rank IDLE_RANK).
 */
export interface SqlBatchRow {
  /** 1-based index into `reservations`. */
  j: number;
  /** The group's 1-based rank in `order`, 0 for a group missing from it, or IDLE_RANK. */
  rank: number;
  /** Output bucket start (ms; 0 without buckets), or the hour for JS-split hours and IDLE rows. */
  ts: number;
  /** 1: split here; 0: a group-hour left to the JS split; 2: the moved measures. */
  e: 0 | 1 | 2;
  /** Allocated units (a group) or the unused part (IDLE_RANK) of engine hours. */
  units: bigint;
  converted: bigint;
  /** IDLE_RANK rows of JS-split hours: converted tokens of the hour's token sums. */
  used: bigint;
  /** The moved measures in 10^-18 units, in the order of the batch's `measures` keys. */
  mu: bigint[];
  /** e 1: the calls and token sums the split read in the row's output bucket (`calls:in:read:write:out`). */
  stamp: string;
}

export { IDLE_RANK } from './cost-model-sql-split.js';

const HOUR_MS = 3_600_000;

function batchParams(input: SqlBatchInput, dims: readonly string[]): QueryParams {
  const rs = input.reservations;
  const w = (f: (r: ReservationConfig) => number): number[] => rs.map((x) => f(x.r));
  return {
    cm_h0: input.h0 / 1000,
    cm_deps: rs.map((x) => x.r.deployment),
    cm_js: rs.map((_x, i) => i + 1),
    cm_hp: rs.map((x) => (x.r.provider !== undefined ? 1 : 0)),
    cm_pv: rs.map((x) => x.r.provider ?? ''),
    cm_hm: rs.map((x) => (x.r.model !== undefined ? 1 : 0)),
    cm_md: rs.map((x) => x.r.model ?? ''),
    cm_wi: w((r) => r.weights.input),
    cm_wr: w((r) => r.weights.cached_input),
    cm_ww: w((r) => r.weights.cache_write),
    cm_wo: w((r) => r.weights.output),
    cm_ts: rs.map((x) => x.units),
    cm_caps: rs.map((x) => x.capacity),
    cm_reps: rs.map((x) => x.reported),
    cm_eng: rs.map((x) => x.engine),
    cm_outs: input.out,
    ...(input.hours !== undefined ? { cm_hs: input.hours.map((h) => h / 1000) } : {}),
    cm_filtered: input.filtered ? 1 : 0,
    cm_keys: input.order.map((key) => dims.map((d) => key[d] ?? '').join('\u0000')),
    cm_ranks: input.order.map((_k, i) => i + 1),
  };
}

/**
 * A read of the batch: the question's scope (as costReadSql applies it) and the coverage, grouped
 * by `bucket`, the question's dimensions and the columns the coverage needs. The planner's own
 * read (two aggregations), not groupReadSql's third over it.
 */
function coverageRead(
  input: SqlBatchInput,
  bucket: Bucket | undefined,
  measures: readonly string[],
  prefix: string,
  merge = true,
  range: readonly [number, number] = [input.read.from.getTime(), input.read.to.getTime()],
): ReturnType<typeof readSql> {
  const filters: Record<string, FilterValue> = { kind: BILLABLE_KINDS };
  for (const d of COST_DIMENSIONS) {
    const value = input.read.filters[d];
    if (value !== undefined) filters[d] = value;
  }
  // The batch's deployments all meet the scope (costLines drops the others); a tier filter keeps
  // only the covered tiers it names (none: no reservation of the question, scopedCoverage).
  filters.deployment = input.reservations.map((x) => x.r.deployment);
  const tier = input.read.filters.capacity_tier;
  const tiers: readonly string[] = COVERED_TIERS;
  filters.capacity_tier =
    tier === undefined
      ? tiers
      : (typeof tier === 'string' ? [tier] : tier).filter((t) => tiers.includes(t));
  const [from, to] = [new Date(range[0]), new Date(range[1])];
  const read = { subject: 'calls', from, to, bucket, filters };
  const dims = [...new Set([...input.read.dims, ...coverageDims(input)])];
  const r = { ...read, subject: 'calls' as const, dims, measures: [...new Set(measures)] };
  return readSql(r, prefix, undefined, { merge });
}

function coverageDims(input: SqlBatchInput): string[] {
  const extra = ['deployment'];
  if (input.reservations.some((x) => x.r.provider !== undefined)) extra.push('provider');
  if (input.reservations.some((x) => x.r.model !== undefined)) extra.push('model');
  return extra;
}

/** `j` (the row's reservation), `rank` and the coverage condition over a read's rows. */
export function placeSql(input: Pick<SqlBatchInput, 'reservations' | 'read'>): Placement {
  const { dims } = input.read;
  // One dimension: its value is the key (a concat of one string cost ~10 % of the split).
  const key =
    dims.length === 1
      ? `toString(${dims[0]})`
      : `concat(${dims.map((d) => `toString(${d})`).join(", '\\0', ")})`;
  const rank =
    dims.length > 0
      ? `transform(${key}, {cm_keys:Array(String)}, {cm_ranks:Array(UInt32)}, toUInt32(0))`
      : 'toUInt32(1)';
  // Only the columns some reservation names are read (coverageDims), so only those are tested.
  const named = (f: (r: ReservationConfig) => string | undefined): boolean =>
    input.reservations.some((x) => f(x.r) !== undefined);
  let where = 'j > 0';
  if (named((r) => r.provider))
    where += ` AND ({cm_hp:Array(UInt8)}[j] = 0 OR provider = {cm_pv:Array(String)}[j])`;
  if (named((r) => r.model))
    where += ` AND ({cm_hm:Array(UInt8)}[j] = 0 OR model = {cm_md:Array(String)}[j])`;
  const j = `transform(deployment, {cm_deps:Array(String)}, {cm_js:Array(UInt16)}, toUInt16(0))`;
  return { j, rank, where };
}

/** The moved measures per (reservation, output bucket, rank), as rows with e = 2. */
function measuresSql(input: SqlBatchInput, read: string, names: readonly string[]): string {
  const place = placeSql(input);
  const sums = names.map((n) => `, toString(sum(${input.measures[n] ?? n})) AS \`m_${n}\``);
  return (
    `SELECT ${place.j} AS j, ${place.rank} AS rk, ` +
    `${input.bucket !== undefined ? 'toUnixTimestamp(bucket)' : 'toUInt32(0)'} AS ts, toUInt8(2) AS e, ` +
    `toUInt8(0) AS too_big, '0' AS units, '0' AS converted, '0' AS used, '' AS st${sums.join('')} ` +
    `FROM (${read}) WHERE ${place.where} GROUP BY j, rk, ts HAVING sum(calls) > 0`
  );
}

/**
 * The whole batch as one query of two reads: the reserved deployments' group-hours, split, and
 * their measures at the question's bucket (carrying ten measures through the hourly split cost
 * more than reading them again from the daily rollup: 1.2 against 0.6 s of CPU at 2M calls).
 */
export function batchSql(input: SqlBatchInput): { sql: string; params: QueryParams } {
  const names = Object.keys(input.measures);
  // The hourly read without the planner's outer GROUP BY (a second string-keyed aggregation of
  // every group-hour, ~100 ms of CPU at 2M calls): each table's SELECT merges its own groups, and
  // when the tables answer whole hours apart (segment bounds on the hour) and the read groups by
  // nothing the split does not, every (hour, reservation, rank) comes once; otherwise the split
  // sums them first (regroup).
  const ranges = input.split ?? [[input.read.from.getTime(), input.read.to.getTime()] as const];
  const tokens = Object.values(TOKEN_MEASURES);
  const hourly = ranges.map((range, i) =>
    coverageRead(input, 'hour', tokens, ranges.length > 1 ? `s${i}` : '', false, range),
  );
  const apart = hourly.every((read, i) => {
    const [fromMs, toMs] = ranges[i] ?? [0, 0];
    const onHours = (ms: number): boolean => ms === fromMs || ms === toMs || ms % HOUR_MS === 0;
    return read.plan.segments.every((x) => onHours(x.fromMs) && onHours(x.toMs));
  });
  const regroup = coverageDims(input).length > 1 || !apart;
  const moved = coverageRead(
    input,
    input.bucket,
    ['calls', ...Object.values(input.measures)],
    'm',
    false, // measuresSql sums its rows per (reservation, rank, bucket): no merge needed before
  );
  const params: QueryParams = {
    ...Object.assign({}, ...hourly.map((x) => x.params)),
    ...moved.params,
    ...batchParams(input, input.read.dims),
  };
  const measures = measuresSql(input, moved.sql, names);
  // Every hour from the cache: only the moved measures are read.
  if (hourly.length === 0) return { sql: measures, params };
  const read = hourly.map((x) => x.sql).join('\nUNION ALL\n');
  const place = placeSql(input);
  const noneHere = input.reservations.every((x) => x.engine.every((e) => e === 0));
  const hours = noneHere
    ? groupHoursSql(read, place, regroup)
    : splitSql(read, place, input.spread, regroup, input.hours !== undefined);
  const split =
    `SELECT j, rk, ts, e, too_big, units, converted, used, st${names.map((n) => `, '0' AS \`m_${n}\``).join('')} ` +
    `FROM (${hours})`;
  const sql = `${split}\nUNION ALL\n${measures}`;
  return { sql, params };
}

/**
 * ClickHouse's JIT (compile_expressions, after an expression has run 3 times) got this query's
 * Int128 arithmetic wrong on chDB: the 4th identical question gave an hour over capacity a
 * negative unused part (as if greatest(cap - used, 0) had returned cap - used). Interpreted, it
 * is exact; the query's time is in the read and the array functions, which are not compiled.
 */
const NO_JIT = { compile_expressions: 0, compile_aggregate_expressions: 0 } as const;

/** The measures of a row that carries none (e 0 and 1: split rows). */
const NO_MEASURES: bigint[] = [];

/** Runs the batch; undefined when an hour holds too many converted tokens for Int128. */
export async function splitBatch(
  storage: QueryRunner,
  input: SqlBatchInput,
): Promise<SqlBatchRow[] | undefined> {
  const { sql, params } = batchSql(input);
  const rows = await storage.query<Record<string, string | number>>(sql, params, {
    settings: NO_JIT,
  });
  const cols = Object.keys(input.measures).map((n) => `m_${n}`);
  const out: SqlBatchRow[] = [];
  for (const row of rows) {
    if (Number(row.too_big) === 1) return undefined;
    const e2 = Number(row.e) === 2;
    out.push({
      j: Number(row.j),
      rank: Number(row.rk),
      ts: Number(row.ts) * 1000,
      e: Number(row.e) === 2 ? 2 : Number(row.e) === 1 ? 1 : 0,
      units: BigInt(row.units ?? 0),
      converted: BigInt(row.converted ?? 0),
      used: BigInt(row.used ?? 0),
      mu: e2 ? cols.map((c) => decimalUnits(row[c] ?? 0)) : NO_MEASURES,
      stamp: String(row.st ?? ''),
    });
  }
  return out;
}
