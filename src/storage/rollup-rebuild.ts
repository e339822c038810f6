// Rebuilds the cost-bearing rollups for a time range from llm_calls, after rows in llm_calls were
// rewritten (re-pricing). The rollups are AggregatingMergeTree tables filled by materialized views
// on INSERT: a view never sees a DELETE, and a sum cannot be taken back out of a stored state (a
// t-digest or a histogram cannot be un-merged at all). So the affected time range of every rollup
// whose measures read a cost column is deleted and refilled from its source with the same SELECT
// its view runs; the tables that cascade from a refilled one fill through their own views.
// Idempotent: running it twice leaves the same rows. Whole UTC days, the coarsest grain.
import { TIME_COLUMN, familyMeasures, rollupTables, type CatalogTable } from './catalog/catalog.js';
import { viewSelect } from './sqlgen/render.js';
import type { QueryRunner } from './runner.js';

const DAY_MS = 86_400_000;

/** Rollups whose measures read cost or pricing columns (a re-price changes them). */
function costBearing(t: CatalogTable): boolean {
  return familyMeasures(t.family).some(([, m]) => /\bcost_|\blist_cost\b|\bpriced\b/.test(m.raw));
}

/** The cost-bearing tables and every table cascading from one, sources before their cascades. */
export function tablesToRebuild(): CatalogTable[] {
  const all = rollupTables();
  const names = new Set(all.filter(costBearing).map((t) => t.table.name));
  for (let grew = true; grew;) {
    grew = false;
    for (const t of all)
      if (!names.has(t.table.name) && names.has(t.table.from)) {
        names.add(t.table.name);
        grew = true;
      }
  }
  const depth = (t: CatalogTable): number => {
    const src = all.find((x) => x.table.name === t.table.from);
    return src === undefined ? 0 : 1 + depth(src);
  };
  return all.filter((t) => names.has(t.table.name)).sort((a, b) => depth(a) - depth(b));
}

export interface DayRange {
  /** Inclusive, at 00:00 UTC. */
  from: Date;
  /** Exclusive, at 00:00 UTC. */
  to: Date;
}

/** The whole UTC days covering [from, to). */
export function wholeDays(from: Date, to: Date): DayRange {
  const start = Math.floor(from.getTime() / DAY_MS) * DAY_MS;
  const end = Math.ceil(to.getTime() / DAY_MS) * DAY_MS;
  return { from: new Date(start), to: new Date(Math.max(end, start + DAY_MS)) };
}

const timeGuard = (column: string): string =>
  `${column} >= toDateTime({rb_from:UInt32}, 'UTC') AND ${column} < toDateTime({rb_to:UInt32}, 'UTC')`;

/** The measures a consistency check compares: a row count and the cost sum of the family. */
function checkedMeasures(t: CatalogTable): string[] {
  const names = familyMeasures(t.family).map(([n]) => n);
  return ['calls', 'attempts', 'cost_total', 'spend', 'unpriced_calls'].filter((n) =>
    names.includes(n),
  );
}

/**
 * Whether every cost-bearing rollup holds, for the days, the counts and cost sums llm_calls
 * gives: a re-price that changed nothing skips the rebuild only then (a run cut short after
 * rewriting rows but before its rebuild leaves them disagreeing, and the next run rebuilds).
 */
export async function rollupsAgree(storage: QueryRunner, days: DayRange): Promise<boolean> {
  const params = { rb_from: days.from.getTime() / 1000, rb_to: days.to.getTime() / 1000 };
  for (const t of tablesToRebuild()) {
    const measures = new Map(familyMeasures(t.family));
    const names = checkedMeasures(t);
    const where = [timeGuard('start_time'), t.family.subject.where].filter(Boolean).join(' AND ');
    const raw = names.map((n) => `toString(${measures.get(n)?.raw ?? '0'}) AS ${n}`).join(', ');
    const rolled = names
      .map((n) => `toString(${measures.get(n)?.merge(n) ?? '0'}) AS ${n}`)
      .join(', ');
    const [a] = await storage.query(`SELECT ${raw} FROM llm_calls WHERE ${where}`, params);
    const [b] = await storage.query(
      `SELECT ${rolled} FROM ${t.table.name} WHERE ${timeGuard(TIME_COLUMN[t.table.grain])}`,
      params,
    );
    if (JSON.stringify(a) !== JSON.stringify(b)) return false;
  }
  return true;
}

/** Deletes the days' rows of every cost-bearing rollup and refills them from their sources. */
export async function rebuildRollups(storage: QueryRunner, days: DayRange): Promise<string[]> {
  const tables = tablesToRebuild();
  const params = { rb_from: days.from.getTime() / 1000, rb_to: days.to.getTime() / 1000 };
  for (const t of [...tables].reverse())
    await storage.command(
      `DELETE FROM ${t.table.name} WHERE ${timeGuard(TIME_COLUMN[t.table.grain])}`,
      params,
    );
  const names = new Set(tables.map((t) => t.table.name));
  const all = rollupTables();
  for (const t of tables.filter((x) => !names.has(x.table.from))) {
    const source = all.find((x) => x.table.name === t.table.from);
    const sourceGrain = source?.table.grain;
    const guard = timeGuard(sourceGrain === undefined ? 'start_time' : TIME_COLUMN[sourceGrain]);
    const select = viewSelect(
      { ...t, version: Number.MAX_SAFE_INTEGER, sourceGrain },
      'single',
      guard,
    );
    await storage.command(`INSERT INTO ${t.table.name}\n${select}`, params);
  }
  return tables.map((t) => t.table.name);
}
