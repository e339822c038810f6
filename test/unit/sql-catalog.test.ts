// sql/ is generated output: every file must be what the catalog generates (run `npm run sql` after
// changing the catalog), no generated migration may change once recorded in sql/checksums.json, and
// the catalog itself must be consistent (dimensions exist, cascades have what they read).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CATALOG,
  NOW,
  familyDims,
  familyMeasures,
  migrationVersions,
  historyTables,
  rollupTables,
  sourceAt,
} from '../../src/storage/catalog/catalog.js';
import { bucketSql } from '../../src/storage/catalog/histogram.js';
import { LLM_CALLS } from '../../src/storage/catalog/tables.js';
import { checksumOf } from '../../src/storage/migrate.js';
import { generateMigrations } from '../../src/storage/sqlgen/migrations.js';
import { SQL_DIR, readChecksums, rewrittenHistory } from '../../src/storage/sqlgen/write.js';

const generated = generateMigrations();
const files = (sub: string): string[] =>
  readdirSync(join(SQL_DIR, sub))
    .filter((f) => f.endsWith('.sql'))
    .sort();

describe('sql/ is the catalog generator output', () => {
  it.each(generated.map((m) => [m.name, m] as const))(
    '%s: single-node and cluster files equal the generator output',
    (name, m) => {
      expect(readFileSync(join(SQL_DIR, 'migrations', `${name}.sql`), 'utf8')).toBe(m.single);
      expect(readFileSync(join(SQL_DIR, 'cluster', `${name}.sql`), 'utf8')).toBe(m.cluster);
    },
  );

  it('holds no other SQL file', () => {
    const names = generated.map((m) => `${m.name}.sql`);
    expect(files('migrations')).toEqual(names);
    expect(files('cluster')).toEqual(names);
  });

  it('records every migration checksum, and no recorded migration changed', () => {
    const recorded = readChecksums();
    expect(rewrittenHistory(generated, recorded)).toEqual([]);
    expect(recorded).toEqual(
      Object.fromEntries(generated.map((m) => [m.name, checksumOf(m.single)])),
    );
  });

  it('finds a catalog edit that rewrites an existing migration', () => {
    const recorded = readChecksums();
    const edited = generated.map((m) =>
      m.version === 20 ? { ...m, single: m.single.replace('NOT cache_hit', 'cache_hit') } : m,
    );
    expect(rewrittenHistory(edited, recorded)).toEqual(['0020_perf_rollups']);
  });
});

