// The read planner: which rollup family answers a question, and which table answers which part of
// [from, to). It picks the family of the question's subject with the fewest dimensions that still
// covers its group-by and filters (and stores its measures), then cuts the range into whole days,
// hours and minutes of that family's tables with the partial units at either edge read from
// llm_calls, so every answer is exact for any timestamps and a 30-day question merges days.
import { CATALOG, GRAIN_MS, familyDims, familyMeasures } from '../catalog/catalog.js';
import type { SubjectName } from '../catalog/measures.js';
import type { Catalog, Family, Grain, RollupTable } from '../catalog/types.js';

/** Time buckets of a read's rows: a grain, or an ISO week (from Monday) or a calendar month. */
export type Bucket = Grain | 'week' | 'month';

/** Equality (one value) or membership (several) on a dimension; bound as parameters. */
export type FilterValue = string | readonly string[];

export interface Read {
  subject: SubjectName;
  from: Date;
  to: Date;
  /** Group-by dimensions (llm_calls columns). */
  dims: readonly string[];
  /** Measure names of the subject. */
  measures: readonly string[];
  filters?: Readonly<Record<string, FilterValue | undefined>> | undefined;
  bucket?: Bucket | undefined;
  /**
   * `raw` reads llm_calls only (the comparison the tests and the benchmark make); `rollup` plans
   * from the rollups whatever the tenant's size; `auto` (default) weighs a tenant scope first
   * (tenant-size.ts) and reads a small tenant raw.
   */
  source?: 'auto' | 'raw' | 'rollup' | undefined;
}

export interface Segment {
  /** The rollup table answering [fromMs, toMs), or undefined for llm_calls. */
  table: RollupTable | undefined;
  fromMs: number;
  toMs: number;
  /**
   * -1: the rows of [fromMs, toMs) are subtracted (the complement of a partial unit read whole
   * from a coarser table, cutRange's `complement`). Absent: added.
   */
  sign?: -1 | undefined;
}

export interface Plan {
  family: Family | undefined;
  segments: Segment[];
}

const GRAIN_ORDER: readonly Grain[] = ['day', 'hour', 'minute'];

/** The grains a bucket can be cut into: a unit never straddles two buckets. */
function fitsBucket(grain: Grain, bucket: Bucket | undefined): boolean {
  if (bucket === undefined || bucket === 'week' || bucket === 'month') return true;
  return GRAIN_MS[grain] <= GRAIN_MS[bucket];
}

/** The dimensions a read needs from a family: its group-by and every filtered dimension. */
export function neededDims(read: Read): string[] {
  const filtered = Object.entries(read.filters ?? {})
    .filter(([, v]) => v !== undefined)
    .map(([d]) => d);
  return [...new Set([...read.dims, ...filtered])];
}

function usableTables(f: Family, read: Read): RollupTable[] {
  return f.tables
    .filter((t) => fitsBucket(t.grain, read.bucket))
    .sort((a, b) => GRAIN_ORDER.indexOf(a.grain) - GRAIN_ORDER.indexOf(b.grain));
}

/** How many of the read's filtered dimensions come before time in the family's sort key. */
function keyedFilters(f: Family, read: Read): number {
  const filtered = Object.entries(read.filters ?? {}).filter(([, v]) => v !== undefined);
  return filtered.filter(([d]) => (f.keyPrefix ?? []).includes(d)).length;
}

/**
 * The family with the fewest dimensions covering the read; among equals, the one whose coarsest
 * usable table is coarsest (fewer rows for the same range), then the one whose sort key narrows
 * more of the read's filters before time (a tenant's capacity on two deployments: their key ranges,
 * not every minute of the tenant). Undefined: only llm_calls can answer.
 */
export function chooseFamily(read: Read, catalog: Catalog = CATALOG): Family | undefined {
  if (read.source === 'raw') return undefined;
  const needed = neededDims(read);
  const candidates = catalog.families.filter((f) => {
    if (f.subject.name !== read.subject || usableTables(f, read).length === 0) return false;
    const dims = new Set(familyDims(f));
    const stored = new Set(familyMeasures(f).map(([m]) => m));
    return needed.every((d) => dims.has(d)) && read.measures.every((m) => stored.has(m));
  });
  const coarsest = (f: Family): number => GRAIN_ORDER.indexOf(usableTables(f, read)[0]!.grain);
  return candidates.sort(
    (a, b) =>
      familyDims(a).length - familyDims(b).length ||
      coarsest(a) - coarsest(b) ||
      keyedFilters(b, read) - keyedFilters(a, read),
  )[0];
}

/** The segments with their signs flipped: a complement's own cut, subtracted. */
const negated = (segments: readonly Segment[]): Segment[] =>
  segments.map(({ sign, ...s }) => (sign === -1 ? s : { ...s, sign: -1 as const }));

/**
 * [fromMs, toMs) cut at whole units of the coarsest table, the parts before and after cut again
 * with the finer tables, and whatever is left (less than the finest unit) read from llm_calls.
 * With `complement`, a partial unit at an edge is read as the whole unit minus the rest of it
 * (cut the same way, subtracted) when that rest is shorter than the partial part: a tenant's
 * 30-day latency ending 16 h into a day reads that day's row minus the 8 h after `to` (nothing yet,
 * when `to` is now) instead of 16 h of calls. Exact only for measures summed on merge (sql.ts
 * decides when it applies); a group present only in a subtracted part nets to zero rows.
 */
export function cutRange(
  fromMs: number,
  toMs: number,
  tables: readonly RollupTable[],
  complement = false,
): Segment[] {
  if (!(fromMs < toMs)) return [];
  const [table, ...finer] = tables;
  if (table === undefined) return [{ table: undefined, fromMs, toMs }];
  const cut = (f: number, t: number): Segment[] => cutRange(f, t, finer, complement);
  const whole = (f: number, t: number): Segment[] => [{ table, fromMs: f, toMs: t }];
  const unit = GRAIN_MS[table.grain];
  const a = Math.ceil(fromMs / unit) * unit;
  const b = Math.floor(toMs / unit) * unit;
  if (a >= b && !complement) return cut(fromMs, toMs);
  if (a > b) {
    // Inside one unit [b, a): the unit minus both sides when they are shorter than the range.
    if (complement && a - b - (toMs - fromMs) < toMs - fromMs)
      return [...whole(b, a), ...negated([...cut(b, fromMs), ...cut(toMs, a)])];
    return cut(fromMs, toMs);
  }
  const head =
    complement && a > fromMs && fromMs - (a - unit) < a - fromMs
      ? [...whole(a - unit, a), ...negated(cut(a - unit, fromMs))]
      : cut(fromMs, a);
  const tail =
    complement && toMs > b && b + unit - toMs < toMs - b
      ? [...whole(b, b + unit), ...negated(cut(toMs, b + unit))]
      : cut(b, toMs);
  return [...head, ...(a < b ? whole(a, b) : []), ...tail];
}

/** `complement`: partial units may be read as whole units minus their rest (cutRange). */
export function planRead(
  read: Read,
  catalog: Catalog = CATALOG,
  opts: { complement?: boolean } = {},
): Plan {
  const family = chooseFamily(read, catalog);
  const tables = family !== undefined ? usableTables(family, read) : [];
  const complement = opts.complement === true && family !== undefined;
  return {
    family,
    segments: cutRange(read.from.getTime(), read.to.getTime(), tables, complement),
  };
}
