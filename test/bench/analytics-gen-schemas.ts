// Earlier schemas the generation variants put back (analytics-gen.ts GENERATION_MODES): what a
// migration saves or costs, measured by generating the same rows with and without it.
import { familyMeasures, historyTable, rollupTables } from '../../src/storage/catalog/catalog.js';
import { HISTOGRAMS_PER_BLOCK } from '../../src/storage/catalog/measures.js';
import {
  CALLS_MINUTE_RETIRED,
  CAPACITY_TENANT_RETIRED,
} from '../../src/storage/catalog/rollups.js';
import { rollupTableSql, viewName, viewSql } from '../../src/storage/sqlgen/render.js';
import type { QueryRunner } from '../../src/storage/runner.js';

/** The views of llm_calls as before 0044: histograms by sumMap on every inserted block. */
export async function restoreSumMapHistograms(storage: QueryRunner): Promise<void> {
  const version = HISTOGRAMS_PER_BLOCK - 1;
  for (const t of rollupTables().filter((x) => x.table.from === 'llm_calls')) {
    if (!familyMeasures(t.family).some(([, m]) => m.perBlock?.since === HISTOGRAMS_PER_BLOCK))
      continue;
    await storage.command(`DROP VIEW IF EXISTS ${viewName(t.table)}`);
    await storage.command(viewSql({ ...t, version, sourceGrain: undefined }, 'single'));
  }
}

/** The schema before 0046: llm_capacity_tenant_1m and its view (nothing cascades from it). */
export async function restoreCapacityTenant(storage: QueryRunner): Promise<void> {
  const t = historyTable('llm_capacity_tenant_1m');
  if (t === undefined) throw new Error('no llm_capacity_tenant_1m in the catalog history');
  const version = CAPACITY_TENANT_RETIRED - 1;
  await storage.command(
    rollupTableSql(t.family, t.table, version, 'single').replace('{{ttl_days}}', '400'),
  );
  await storage.command(viewSql({ ...t, version, sourceGrain: undefined }, 'single'));
}

/** The schema before 0041: llm_calls_1m and its view, and what cascaded from it reading it again. */
export async function restoreCallsMinute(storage: QueryRunner): Promise<void> {
  const t = historyTable('llm_calls_1m');
  if (t === undefined) throw new Error('no llm_calls_1m in the catalog history');
  const version = CALLS_MINUTE_RETIRED - 1;
  await storage.command(
    rollupTableSql(t.family, t.table, version, 'single').replace('{{ttl_days}}', '400'),
  );
  await storage.command(viewSql({ ...t, version, sourceGrain: undefined }, 'single'));
  for (const r of rollupTables().filter((x) => x.table.formerly?.until === CALLS_MINUTE_RETIRED)) {
    await storage.command(`DROP VIEW IF EXISTS ${viewName(r.table)}`);
    const table = { ...r.table, from: 'llm_calls_1m' };
    await storage.command(
      viewSql({ family: r.family, table, version, sourceGrain: t.table.grain }, 'single'),
    );
  }
}

/** The tables of TTFT drift's family (0047, created again by 0050; dropped by `no-ttft-drift`). */
export const ttftDriftTables = (): string[] =>
  rollupTables()
    .filter((t) => t.family.name === 'drift')
    .map((t) => t.table.name);
