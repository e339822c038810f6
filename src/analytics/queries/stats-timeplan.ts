// Which table answers which part of [from, to): whole hours from an hourly rollup, whole minutes
// from a minute rollup, the partial minutes at either edge from llm_calls, so answers are exact
// for any timestamps and a 30-day question merges hours, not minutes. A tenant-scoped question
// reads llm_calls only: the rollups have no tenant (see 0020) and llm_calls' sort key starts
// with the tenant, so that read touches one tenant's granules.

export type Grain = 'raw' | '1m' | '1h';

export interface Segment {
  grain: Grain;
  fromMs: number;
  toMs: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

export interface PlanOptions {
  /** An hourly rollup exists for this question. */
  hourly: boolean;
  /** Read llm_calls only (tenant scope, or the raw comparison of the benchmark). */
  rawOnly: boolean;
}

export function planSegments(fromMs: number, toMs: number, options: PlanOptions): Segment[] {
  if (!(fromMs < toMs)) return [];
  if (options.rawOnly) return [{ grain: 'raw', fromMs, toMs }];
  const m0 = Math.ceil(fromMs / MINUTE) * MINUTE;
  const m1 = Math.floor(toMs / MINUTE) * MINUTE;
  if (m0 >= m1) return [{ grain: 'raw', fromMs, toMs }];
  const out: Segment[] = [];
  if (fromMs < m0) out.push({ grain: 'raw', fromMs, toMs: m0 });
  const h0 = Math.ceil(m0 / HOUR) * HOUR;
  const h1 = Math.floor(m1 / HOUR) * HOUR;
  if (options.hourly && h0 < h1) {
    if (m0 < h0) out.push({ grain: '1m', fromMs: m0, toMs: h0 });
    out.push({ grain: '1h', fromMs: h0, toMs: h1 });
    if (h1 < m1) out.push({ grain: '1m', fromMs: h1, toMs: m1 });
  } else {
    out.push({ grain: '1m', fromMs: m0, toMs: m1 });
  }
  if (m1 < toMs) out.push({ grain: 'raw', fromMs: m1, toMs });
  return out;
}

/** A rollup family: the raw table with its row filter, and the minute / hour tables. */
export interface RollupFamily {
  /** Row filter the materialized views apply to llm_calls (so the raw path reads the same rows). */
  rawWhere: string;
  minuteTable: string;
  hourTable?: string;
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
  const table = seg.grain === '1h' ? q.family.hourTable : q.family.minuteTable;
  if (table === undefined) throw new Error('no hourly table for this rollup family');
  const cols = names.map((n) => `${q.measures[n]?.rollup} AS ${n}`).join(', ');
  return `SELECT ${keys}${cols} FROM ${table} WHERE ${timeRange(seg.grain === '1h' ? 'hour' : 'minute', seg)}${extra}${groupBy}`;
}

/** One SELECT over every segment: dims plus merged measures; null when there is no segment. */
export function unionSql(q: UnionQuery): string | null {
  if (q.segments.length === 0) return null;
  const keys = q.dims.length > 0 ? `${q.dims.join(', ')}, ` : '';
  const groupBy = q.dims.length > 0 ? ` GROUP BY ${q.dims.join(', ')}` : '';
  const cols = Object.entries(q.measures).map(([n, m]) => `${m.merge} AS ${n}`).join(', ');
  const parts = q.segments.map((seg) => segmentSql(q, seg)).join('\nUNION ALL\n');
  return `SELECT ${keys}${cols} FROM (${parts})${groupBy}`;
}
