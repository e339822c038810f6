// Reading the catalog: a family's columns, sort key and measures as of any migration version (the
// generator renders every migration from the catalog as it stood then), and lookups by name.
import { MIGRATION_NOTES, ROLLUP_DEDUP_SINCE } from './history.js';
import { RETIRED_FAMILIES } from './retired.js';
import { FAMILIES } from './rollups.js';
import { BASE_TABLES, LLM_CALLS } from './tables.js';
import type { Catalog, Family, Grain, Measure, RollupTable } from './types.js';

/** The catalog as checked in: what sql/ holds and what the planner reads. */
export const CATALOG: Catalog = {
  baseTables: BASE_TABLES,
  families: FAMILIES,
  retired: RETIRED_FAMILIES,
  notes: MIGRATION_NOTES,
  rollupDedupSince: ROLLUP_DEDUP_SINCE,
};

export const TIME_COLUMN: Record<Grain, string> = { minute: 'minute', hour: 'hour', day: 'day' };
export const START_OF: Record<Grain, string> = {
  minute: 'toStartOfMinute',
  hour: 'toStartOfHour',
  day: 'toStartOfDay',
};
export const GRAIN_MS: Record<Grain, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** A version later than every migration: "as the catalog stands now". */
export const NOW = Number.MAX_SAFE_INTEGER;

export interface Column {
  name: string;
  type: string;
  role: 'time' | 'dim' | 'measure';
}

export interface CatalogTable {
  family: Family;
  table: RollupTable;
}

const dimName = (d: Family['dims'][number]): string => (typeof d === 'string' ? d : d.name);
const dimSince = (d: Family['dims'][number]): number | undefined =>
  typeof d === 'string' ? undefined : d.since;

/** The family's dimensions that exist at `version`, in table order. */
export function familyDims(f: Family, version = NOW): string[] {
  return f.dims.filter((d) => (dimSince(d) ?? 0) <= version).map(dimName);
}

/** Dimensions added to existing tables by exactly `version`. */
export function dimsAddedAt(f: Family, version: number): string[] {
  return f.dims.filter((d) => dimSince(d) === version).map(dimName);
}

/** Every measure the family ever stored (retired ones included), in subject order. */
export function declaredMeasures(f: Family): [string, Measure][] {
  const wanted = f.measures !== undefined ? new Set(f.measures) : undefined;
  return Object.entries(f.subject.measures).filter(
    ([name]) => wanted === undefined || wanted.has(name),
  );
}

/** The measures the family stores at `version`, in subject order. */
export function familyMeasures(f: Family, version = NOW): [string, Measure][] {
  return declaredMeasures(f).filter(
    ([, m]) => (m.since ?? 0) <= version && (m.until ?? Infinity) > version,
  );
}

/** Measures whose column `version` drops from the family's existing tables. */
export function measuresRetiredAt(f: Family, version: number): string[] {
  return declaredMeasures(f)
    .filter(([, m]) => m.until === version)
    .map(([name]) => name);
}

/** Measures whose views compute them per block another way from exactly `version` on. */
export function measuresRestatedAt(f: Family, version: number): string[] {
  return familyMeasures(f, version)
    .filter(([, m]) => m.perBlock?.since === version)
    .map(([name]) => name);
}

export function measuresAddedAt(f: Family, version: number): string[] {
  return familyMeasures(f, version)
    .filter(([, m]) => m.since === version)
    .map(([name]) => name);
}

const LLM_CALLS_TYPES = new Map(LLM_CALLS.columns.map((c) => [c.name, c.type]));

/** A dimension's column type in a rollup: its llm_calls type without codec or default. */
export function dimType(name: string): string {
  const type = LLM_CALLS_TYPES.get(name);
  if (type === undefined) throw new Error(`dimension ${name} is not an llm_calls column`);
  return type.replace(/\s+(CODEC|DEFAULT)\b.*$/, '');
}

/**
 * Sort key: the key prefix, the time column, the other dimensions the table was created with, then
 * those added later in the order they were added (ClickHouse can only append new columns to a key).
 */
