// Growing the catalog on a store that already holds data: one edit each adds a dimension to a
// family, a measure to a subject and a new family, as the next three migrations after the
// checked-in ones. The generator leaves every
// existing migration as it was, the new migrations apply on the populated store, old rows are
// rebuilt to carry the new columns, views keep filling them, and the planner answers from the new
// shapes exactly what llm_calls answers.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, migrationVersions } from '../../src/storage/catalog/catalog.js';
import {
  CALLS,
  COST_MEASURES,
  PERF,
  added,
  count,
  money,
} from '../../src/storage/catalog/measures.js';
import { LLM_CALLS, addedColumn } from '../../src/storage/catalog/tables.js';
import type { Catalog, Family } from '../../src/storage/catalog/types.js';
import { createStorage } from '../../src/storage/client.js';
import { MIGRATIONS_DIR, migrate, renderSql, splitStatements } from '../../src/storage/migrate.js';
import { planRead, type Read } from '../../src/storage/planner/plan.js';
import { readSql } from '../../src/storage/planner/sql.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { generateMigrations } from '../../src/storage/sqlgen/migrations.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END = Math.floor(Date.now() / DAY) * DAY - DAY + 5 * HOUR + 23 * 60_000 + 17_000;
const START = END - 3 * DAY - 7 * HOUR - 41 * 60_000 - 13_000;

// The next versions after the checked-in catalog's: a dimension, a measure, a family.
const [V_DIM, V_MEASURE, V_FAMILY] = [1, 2, 3].map((k) => Math.max(...migrationVersions()) + k) as [
  number,
  number,
  number,
];
const migrationName = (v: number, name: string): string => `${String(v).padStart(4, '0')}_${name}`;

/** The checked-in catalog plus the three edits a contributor would make. */
function grown(): Catalog {
  const calls = {
    ...CALLS,
    measures: {
      ...CALLS.measures,
      hedged_calls: added(V_MEASURE, count('hedged')),
      billed_cost: added(V_MEASURE, money('sum(billed_cost)')),
    },
  };
  const families: Family[] = CATALOG.families.map((f) => {
    if (f.subject === PERF && f.name === 'perf')
      return { ...f, dims: [...f.dims, { name: 'service', since: V_DIM }] };
    if (f.subject !== CALLS) return f;
    return {
      ...f,
      subject: calls,
      ...(f.measures !== undefined
        ? { measures: [...COST_MEASURES, 'hedged_calls', 'billed_cost'] }
        : {}),
    };
  });
  families.push({
    name: 'costs_route_model',
    subject: calls,
    dims: ['route', 'model'],
    measures: ['calls', 'cost_total', 'hedged_calls'],
    doc: 'A small time-first family for route and model cost questions.',
    tables: [
      { name: 'llm_costs_route_model_1h', grain: 'hour', from: 'llm_calls', since: V_FAMILY },
    ],
  });
  // The measure's column in llm_calls arrives in the same migration.
  const baseTables = CATALOG.baseTables.map((t) =>
    t === LLM_CALLS
      ? { ...t, columns: [...t.columns, addedColumn(V_MEASURE, 'billed_cost', 'Decimal(38, 18)')] }
      : t,
  );
  return { ...CATALOG, baseTables, families };
}

const catalog = grown();
const generated = generateMigrations(catalog);
const dir = mkdtempSync(join(tmpdir(), 'llm-finops-grown-'));
let storage: QueryRunner;

const calls = (offset: number): Record<string, unknown>[] =>
  Array.from({ length: 240 }, (_, i) => ({
    call_id: `e${offset + i}`,
    kind: 'inference',
    status: i % 9 === 0 ? 'error' : 'ok',
    tenant: `t${i % 3}`,
    service: `svc-${i % 4}`,
    route: i % 2 === 0 ? '/chat' : '/search',
    model: i % 3 === 0 ? 'gpt-4o' : 'claude',
    provider: 'openai',
    start_time: new Date(START + (((offset + i) * 1_237_000) % (END - START))).toISOString(),
    duration_ms: 50 + i,
    hedged: i % 5 === 0,
    cost_total: `0.00000000000000${String(i).padStart(4, '0')}`,
  }));

async function rows(r: Read): Promise<Record<string, unknown>[]> {
  const { sql, params } = readSql(r, '', catalog);
  return (await storage.query(`${sql} ORDER BY ${r.dims.join(', ') || '1'}`, params)) as Record<
    string,
    unknown
  >[];
}

async function exact(r: Read): Promise<Record<string, unknown>[]> {
  const fromRollups = await rows(r);
  expect(fromRollups).toEqual(await rows({ ...r, source: 'raw' }));
  return fromRollups;
}

beforeAll(async () => {
  for (const m of generated) writeFileSync(join(dir, `${m.name}.sql`), m.single);
  storage = await createStorage({
    database: 'default',
    dataDir: mkdtempSync(join(tmpdir(), 'llm-finops-grow-')),
  });
  await migrate(storage, { ttl_days: 400 });
  await storage.insert('llm_calls', calls(0));
});
afterAll(async () => storage.close());

