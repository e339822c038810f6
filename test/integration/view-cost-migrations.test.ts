// The migrations that make each inserted call cheaper for the views (issue 14), on a store that
// already holds rows: migrated up to 0038, calls stored, then the rest applied.
// 0039 retires the t-digest latency states of llm_calls_1m: the columns go, nothing is rebuilt
// (every other column keeps its sums), the view keeps filling the table and what cascades from it,
// and the catalog no longer offers the measures to a read.
// 0040 re-points the hourly cost views at llm_costs_tenant_1h: the rows they hold stay, and new
// calls reach them through the new source exactly once.
// 0041 drops llm_calls_1m and points llm_costs_tenant_1h's view at llm_calls: every cost table keeps
// its sums, and new calls reach each of them exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CATALOG,
  familyMeasures,
  historyTable,
  rollupTable,
  rollupTables,
} from '../../src/storage/catalog/catalog.js';
import { CALLS_MINUTE_RETIRED, COSTS_FROM_HOURS } from '../../src/storage/catalog/rollups.js';
import { DIGESTS_RETIRED } from '../../src/storage/catalog/measures.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { hourStartMs } from '../helpers/clock.js';
import { migrateBefore } from '../helpers/migrate-before.js';

const HOUR = 3_600_000;
const T0 = hourStartMs() - 30 * HOUR;
const DIGESTS = ['duration_q', 'ttft_q', 'itl_q'];
let storage: QueryRunner;

const calls = (prefix: string, n: number): Record<string, unknown>[] =>
  Array.from({ length: n }, (_, i) => ({
    call_id: `${prefix}${i}`,
    kind: 'inference',
    status: i % 6 === 0 ? 'error' : 'ok',
    tenant: `t${i % 3}`,
    route: i % 2 === 0 ? '/chat' : '/search',
    provider: 'openai',
    model: 'gpt-4o',
    start_time: new Date(T0 + i * 7 * 60_000 + 900).toISOString(),
    duration_ms: 100 + i,
    ttft_ms: 10 + (i % 40),
    streaming: true,
    input_tokens: 100 + i,
    output_tokens: 7,
    cost_total: '0.000123',
  }));

const columnsOf = async (table: string): Promise<string[]> =>
  (
    await storage.query<{ name: string }>(
      `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = {t:String} ORDER BY position`,
      { t: table },
    )
  ).map((r) => r.name);

const sums = async (table: string): Promise<Record<string, string>> => {
  const [row] = await storage.query<Record<string, string>>(
    `SELECT sum(calls) AS calls, sum(errors) AS errors, sum(input_tokens) AS input_tokens,
       sum(cost_total) AS cost_total FROM ${table}`,
  );
  return row ?? {};
};

const rawSums = async (): Promise<Record<string, string>> => {
  const [row] = await storage.query<Record<string, string>>(
    `SELECT count() AS calls, countIf(status = 'error') AS errors, sum(input_tokens) AS input_tokens,
       sum(cost_total) AS cost_total FROM llm_calls`,
  );
  return row ?? {};
};

let before: Record<string, string>;
const dirs: string[] = [];