export function sortKey(f: Family, t: RollupTable, version = NOW): string[] {
  const prefix = f.keyPrefix ?? [];
  const dims = f.dims.filter((d) => (dimSince(d) ?? 0) <= version);
  const born = dims.filter((d) => (dimSince(d) ?? 0) <= t.since).map(dimName);
  const later = dims
    .filter((d) => (dimSince(d) ?? 0) > t.since)
    .sort((a, b) => (dimSince(a) ?? 0) - (dimSince(b) ?? 0))
    .map(dimName);
  return [...prefix, TIME_COLUMN[t.grain], ...born.filter((d) => !prefix.includes(d)), ...later];
}

/** Table columns at `version`: time and dimensions (time first, or in key order), then measures. */
export function tableColumns(f: Family, t: RollupTable, version = NOW): Column[] {
  const time = TIME_COLUMN[t.grain];
  const keys =
    f.columnsInKeyOrder === true ? sortKey(f, t, version) : [time, ...familyDims(f, version)];
  return [
    ...keys.map((name): Column =>
      name === time
        ? { name, type: "DateTime('UTC')", role: 'time' }
        : { name, type: dimType(name), role: 'dim' },
    ),
    ...familyMeasures(f, version).map(([name, m]): Column => ({
      name,
      type: m.type,
      role: 'measure',
    })),
  ];
}

/** The rollup tables that exist now (what the planner, rebuilds and benchmarks read). */
export function rollupTables(c: Catalog = CATALOG): CatalogTable[] {
  return c.families.flatMap((family) => family.tables.map((table) => ({ family, table })));
}

/**
 * Every rollup table any migration created, dropped ones included (each retired family where it
 * was defined before it was retired: `definedAfter`, else first), so history renders unchanged.
 */
export function historyTables(c: Catalog = CATALOG): CatalogTable[] {
  const order = [...c.families];
  for (const retired of [...(c.retired ?? [])].reverse()) {
    const after = order.findIndex((f) => f.name === retired.definedAfter);
    order.splice(after + 1, 0, retired);
  }
  return order.flatMap((family) => family.tables.map((table) => ({ family, table })));
}

export function rollupTable(name: string, c: Catalog = CATALOG): CatalogTable | undefined {
  return rollupTables(c).find((t) => t.table.name === name);
}

/** A table of any migration by name, dropped ones included. */
export function historyTable(name: string, c: Catalog = CATALOG): CatalogTable | undefined {
  return historyTables(c).find((t) => t.table.name === name);
}

/** The table the view of `t` reads at `version` (its current `from`, or where it read before). */
export function sourceAt(t: RollupTable, version = NOW): string {
  return t.formerly !== undefined && version < t.formerly.until ? t.formerly.from : t.from;
}

/** When the table is filled from what its source holds (false: never). */
export function backfillVersion(t: RollupTable): number | false {
  return t.backfill ?? t.since;
}

/** Every migration version that has something to do, ascending. */
export function migrationVersions(c: Catalog = CATALOG): number[] {
  const versions = new Set<number>();
  for (const t of c.baseTables) {
    versions.add(t.since);
    for (const col of t.columns) {
      if (col.since !== undefined) versions.add(col.since);
      if (col.recoded !== undefined) versions.add(col.recoded.since);
    }
    for (const p of t.projections ?? []) {
      versions.add(p.since);
      if (p.until !== undefined) versions.add(p.until);
    }
  }
  for (const { family, table } of historyTables(c)) {
    versions.add(table.since);
    if (table.until !== undefined) versions.add(table.until);
    if (table.formerly !== undefined) versions.add(table.formerly.until);
    const b = backfillVersion(table);
    if (b !== false) versions.add(b);
    for (const d of family.dims) if (dimSince(d) !== undefined) versions.add(dimSince(d) ?? 0);
    for (const [, m] of declaredMeasures(family)) {
      if (m.since !== undefined) versions.add(m.since);
      if (m.until !== undefined) versions.add(m.until);
      if (m.perBlock !== undefined) versions.add(m.perBlock.since);
    }
  }
  if (c.rollupDedupSince !== undefined) versions.add(c.rollupDedupSince);
  return [...versions].sort((a, b) => a - b);
}