describe('one catalog edit per dimension, measure and family', () => {
  it('leaves every existing migration as it is and adds one migration per edit', () => {
    const names = generated.map((m) => m.name);
    expect(names.slice(-3)).toEqual([
      migrationName(V_DIM, 'perf_service'),
      migrationName(V_MEASURE, 'llm_calls_billed_cost'),
      migrationName(V_FAMILY, 'costs_route_model'),
    ]);
    for (const m of generated.slice(0, -3))
      expect(m.single, m.name).toBe(readFileSync(join(MIGRATIONS_DIR, `${m.name}.sql`), 'utf8'));
  });

  it('applies on a store that holds data, rebuilding the rollups that gained a column', async () => {
    const result = await migrate(storage, { ttl_days: 400 }, dir);
    expect(result.applied).toEqual(generated.slice(-3).map((m) => m.name));
    const range = { from: new Date(START), to: new Date(END) };
    const perf: Read = {
      subject: 'perf',
      ...range,
      dims: ['service'],
      measures: ['attempts', 'errors', 'duration_h'],
    };
    const tables = planRead(perf, catalog).segments.map((s) => s.table?.name ?? 'raw');
    expect(tables).toEqual(expect.arrayContaining(['llm_perf_1d', 'llm_perf_1h', 'llm_perf_1m']));
    expect((await exact(perf)).map((r) => r.service)).toEqual(['svc-0', 'svc-1', 'svc-2', 'svc-3']);
    const hedged: Read = {
      subject: 'calls',
      ...range,
      dims: ['tenant'],
      measures: ['calls', 'hedged_calls', 'cost_total'],
      filters: { kind: ['inference', 'embeddings'] },
    };
    expect(planRead(hedged, catalog).family?.name).toBe('costs_per_tenant');
    const byTenant = await exact(hedged);
    expect(byTenant.reduce((a, r) => a + Number(r.hedged_calls), 0)).toBe(48);
    const small: Read = {
      subject: 'calls',
      ...range,
      dims: ['route'],
      measures: ['calls', 'hedged_calls'],
    };
    expect(planRead(small, catalog).family?.name).toBe('costs_route_model');
    expect(await exact(small)).toEqual([
      { route: '/chat', calls: '120', hedged_calls: '24' },
      { route: '/search', calls: '120', hedged_calls: '24' },
    ]);
  });

  it('keeps filling the new columns from new calls, and a re-run of a rebuild adds nothing', async () => {
    await storage.insert(
      'llm_calls',
      calls(1000).map((c, i) => ({ ...c, billed_cost: `0.0${String(i).padStart(3, '0')}1` })),
    );
    const billed: Read = {
      subject: 'calls',
      from: new Date(START),
      to: new Date(END),
      dims: ['tenant'],
      measures: ['billed_cost', 'hedged_calls'],
    };
    const byTenant = await exact(billed);
    const want = calls(1000).reduce(
      (a, _c, i) => a.add(`0.0${String(i).padStart(3, '0')}1`),
      new Decimal(0),
    );
    expect(byTenant.reduce((a, r) => a.add(String(r.billed_cost)), new Decimal(0)).toFixed()).toBe(
      want.toFixed(),
    );
    expect(byTenant.reduce((a, r) => a + Number(r.hedged_calls), 0)).toBe(96);
    const perf: Read = {
      subject: 'perf',
      from: new Date(START),
      to: new Date(END),
      dims: ['service', 'route'],
      measures: ['attempts', 'failed_spend'],
    };
    const before = await exact(perf);
    expect(before.reduce((a, r) => a + Number(r.attempts), 0)).toBe(480);
    const rebuild = generated.find((m) => m.version === V_DIM)?.single ?? '';
    for (const stmt of splitStatements(renderSql(rebuild, { ttl_days: 400 })))
      await storage.command(stmt);
    expect(await rows(perf)).toEqual(before);
    const [sums] = await storage.query<{ day: string; hour: string }>(
      `SELECT (SELECT sum(attempts) FROM llm_perf_1d) AS day, (SELECT sum(attempts) FROM llm_perf_1h) AS hour`,
    );
    expect(sums).toEqual({ day: '480', hour: '480' });
  });

  it('writes cluster statements for the edits that the ClickHouse parser accepts', async () => {
    const statements = generated
      .slice(-3)
      .flatMap((m) => splitStatements(renderSql(m.cluster, { ttl_days: 400 })));
    expect(statements.some((st) => st.startsWith('TRUNCATE'))).toBe(true);
    for (const st of statements) {
      const ast = await storage.query<unknown>(`EXPLAIN AST ${st}`);
      expect(JSON.stringify(ast), st.slice(0, 80)).toMatch(
        /CreateQuery|InsertQuery|AlterQuery|TruncateQuery/,
      );
    }
  });
});
