// What the performance and cache questions share: the group-bys they offer, and reading a window of
// a catalog subject through the read planner (whole days, hours and minutes from the smallest
// covering rollup family, partial edges and uncovered tenant scopes from llm_calls).
import type { SubjectName } from '../../storage/catalog/measures.js';
import type { Read } from '../../storage/planner/plan.js';
import { readMany } from '../../storage/planner/read.js';
import type { QueryRunner, Row } from '../../storage/runner.js';

/** The group-bys of latency, reliability and drift: each is a dimension of the perf families. */
export const PERF_DIMENSIONS = [
  'provider',
  'model',
  'deployment',
  'region',
  'capacity_tier',
  'route',
] as const;
export type PerfDimension = (typeof PERF_DIMENSIONS)[number];

/**
 * Where a question reads from: `auto` = the planner's rollups (raw edges), a small tenant's scope
 * raw; `rollup` = the rollups whatever the tenant's size; `raw` = llm_calls only.
 */
export type Source = 'auto' | 'raw' | 'rollup';

export interface WindowRead {
  subject: Extract<SubjectName, 'perf' | 'cache'>;
  from: Date;
  to: Date;
  dims: readonly string[];
  measures: readonly string[];
  tenant?: string | undefined;
  source?: Source | undefined;
}

export type ResultRow = Row;

function toRead({ tenant, ...read }: WindowRead): Read {
  return { ...read, filters: tenant !== undefined ? { tenant } : undefined };
}

/** One windowed read (JSON rows: Map columns as objects, UInt64 as text). */
export async function readWindow(storage: QueryRunner, read: WindowRead): Promise<ResultRow[]> {
  const [rows] = await readMany(storage, [toRead(read)]);
  return rows ?? [];
}

/** Several windowed reads (a current and a baseline window) in one query, rows per read. */
export function readWindows(
  storage: QueryRunner,
  reads: readonly WindowRead[],
): Promise<ResultRow[][]> {
  return readMany(storage, reads.map(toRead));
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
