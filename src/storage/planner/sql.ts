// The SQL of a planned read: one SELECT per table of its segments (a rollup's stored values merged,
// or the raw aggregate over llm_calls with the subject's row filter), their UNION ALL merged again
// per group.
// Filter values travel as query parameters; only catalog names and computed instants are inlined.
import { CATALOG, TIME_COLUMN } from '../catalog/catalog.js';
import { SUBJECTS } from '../catalog/measures.js';
import { LLM_CALLS } from '../catalog/tables.js';
import type { Catalog, Measure } from '../catalog/types.js';
import type { QueryParams } from '../runner.js';
import { planRead, type Plan, type Read, type Segment } from './plan.js';
import { bucketSql, joinRanges, timeRange, windowIndexSql, type Tagged } from './ranges.js';
import {
  ROWS_COLUMN,
  SIGN_COLUMN,
  canSubtract,
  rowsMeasure,
  signedMerge,
  signedRowsSql,
} from './signed.js';

export interface ReadSql {
  sql: string;
  params: QueryParams;
  plan: Plan;
}

const COLUMNS = new Set(LLM_CALLS.columns.map((c) => c.name));

function column(name: string): string {
  if (!COLUMNS.has(name)) throw new Error(`${name} is not a dimension of llm_calls`);
  return name;
}

function filterSql(read: Read, params: QueryParams, prefix: string): string[] {
  const out: string[] = [];
  for (const [dim, value] of Object.entries(read.filters ?? {})) {
    if (value === undefined) continue;
    const name = `${prefix}f_${column(dim)}`;
    params[name] = value;
    out.push(
      typeof value === 'string' ? `${dim} = {${name}:String}` : `${dim} IN {${name}:Array(String)}`,
    );
  }
  return out;
}

interface Parts {
  parts: string[];
  keys: string[];
  groupBy: string;
  measures: [string, Measure][];
  params: QueryParams;
  plan: Plan;
  /** The plan subtracts (signed.ts): merge with signedMerge and drop groups of zero rows. */
  signed: boolean;
}

/**
 * How each SELECT of a plan returns a rollup's rows: `merged` per bucket and dimensions; `stored`
 * as they are (several per group: other dimensions, unmerged parts) for a caller that aggregates
 * them itself (only measures summed on merge); `flat` as stored when an outer GROUP BY merges the
 * SELECTs anyway, merged when one SELECT is the whole read. llm_calls' rows are always grouped
 * (its measures are aggregates of calls).
 */
export type PartRows = 'merged' | 'stored' | 'flat';

