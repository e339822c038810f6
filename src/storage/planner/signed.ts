// The SQL of a plan that subtracts (plan.ts cutRange's `complement`): a partial day of a tenant read
// as its stored day row minus the calls of the rest of that day. The difference is exact only for
// measures summed on merge (integer counts and sums, Decimal money, histogram maps): a Float64 sum
// would round, a t-digest cannot be subtracted. The engine's types need three things:
// - a subtracted UInt64 is an Int64, and UNION ALL of UInt64 and Int64 columns is a
//   Variant(Int64, UInt64) that sum() rejects, so the parts return their values as they are with a
//   sign column, and the outer merge multiplies (counts as Int64);
// - sumMap keeps a bucket that nets to zero (a raw read never has one), so the merged maps drop
//   zero buckets;
// - a group present only in the subtracted part nets to zero rows: it is dropped by its row count.
import { familyMeasures } from '../catalog/catalog.js';
import type { Family, Measure, Subject } from '../catalog/types.js';
import type { Read } from './plan.js';

/** The hidden per-part column counting each group's rows, for the HAVING that drops empty groups. */
export const ROWS_COLUMN = 'planner_rows';

type Kind = 'count' | 'money' | 'histogram';

function kindOf(m: Measure): Kind | undefined {
  if (m.type === 'SimpleAggregateFunction(sum, UInt64)') return 'count';
  if (m.type === 'SimpleAggregateFunction(sum, Decimal(38, 18))') return 'money';
  if (m.type === 'SimpleAggregateFunction(sumMap, Map(UInt16, UInt64))') return 'histogram';
  return undefined;
}

/** The measure counting every row of the subject (`count()`), stored by the family. */
export function rowsMeasure(subject: Subject, family: Family): [string, Measure] | undefined {
  const stored = new Set(familyMeasures(family).map(([n]) => n));
  return Object.entries(subject.measures).find(
    ([n, m]) => m.raw === 'count()' && m.until === undefined && stored.has(n),
  );
}

/**
 * Whether a read may subtract: one tenant's read (the tenant families are where partial days are
 * read raw; unscoped questions keep their plans), grouped (an ungrouped read answers one row even
 * when empty), and every measure exactly subtractable.
 */
export function canSubtract(read: Read, measures: readonly [string, Measure][]): boolean {
  if (read.filters?.tenant === undefined) return false;
  if (read.dims.length === 0 && read.bucket === undefined) return false;
  return measures.every(([, m]) => kindOf(m) !== undefined);
}

/** Each part's sign per row: -1 where a row falls in a subtracted segment (llm_calls: per group). */
export const SIGN_COLUMN = 'planner_sign';

/** The outer merge of a signed measure: each row times its sign, zero buckets dropped. */
export function signedMerge(m: Measure, name: string): string {
  const kind = kindOf(m);
  if (kind === 'histogram')
    return `mapFilter((k, v) -> v != 0, sumMap(mapApply((k, v) -> (k, toInt64(v) * ${SIGN_COLUMN}), ${name})))`;
  if (kind === 'count') return `sum(toInt64(${name}) * ${SIGN_COLUMN})`;
  return `sum(${name} * ${SIGN_COLUMN})`;
}

/** A group's rows, signed: zero when the group is only in subtracted parts. */
export const signedRowsSql = (): string => `sum(toInt64(${ROWS_COLUMN}) * ${SIGN_COLUMN})`;
