// Migration 0044 on a store that already holds rows: the views of llm_calls that build latency
// histograms switch from sumMap to counting sorted bucket numbers. Rows stored before and after it,
// in several inserts, must give every perf rollup (the views of llm_calls and the hour and day
// tables cascading from them) exactly the histograms and counts the same question gives on
// llm_calls. The rows come from the benchmark generator at a density of ~500 calls a minute, so
// one group holds many calls per bucket and the runs being counted are long.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  START_OF,
  TIME_COLUMN,
  familyDims,
  familyMeasures,
  rollupTables,
} from '../../src/storage/catalog/catalog.js';
import { HISTOGRAMS_PER_BLOCK } from '../../src/storage/catalog/measures.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate, readMigrations } from '../../src/storage/migrate.js';
import type { QueryRunner, Row } from '../../src/storage/runner.js';
import { generateSql } from '../bench/analytics-gen.js';
import { hourStartMs } from '../helpers/clock.js';
import { migrateBefore } from '../helpers/migrate-before.js';

const END = hourStartMs();
// The first rows of a 20M-row month: about 460 calls a minute.
const SERIES = 20_000_000;
const dirs: string[] = [];
let storage: QueryRunner;

/** The views of llm_calls that store a histogram (the cascades merge maps, they build none). */
const histogramTables = rollupTables().filter(
  ({ family, table }) =>
    table.from === 'llm_calls' &&
    familyMeasures(family).some(([, m]) => m.perBlock?.since === HISTOGRAMS_PER_BLOCK),
);

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-histograms-'));
  dirs.push(dataDir);
  storage = await createStorage({ database: 'default', dataDir });
  await migrateBefore(storage, HISTOGRAMS_PER_BLOCK);
  await storage.command(generateSql(0, 6_000, SERIES, END));
}, 120_000);

afterAll(async () => {
  await storage?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every measure of a rollup merged per key, against the same measures computed from llm_calls. */
async function answers(name: string): Promise<{ rollup: string[]; raw: string[] }> {
  const t = rollupTables().find((x) => x.table.name === name);
  if (t === undefined) throw new Error(name);
  const time = TIME_COLUMN[t.table.grain];
  const keys = [time, ...familyDims(t.family)].join(', ');
  const measures = familyMeasures(t.family);
  const where = t.family.subject.where !== undefined ? `WHERE ${t.family.subject.where}` : '';
  const canonical = (rows: Row[]): string[] => rows.map((r) => JSON.stringify(r)).sort();
  const rollup = await storage.query(
    `SELECT ${keys}, ${measures.map(([n, m]) => `${m.merge(n)} AS ${n}`).join(', ')}
       FROM ${name} GROUP BY ${keys}`,
  );
  const raw = await storage.query(
    `SELECT ${START_OF[t.table.grain]}(start_time) AS ${time}, ${familyDims(t.family).join(', ')},
       ${measures.map(([n, m]) => `${m.raw} AS ${n}`).join(', ')}
       FROM llm_calls ${where} GROUP BY ${keys}`,
  );
  return { rollup: canonical(rollup), raw: canonical(raw) };
}

describe('0044 on a store holding rows', () => {
  it('swaps the query of every view of llm_calls that builds a histogram, and only those', async () => {
    expect(histogramTables.map((t) => t.table.name).sort()).toEqual([
      'llm_perf_1m',
      'llm_perf_tenant_1d',
    ]);
    const result = await migrate(storage, { ttl_days: 400 });
    expect(result.applied[0]).toBe('0044_histograms_per_block');
    const views = await storage.query<{ name: string; query: string }>(
      `SELECT name, as_select AS query FROM system.tables
        WHERE database = currentDatabase() AND engine = 'MaterializedView'`,
    );
    for (const v of views) {
      const swapped = histogramTables.some((t) => `${t.table.name}_mv` === v.name);
      expect(v.query.includes('groupArrayIf'), v.name).toBe(swapped);
      if (swapped) expect(v.query, v.name).not.toContain('sumMap');
    }
  });

  it('gives every perf rollup the histograms of llm_calls for rows stored before and after', async () => {
    // More inserts after the migration, so stored rows of both kinds merge per key; five of them,
    // past the point where the engine JIT-compiles an expression it has run three times.
    for (let i = 0; i < 5; i++)
      await storage.command(generateSql(6_000 + i * 2_000, 2_000, SERIES, END));
    const perf = rollupTables().filter((t) => t.family.subject.name === 'perf');
    expect(perf.length).toBeGreaterThanOrEqual(4);
    for (const { table } of perf) {
      const { rollup, raw } = await answers(table.name);
      // The ttft_drift family (0047) holds one row per model and hour: 12 for these rows.
      expect(rollup.length, table.name).toBeGreaterThanOrEqual(12);
      expect(rollup, table.name).toEqual(raw);
    }
    const [hist] = await storage.query<{ buckets: string; calls: string }>(
      `SELECT length(mapKeys(sumMap(duration_h))) AS buckets, sum(ok_calls) AS calls FROM llm_perf_1m`,
    );
    // Long runs: many calls per bucket.
    expect(Number(hist?.calls)).toBeGreaterThan(10 * Number(hist?.buckets));
  });

  it('keeps backfills on sumMap (a whole table at once), views of earlier versions as applied', () => {
    const [, m] = familyMeasures(histogramTables[0]!.family).find(([n]) => n === 'duration_h')!;
    expect(m.state).toContain('sumMapIf');
    expect(m.perBlock?.state).toContain('groupArrayIf');
    const before = readMigrations().filter((x) => x.version < HISTOGRAMS_PER_BLOCK);
    expect(before.some((x) => x.sql.includes('groupArrayIf'))).toBe(false);
  });
});