/** One SELECT per table of the read's plan, its rows as `rows` says. */
function planParts(
  read: Read,
  prefix: string,
  catalog: Catalog,
  rows: PartRows,
  windows?: readonly Tagged[],
  subtract = false,
): Parts {
  const subject =
    catalog.families.find((f) => f.subject.name === read.subject)?.subject ??
    SUBJECTS[read.subject];
  const measures: [string, Measure][] = read.measures.map((m) => {
    const measure = subject.measures[m];
    if (measure === undefined) throw new Error(`${read.subject} has no measure ${m}`);
    if (rows === 'stored' && measure.merge(m) !== `sum(${m})`)
      throw new Error(`${read.subject}.${m} is not summed on merge: its rows must be merged`);
    return [m, measure];
  });
  const dims = read.dims.map(column);
  const params: QueryParams = {};
  const filters = filterSql(read, params, prefix);
  const keys = [
    ...(windows !== undefined ? ['read_index'] : []),
    ...(read.bucket !== undefined ? ['bucket'] : []),
    ...dims,
  ];
  const groupBy = keys.length > 0 ? ` GROUP BY ${keys.join(', ')}` : '';
  // Partial days as whole days minus the rest (plan.ts cutRange) only where the outer GROUP BY
  // merges every part: not for several windows (their rows are told apart by time), nor for rows
  // returned unmerged (capacity sums them itself).
  const complement =
    subtract && windows === undefined && rows !== 'stored' && canSubtract(read, measures);
  const plan = planRead(read, catalog, { complement });
  const counted = plan.family !== undefined ? rowsMeasure(subject, plan.family) : undefined;
  const signed = plan.segments.some((s) => s.sign === -1) && counted !== undefined;
  if (plan.segments.some((s) => s.sign === -1) && counted === undefined)
    return planParts(read, prefix, catalog, rows, windows, false);
  const byTenant = read.filters?.tenant !== undefined;
  // One SELECT per table: the two edges of a range (the partial minutes read raw, the partial
  // hours from the minute table, ...) share one, its time ranges ORed. Each SELECT costs the
  // engine ~5-10 ms of planning however few rows it reads, which at 7 segments was most of a
  // 30-day question's time.
  const byTable = new Map<string, Tagged[]>();
  // Signed, a table's added and subtracted segments share its SELECT too: each row's sign is found
  // by the segment it falls in (as a window's index), llm_calls' groups split by it.
  const tag = (g: Segment): Tagged => ({ ...g, index: g.sign === -1 ? 1 : 0 });
  for (const segment of windows ?? plan.segments.map(tag)) {
    const key = segment.table?.name ?? '';
    byTable.set(key, [...(byTable.get(key) ?? []), segment]);
  }
  // Signed, the outer GROUP BY merges every part anyway: rollups return their stored rows.
  const merged = !signed && (rows === 'merged' || (rows === 'flat' && byTable.size <= 1));
  const part = (segments: readonly Tagged[]): string => {
    const table = segments[0]?.table;
    const raw = table === undefined;
    const time = table === undefined ? 'start_time' : TIME_COLUMN[table.grain];
    const value = ([n, m]: [string, Measure]): string => (raw ? m.raw : merged ? m.merge(n) : n);
    const index = windowIndexSql(segments);
    const signSql = index === '0' ? '1' : index === '1' ? '-1' : `1 - 2 * ${index}`;
    const cols = [
      // Several windows in one SELECT: each row's window named by the segment it falls in.
      ...(windows !== undefined ? [`toUInt8(${windowIndexSql(segments)}) AS read_index`] : []),
      ...(read.bucket !== undefined ? [`${bucketSql(read.bucket, time)} AS bucket`] : []),
      ...dims,
      ...measures.map((m) => `${value(m)} AS ${m[0]}`),
      ...(signed && counted !== undefined
        ? [`${value(counted)} AS ${ROWS_COLUMN}`, `toInt8(${signSql}) AS ${SIGN_COLUMN}`]
        : []),
    ];
    const ranges = joinRanges(segments).map((segment) => timeRange(segment, byTenant));
    const where = [
      ranges.length === 0
        ? '0'
        : ranges.length === 1
          ? ranges[0]!
          : `(${ranges.map((r) => `(${r})`).join(' OR ')})`,
      ...(raw && subject.where !== undefined ? [subject.where] : []),
      ...filters,
    ];
    // llm_calls' groups split by sign only when its segments have both (else it is a constant).
    const bySign = signed && raw && !/^-?1$/.test(signSql);
    const grouped = raw || merged ? (bySign ? `${groupBy}, ${SIGN_COLUMN}` : groupBy) : '';
    return `SELECT ${cols.join(', ')} FROM ${table === undefined ? 'llm_calls' : table.name} WHERE ${where.join(' AND ')}${grouped}`;
  };
  const parts = byTable.size > 0 ? [...byTable.values()].map(part) : [part([])];
  return { parts, keys, groupBy, measures, params, plan, signed };
}

/** The outer merge of a plan's parts (signed: zero buckets and groups of zero rows dropped). */
function outerSql(p: Parts): string {
  const merged = p.measures.map(([n, m]) => `${p.signed ? signedMerge(m, n) : m.merge(n)} AS ${n}`);
  const having = p.signed ? ` HAVING ${signedRowsSql()} != 0` : '';
  return `SELECT ${[...p.keys, ...merged].join(', ')} FROM (${p.parts.join('\nUNION ALL\n')})${p.groupBy}${having}`;
}