/** A migrations directory holding the generated migrations before `version`. */

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-digests-'));
  dirs.push(dataDir);
  storage = await createStorage({ database: 'default', dataDir });
  await migrateBefore(storage, DIGESTS_RETIRED);
  await storage.insert('llm_calls', calls('a', 200));
  before = await sums('llm_calls_1m');
});
afterAll(async () => {
  await storage.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('0039 and 0040 on a store holding rows', () => {
  it('starts from a table that has the digests and stored calls', async () => {
    expect(await columnsOf('llm_calls_1m')).toEqual(expect.arrayContaining(DIGESTS));
    expect(before).toEqual(await rawSums());
    expect(Number(before.calls)).toBe(200);
  });

  it('drops the three columns and keeps every other sum as it was', async () => {
    const result = await migrateBefore(storage, CALLS_MINUTE_RETIRED);
    expect(result.applied).toContain('0039_calls_minute_without_digests');
    const columns = await columnsOf('llm_calls_1m');
    for (const c of DIGESTS) expect(columns).not.toContain(c);
    expect(columns).toContain('duration_ms_sum');
    expect(await sums('llm_calls_1m')).toEqual(before);
  });

  it('re-points the hourly cost views (0040) without touching their rows', async () => {
    const views = await storage.query<{ name: string; query: string }>(
      `SELECT name, as_select AS query FROM system.tables
        WHERE database = currentDatabase() AND engine = 'MaterializedView'`,
    );
    const moved = rollupTables().filter((t) => t.table.formerly?.until === COSTS_FROM_HOURS);
    expect(moved.length).toBe(3);
    for (const { table } of moved) {
      const view = views.find((v) => v.name === `${table.name}_mv`);
      expect(view?.query, table.name).toMatch(/FROM [\w.]*llm_costs_tenant_1h\b/);
      expect(await sums(table.name), table.name).toEqual(before);
    }
  });

  it('keeps filling llm_calls_1m and every cost cascade from new calls, once', async () => {
    await storage.insert('llm_calls', calls('b', 150));
    const raw = await rawSums();
    expect(Number(raw.calls)).toBe(350);
    for (const t of [...rollupTables(), historyTable('llm_calls_1m')!].filter(
      (x) => x.family.subject.name === 'calls',
    ))
      expect(await sums(t.table.name), t.table.name).toEqual(raw);
  });

  it('no longer offers the digests to a read', () => {
    const t = historyTable('llm_calls_1m', CATALOG);
    const names = familyMeasures(t!.family).map(([n]) => n);
    for (const c of DIGESTS) expect(names).not.toContain(c);
    expect(familyMeasures(t!.family, DIGESTS_RETIRED - 1).map(([n]) => n)).toEqual(
      expect.arrayContaining(DIGESTS),
    );
  });
});

describe('0041 on a store holding rows', () => {
  const tables = async (): Promise<string[]> =>
    (
      await storage.query<{ name: string }>(
        `SELECT name FROM system.tables WHERE database = currentDatabase()`,
      )
    ).map((r) => r.name);

  it('drops llm_calls_1m and its view, every cost table keeping its sums', async () => {
    const held = await rawSums();
    expect(Number(held.calls)).toBe(350);
    expect(await tables()).toContain('llm_calls_1m');
    const result = await migrate(storage, { ttl_days: 400 });
    // 0041 first; later migrations (0042 onwards) follow it in the same run.
    expect(result.applied[0]).toBe('0041_retire_calls_minute');
    const now = await tables();
    expect(now).not.toContain('llm_calls_1m');
    expect(now).not.toContain('llm_calls_1m_mv');
    const costs = rollupTables().filter((x) => x.family.subject.name === 'calls');
    expect(costs.length).toBeGreaterThanOrEqual(7);
    for (const t of costs) expect(await sums(t.table.name), t.table.name).toEqual(held);
  });

  it('feeds llm_costs_tenant_1h from llm_calls, and new calls reach every cost table once', async () => {
    const [view] = await storage.query<{ query: string }>(
      `SELECT as_select AS query FROM system.tables
        WHERE database = currentDatabase() AND name = 'llm_costs_tenant_1h_mv'`,
    );
    expect(view?.query).toMatch(/FROM [\w.]*llm_calls\b/);
    await storage.insert('llm_calls', calls('c', 90));
    const raw = await rawSums();
    expect(Number(raw.calls)).toBe(440);
    for (const t of rollupTables().filter((x) => x.family.subject.name === 'calls'))
      expect(await sums(t.table.name), t.table.name).toEqual(raw);
  });

  it('leaves llm_calls_1m to history: the planner and rebuilds no longer see it', async () => {
    expect(rollupTable('llm_calls_1m')).toBeUndefined();
    expect(historyTable('llm_calls_1m')?.table.until).toBe(CALLS_MINUTE_RETIRED);
    expect((await migrate(storage, { ttl_days: 400 })).applied).toEqual([]);
  });
});