describe('the catalog', () => {
  const tables = rollupTables();
  const calls = new Set(LLM_CALLS.columns.map((c) => c.name));

  it('names every table and view once', () => {
    const names = [
      ...CATALOG.baseTables.map((t) => t.name),
      ...tables.flatMap((t) => [t.table.name, `${t.table.name}_mv`]),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(tables.map((t) => [t.table.name, t] as const))(
    '%s: dimensions are llm_calls columns and its source holds what it reads',
    (_name, { family, table }) => {
      for (const d of familyDims(family)) expect(calls.has(d), d).toBe(true);
      for (const d of family.keyPrefix ?? []) expect(familyDims(family)).toContain(d);
      for (const version of migrationVersions()
        .filter((v) => v >= table.since)
        .concat(NOW)) {
        // The source at each version (a view re-pointed by a later migration read another before).
        const from = sourceAt(table, version);
        if (from === 'llm_calls') continue;
        // A retired table can be a source, but only before the migration that drops it.
        const source = historyTables().find((t) => t.table.name === from);
        expect(source, `${from}@${version}`).toBeDefined();
        expect(source!.table.until ?? Infinity, `${from} dropped@${version}`).toBeGreaterThan(
          version,
        );
        const grains = ['minute', 'hour', 'day'];
        expect(grains.indexOf(source!.table.grain)).toBeLessThanOrEqual(
          grains.indexOf(table.grain),
        );
        expect(source!.table.since).toBeLessThanOrEqual(Math.max(table.since, version));
        expect(sourceAt(source!.table, version), 'no cycle').not.toBe(table.name);
        const have = new Set(familyDims(source!.family, version));
        for (const d of familyDims(family, version))
          expect(have.has(d), `${d}@${version}`).toBe(true);
        const stored = new Set(familyMeasures(source!.family, version).map(([n]) => n));
        for (const [m] of familyMeasures(family, version))
          expect(stored.has(m), `${m}@${version}`).toBe(true);
      }
    },
  );

  it('re-points a view only at a source that existed by then, and says so in that migration', () => {
    const moved = tables.filter((t) => t.table.formerly !== undefined);
    expect(moved.map((t) => t.table.name).sort()).toEqual([
      'llm_costs_1h',
      'llm_costs_alloc_1h',
      'llm_costs_per_tenant_1h',
      'llm_costs_tenant_1h',
    ]);
    for (const { table } of moved) {
      const until = table.formerly!.until;
      expect(until).toBeGreaterThan(table.since);
      const m = generated.find((g) => g.version === until)!;
      expect(m.single).toContain(`DROP VIEW IF EXISTS ${table.name}_mv;`);
      expect(m.single).toMatch(
        new RegExp(
          `CREATE MATERIALIZED VIEW IF NOT EXISTS ${table.name}_mv TO ${table.name} AS[^;]*FROM ${table.from}\\n`,
        ),
      );
      // The migration that created it still reads the former source.
      const born = generated.find((g) => g.version === table.since)!;
      expect(born.single).toMatch(
        new RegExp(`TO ${table.name} AS[^;]*FROM ${table.formerly!.from}\\n`),
      );
    }
  });

  it('drops a retired table after re-pointing what read it, and nothing reads it afterwards', () => {
    const gone = historyTables().filter((t) => t.table.until !== undefined);
    expect(gone.map((t) => t.table.name)).toEqual([
      'llm_calls_1m',
      'llm_capacity_tenant_1m',
      'llm_ttft_1m',
      'llm_ttft_1h',
      'llm_ttft_1d',
    ]);
    for (const { table } of gone) {
      expect(rollupTables().map((t) => t.table.name)).not.toContain(table.name);
      const m = generated.find((g) => g.version === table.until)!;
      const drop = m.single.indexOf(`DROP TABLE IF EXISTS ${table.name};`);
      expect(drop).toBeGreaterThan(m.single.indexOf(`DROP VIEW IF EXISTS ${table.name}_mv;`));
      expect(m.cluster).toContain(`DROP TABLE IF EXISTS ${table.name}_local ON CLUSTER`);
      for (const t of tables) {
        expect(sourceAt(t.table, table.until!), t.table.name).not.toBe(table.name);
        if (t.table.formerly?.from === table.name)
          expect(
            m.single.lastIndexOf(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${t.table.name}_mv`),
          ).toBeLessThan(drop);
      }
      // Later migrations neither alter nor fill it.
      for (const later of generated.filter((g) => g.version > table.until!))
        expect(later.single, later.name).not.toMatch(new RegExp(`\\b${table.name}\\b`));
    }
  });

  it('never backfills a table its source already fills through a view', () => {
    for (const { table } of tables) {
      const source = tables.find((t) => t.table.name === table.from);
      const late = table.backfill !== undefined && table.backfill !== false;
      if (source === undefined || !late) continue;
      // A late backfill of this table while its source is also backfilled at that version, with
      // this table's view already in place, would count the source's rows twice.
      expect(
        source.table.backfill === table.backfill && table.since < (table.backfill as number),
      ).toBe(false);
    }
  });

  it('swaps only the queries of views of llm_calls storing a measure computed per block', () => {
    const measures = (t: (typeof tables)[number]): string[] =>
      familyMeasures(t.family)
        .filter(([, m]) => m.perBlock !== undefined)
        .map(([n]) => n);
    const versions = new Set(
      tables.flatMap((t) => familyMeasures(t.family).map(([, m]) => m.perBlock?.since)),
    );
    versions.delete(undefined);
    expect(versions.size).toBeGreaterThan(0);
    for (const version of versions) {
      const m = generated.find((g) => g.version === version)!;
      const swapped = [...m.single.matchAll(/ALTER TABLE (\w+)_mv MODIFY QUERY\n/g)].map(
        (x) => x[1],
      );
      const expected = tables
        .filter((t) => t.table.since < version! && sourceAt(t.table, version) === 'llm_calls')
        .filter((t) => measures(t).length > 0)
        .map((t) => t.table.name);
      expect(swapped.sort()).toEqual(expected.sort());
      // Nothing else: no rebuild, no backfill, no other view.
      expect(m.single).not.toMatch(/TRUNCATE|INSERT INTO|CREATE MATERIALIZED VIEW|DROP/);
      for (const name of expected) {
        const t = tables.find((x) => x.table.name === name)!;
        for (const [n, measure] of familyMeasures(t.family).filter(([, x]) => x.perBlock))
          expect(m.single, n).toContain(`${measure.perBlock!.state} AS ${n}`);
      }
      // Earlier migrations, backfills included, keep the table-wide state.
      for (const g of generated.filter((x) => x.version < version!))
        for (const t of tables)
          for (const [, measure] of familyMeasures(t.family).filter(([, x]) => x.perBlock))
            expect(g.single.includes(measure.perBlock!.state), g.name).toBe(false);
    }
  });

  it('stores latency histograms with the bucket expression the readers decode', () => {
    const perf = generated.find((m) => m.name === '0020_perf_rollups')?.single ?? '';
    for (const x of [
      'duration_ms',
      'assumeNotNull(ttft_ms)',
      'assumeNotNull(itl_ms)',
      'output_tokens * 1000 / (duration_ms - assumeNotNull(ttft_ms))',
    ])
      expect(perf).toContain(bucketSql(x));
  });
});
