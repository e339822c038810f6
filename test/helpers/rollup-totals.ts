// Every rollup's exact totals (its counts and money sums, merged over the whole table) beside the
// same aggregates computed from llm_calls: after any sequence of inserts and retries, each pair
// must be equal (a view that missed rows or counted some twice shows here).
import { rollupTables } from '../../src/storage/catalog/catalog.js';
import type { QueryRunner } from '../../src/storage/runner.js';

export interface RollupTotal {
  table: string;
  measure: string;
  stored: string;
  raw: string;
}

export async function rollupTotals(storage: QueryRunner): Promise<RollupTotal[]> {
  const out: RollupTotal[] = [];
  for (const { family, table } of rollupTables()) {
    // Counts (UInt64) and money (Decimal) merge exactly; floats and histograms are left out.
    const exact = Object.entries(family.subject.measures).filter(
      ([, m]) => m.type.includes('UInt64') || m.type.includes('Decimal'),
    );
    if (exact.length === 0 || exact.some(([, m]) => m.type.includes('Map'))) continue;
    const where = family.subject.where !== undefined ? ` WHERE ${family.subject.where}` : '';
    const list = (f: (name: string, raw: string) => string): string =>
      exact.map(([name, m]) => `toString(${f(name, m.raw)}) AS ${name}`).join(', ');
    const [stored] = await storage.query<Record<string, string>>(
      `SELECT ${list((name) => exact.find(([n]) => n === name)?.[1].merge(name) ?? name)} FROM ${table.name}`,
    );
    const [raw] = await storage.query<Record<string, string>>(
      `SELECT ${list((_, r) => r)} FROM llm_calls${where}`,
    );
    for (const [name] of exact)
      out.push({
        table: table.name,
        measure: name,
        stored: stored?.[name] ?? '',
        raw: raw?.[name] ?? '',
      });
  }
  return out;
}