/**
 * `SELECT [bucket,] dims..., measures... FROM (segments UNION ALL) GROUP BY [bucket,] dims`.
 * An empty range still answers: zero rows, or one row of zeros when nothing is grouped.
 * `prefix` keeps parameter names apart when several reads share one query. `merge: false` leaves
 * out the outer GROUP BY: each table's rows come merged per group, but a group that two tables
 * answer comes twice (for a caller that groups the union itself or knows it cannot happen).
 * `flat: true` (with the outer GROUP BY) has the rollups' SELECTs return their stored rows and
 * merges everything once, outside (what the analytics questions' reads do, read.ts).
 */
export function readSql(
  read: Read,
  prefix = '',
  catalog: Catalog = CATALOG,
  opts: { merge?: boolean; flat?: boolean } = {},
): ReadSql {
  const rows = opts.flat === true && opts.merge !== false ? 'flat' : 'merged';
  // Without the outer GROUP BY nothing would net the subtracted parts out.
  const p = planParts(read, prefix, catalog, rows, undefined, opts.merge !== false);
  const { parts, params, plan } = p;
  // One segment is already merged per group (same columns, same types): grouping it again cost a
  // second hash table as large as the first (a 30-day capacity read groups ~100k minute rows).
  if (parts.length === 1) return { sql: parts[0]!, params, plan };
  if (opts.merge === false) return { sql: parts.join('\nUNION ALL\n'), params, plan };
  return { sql: outerSql(p), params, plan };
}

/**
 * The rows of a read NOT merged per group: a rollup's stored rows (several per bucket and
 * dimensions: other dimensions, unmerged parts) and llm_calls' groups, for a caller that sums
 * them itself in one aggregation (capacity sums minutes straight into per-minute arrays, where a
 * GROUP BY minute first cost a hash table of every minute). Only for measures summed on merge;
 * an empty range has no rows.
 */
export function unmergedSql(read: Read, prefix = '', catalog: Catalog = CATALOG): ReadSql {
  const { parts, params, plan } = planParts(read, prefix, catalog, 'stored');
  return { sql: parts.join('\nUNION ALL\n'), params, plan };
}

/** Windows are read together when only their time ranges differ and no two overlap. */
function sameShape(a: Read, b: Read): boolean {
  const shape = ({ from: _f, to: _t, ...rest }: Read) => JSON.stringify(rest);
  return shape(a) === shape(b);
}

/**
 * Several windows of one question (a current and a baseline) in ONE SELECT per table, each row
 * tagged with its window's index (`read_index`), instead of a query part per window and table:
 * each SELECT costs the engine a few ms of planning however few rows it reads, and a drift check
 * with ragged edges read five (current: raw edges and minutes; baseline: raw, minutes and hours)
 * where three do. The rollups' SELECTs return their stored rows, merged once by the outer GROUP
 * BY: merging each table's rows first and the union again was two aggregations where one does
 * (~1 ms of a 10 ms drift check at 100M calls). Undefined when the reads differ in more than their ranges, overlap, or group
 * nothing (then each read answers one row even when empty), or have no segments at all; the
 * caller reads them one by one.
 */
export function windowsSql(
  reads: readonly Read[],
  catalog: Catalog = CATALOG,
): ReadSql | undefined {
  const [first] = reads;
  if (first === undefined || reads.length > 255 || !reads.every((r) => sameShape(first, r)))
    return undefined;
  if (first.dims.length === 0 && first.bucket === undefined) return undefined;
  const sorted = [...reads].sort((a, b) => a.from.getTime() - b.from.getTime());
  if (sorted.some((r, i) => i > 0 && r.from.getTime() < sorted[i - 1]!.to.getTime()))
    return undefined;
  const windows = reads.flatMap((r, index) =>
    planRead(r, catalog).segments.map((g) => ({ ...g, index })),
  );
  if (windows.length === 0) return undefined;
  const p = planParts(first, '', catalog, 'flat', windows);
  if (p.parts.length === 1) return { sql: p.parts[0]!, params: p.params, plan: p.plan };
  return { sql: outerSql(p), params: p.params, plan: p.plan };
}
