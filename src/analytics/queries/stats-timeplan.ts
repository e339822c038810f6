// Which table answers which part of [from, to): whole UTC days from a daily rollup (where one
// exists), whole hours from an hourly rollup, whole minutes from a minute rollup, the partial
// minutes at either edge from llm_calls, so answers are exact for any timestamps and a 30-day
// question merges days, not hours or minutes. A tenant-scoped question reads whole days from the
// family's tenant-keyed daily rollup when it has one (0027) and everything else from llm_calls,
// whose sort key starts with the tenant, so those reads touch one tenant's granules.

export type Grain = 'raw' | '1m' | '1h' | '1d' | 'tenant1d';

export interface Segment {
  grain: Grain;
  fromMs: number;
  toMs: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface PlanOptions {
  /** An hourly rollup exists for this question. */
  hourly: boolean;
  /** A daily rollup exists too (only used together with the hourly one). */
  daily?: boolean;
  /** Read llm_calls only (tenant scope without a tenant rollup, or the raw comparison of the benchmark). */
  rawOnly: boolean;
  /** Tenant scope with a tenant-keyed daily rollup: whole days from it, the rest from llm_calls. */
  tenantDaily?: boolean;
  /**
   * false: no minute table; the partial hours at either edge come from llm_calls. For a family
   * whose minute table is keyed tenant first (llm_calls_1m) that is cheaper: llm_calls' key
   * (tenant, hour, ...) selects the same granules for a partial hour as for its last seconds.
   */
  minutes?: boolean;
}

export function planSegments(fromMs: number, toMs: number, options: PlanOptions): Segment[] {
  if (!(fromMs < toMs)) return [];
  if (options.rawOnly) return [{ grain: 'raw', fromMs, toMs }];
  const hours = (h0: number, h1: number): Segment[] => hourSegments(h0, h1, options.daily === true);
  // Tenant scope: whole days from the tenant daily rollup, the partial days from llm_calls.
  if (options.tenantDaily === true)
    return around(fromMs, toMs, DAY, 'raw', (d0, d1) => [
      { grain: 'tenant1d', fromMs: d0, toMs: d1 },
    ]);
  // No minute table: whole hours (and days) from the rollups, the partial hours from llm_calls.
  if (options.minutes === false)
    return options.hourly
      ? around(fromMs, toMs, HOUR, 'raw', hours)
      : [{ grain: 'raw', fromMs, toMs }];
  if (!options.hourly)
    return around(fromMs, toMs, MINUTE, 'raw', (m0, m1) => [{ grain: '1m', fromMs: m0, toMs: m1 }]);
  return around(fromMs, toMs, MINUTE, 'raw', (m0, m1) => around(m0, m1, HOUR, '1m', hours));
}

/**
 * [fromMs, toMs) cut at whole `unit`s: `inner` answers the aligned middle [a, b), `edge` the parts
 * before a and after b; all of it is `edge` when no whole unit fits.
 */
function around(
  fromMs: number,
  toMs: number,
  unit: number,
  edge: Grain,
  inner: (a: number, b: number) => Segment[],
): Segment[] {
  const a = Math.ceil(fromMs / unit) * unit;
  const b = Math.floor(toMs / unit) * unit;
  if (a >= b) return [{ grain: edge, fromMs, toMs }];
  const out: Segment[] = [];
  if (fromMs < a) out.push({ grain: edge, fromMs, toMs: a });
  out.push(...inner(a, b));
  if (b < toMs) out.push({ grain: edge, fromMs: b, toMs });
  return out;
}

/** Whole hours [h0, h1): whole days from the daily table when asked, the hours around them. */
function hourSegments(h0: number, h1: number, daily: boolean): Segment[] {
  if (!daily) return [{ grain: '1h', fromMs: h0, toMs: h1 }];
  return around(h0, h1, DAY, '1h', (d0, d1) => [{ grain: '1d', fromMs: d0, toMs: d1 }]);
}

/** A rollup family: the raw table with its row filter, and the minute / hour tables. */
export interface RollupFamily {
  /** Row filter the materialized views apply to llm_calls (so the raw path reads the same rows). */
  rawWhere: string;
  minuteTable: string;
  hourTable?: string;
  /** Keyed by `day` (UTC start of day); needs hourTable. */
  dayTable?: string;
  /** Keyed by tenant, then `day`: answers whole days of tenant-scoped questions. */
  tenantDayTable?: string;
}

/** How one measure is computed from llm_calls, read from a rollup, and merged across segments. */
export interface Measure {
  raw: string;
  rollup: string;
  merge: string;
}

export interface UnionQuery {
  family: RollupFamily;
  segments: Segment[];
  dims: readonly string[];
  measures: Record<string, Measure>;
  /** Extra filter on dimension columns present in every table (e.g. route IN ...). */
  where?: string;
  tenant?: string | undefined;
}

function timeRange(column: string, seg: Segment): string {
  if (seg.grain === 'raw') {
    return `${column} >= fromUnixTimestamp64Milli(toInt64(${seg.fromMs}), 'UTC') AND ${column} < fromUnixTimestamp64Milli(toInt64(${seg.toMs}), 'UTC')`;
  }
  return `${column} >= toDateTime(${seg.fromMs / 1000}, 'UTC') AND ${column} < toDateTime(${seg.toMs / 1000}, 'UTC')`;
}

/** The table and time column a rollup grain reads. */
const ROLLUP_OF: Record<
  Exclude<Grain, 'raw'>,
  (f: RollupFamily) => [string | undefined, string]
> = {
  '1m': (f) => [f.minuteTable, 'minute'],
  '1h': (f) => [f.hourTable, 'hour'],
  '1d': (f) => [f.dayTable, 'day'],
  tenant1d: (f) => [f.tenantDayTable, 'day'],
};

function segmentSql(q: UnionQuery, seg: Segment): string {
  const keys = q.dims.length > 0 ? `${q.dims.join(', ')}, ` : '';
  const groupBy = q.dims.length > 0 ? ` GROUP BY ${q.dims.join(', ')}` : '';
  const extra = q.where !== undefined ? ` AND (${q.where})` : '';
  const names = Object.keys(q.measures);
  if (seg.grain === 'raw') {
    const tenant = q.tenant !== undefined ? ' AND tenant = {tenant:String}' : '';
    const cols = names.map((n) => `${q.measures[n]?.raw} AS ${n}`).join(', ');
    return `SELECT ${keys}${cols} FROM llm_calls WHERE ${timeRange('start_time', seg)} AND ${q.family.rawWhere}${tenant}${extra}${groupBy}`;
  }
  const [table, column] = ROLLUP_OF[seg.grain](q.family);
  if (table === undefined) throw new Error(`no ${seg.grain} table for this rollup family`);
  const cols = names.map((n) => `${q.measures[n]?.rollup} AS ${n}`).join(', ');
  const tenant = seg.grain === 'tenant1d' ? ' AND tenant = {tenant:String}' : '';
  return `SELECT ${keys}${cols} FROM ${table} WHERE ${timeRange(column, seg)}${tenant}${extra}${groupBy}`;
}

/** One SELECT over every segment: dims plus merged measures; null when there is no segment. */
export function unionSql(q: UnionQuery): string | null {
  if (q.segments.length === 0) return null;
  const keys = q.dims.length > 0 ? `${q.dims.join(', ')}, ` : '';
  const groupBy = q.dims.length > 0 ? ` GROUP BY ${q.dims.join(', ')}` : '';
  const cols = Object.entries(q.measures)
    .map(([n, m]) => `${m.merge} AS ${n}`)
    .join(', ');
  const parts = q.segments.map((seg) => segmentSql(q, seg)).join('\nUNION ALL\n');
  return `SELECT ${keys}${cols} FROM (${parts})${groupBy}`;
}
