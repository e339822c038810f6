// Partial days read as whole days minus the rest of the day (plan.ts cutRange `complement`,
// signed.ts) on real chDB: every tenant family's answer must equal llm_calls' for windows whose
// edges are read that way, including groups that exist only in the subtracted rest (they must not
// appear), groups only in an edge, a histogram bucket that nets to zero, Decimal money down to
// 10^-18, and calls exactly at `from` and `to`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryCache } from '../../src/analytics/queries/cache.js';
import { groupReadSql, USAGE_MEASURES } from '../../src/analytics/queries/cost-model-read.js';
import { queryLatency } from '../../src/analytics/queries/latency.js';
import { queryReliability } from '../../src/analytics/queries/reliability.js';
import { BILLABLE_KINDS, COST_MEASURES } from '../../src/storage/catalog/measures.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import type { Read } from '../../src/storage/planner/plan.js';
import { readRows } from '../../src/storage/planner/read.js';
import { readSql } from '../../src/storage/planner/sql.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { generateSql } from '../bench/analytics-gen.js';
import { canonicalRows } from '../helpers/canonical.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;
const D = END - 5 * DAY;
const TENANT = 'edge';
/** [name, from, to]: edges read as their day minus the rest, or one edge raw and one so. */
const RANGES: [string, number, number][] = [
  ['ragged both ends', D + 3 * HOUR + 17_300, D + 3 * DAY + 21 * HOUR - 42_100],
  ['inside one day', D + HOUR + 500, D + 23 * HOUR - 500],
  // The first day's 8 h read raw, the last day's rest (8 h 15 min) subtracted: one llm_calls
  // SELECT with both signs.
  ['added edge, subtracted rest', D + 16 * HOUR + 17_300, D + DAY + 15 * HOUR + 45 * 60_000],
];
const [A_FROM, A_TO] = [RANGES[0]![1], RANGES[0]![2]];

let dir: string;
let storage: QueryRunner;

const iso = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
let n = 0;
const call = (ms: number, route: string, fields: Record<string, unknown> = {}) => ({
  call_id: `edge-${n++}`,
  trace_id: `edge-t${n}`,
  kind: 'inference',
  status: 'ok',
  tenant: TENANT,
  route,
  provider: 'openai',
  model: 'gpt-4o',
  deployment: 'dep-0',
  start_time: iso(ms),
  attempt: 1,
  duration_ms: 800,
  ttft_ms: 120,
  streaming: true,
  output_tokens: 50,
  input_tokens: 1000,
  cache_read_tokens: 400,
  cost_total: '0.123456789012345678',
  ...fields,
});

const CALLS = [
  // Only in the rest of the first day (before `from`): must not appear.
  call(D + HOUR, '/before-from', {
    status: 'error',
    http_status: 500,
    cost_total: '0.000000000000000001',
  }),
  call(A_FROM - 1, '/before-from'),
  // Only in the first edge, at `from` exactly, and only in the last edge.
  call(A_FROM, '/at-from'),
  call(D + 3 * HOUR + 30_000, '/in-head', { cache_hit: true, cache_layer: 'semantic' }),
  call(D + 3 * DAY + 20 * HOUR, '/in-tail', { prompt_version: 'v9' }),
  // Only in the rest of the last day (at `to` exactly, and after): must not appear.
  call(A_TO, '/after-to'),
  call(D + 3 * DAY + 23 * HOUR, '/after-to', { model: 'gpt-4o-mini' }),
  // Both sides: the 150 ms bucket and the error are all outside the range, the 5 s call inside.
  call(D + 2 * HOUR, '/mixed', { duration_ms: 150 }),
  call(D + 10 * HOUR, '/mixed', { duration_ms: 5000, cost_total: '0.000000000000000007' }),
  call(D + 3 * DAY + 22 * HOUR, '/mixed', { duration_ms: 150, status: 'error' }),
  // For the third range: in its raw first edge, inside its last day, in that day's subtracted rest.
  call(D + 20 * HOUR, '/late-first', { duration_ms: 150 }),
  call(D + DAY + 2 * HOUR, '/early-second', { duration_ms: 150 }),
  call(D + DAY + 18 * HOUR, '/rest-second', { duration_ms: 150 }),
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'read-complement-'));
  storage = await createStorage({ database: 'default', dataDir: dir });
  await migrate(storage, { ttl_days: 400 });
  // Other tenants' (and t0's) calls around them, as the benchmark makes them.
  await storage.command(generateSql(0, 30_000, 30_000, END));
  await storage.insert('llm_calls', CALLS);
}, 120_000);

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

const READS: [string, Omit<Read, 'from' | 'to'>][] = [
  [
    'perf',
    {
      subject: 'perf',
      dims: ['route', 'provider'],
      measures: ['attempts', 'ok_calls', 'errors', 'spend', 'failed_spend', 'duration_h', 'ttft_h'],
    },
  ],
  [
    'cache',
    {
      subject: 'cache',
      dims: ['route', 'cache_layer', 'model', 'prompt_version'],
      measures: ['rows', 'hits', 'prompt_calls', 'read_calls', 'prompt_tokens', 'read_tokens'],
    },
  ],
  [
    'costs',
    {
      subject: 'calls',
      dims: ['route', 'model'],
      measures: COST_MEASURES,
      filters: { kind: BILLABLE_KINDS },
    },
  ],
  [
    'costs by day',
    {
      subject: 'calls',
      dims: ['route'],
      bucket: 'day',
      measures: ['calls', 'cost_total', 'input_tokens'],
      filters: { kind: BILLABLE_KINDS },
    },
  ],
  [
    'cache by hour',
    {
      subject: 'cache',
      dims: ['route'],
      bucket: 'hour',
      measures: ['rows', 'hits', 'read_tokens'],
    },
  ],
];

describe('partial days as whole days minus their rest', () => {
  for (const [range, from, to] of RANGES)
    for (const [name, base] of READS)
      for (const tenant of [TENANT, 't0'])
        it(`${name}, ${range}, ${tenant}: equals llm_calls`, async () => {
          const read: Read = {
            ...base,
            from: new Date(from),
            to: new Date(to),
            filters: { ...base.filters, tenant },
          };
          const { plan } = readSql(read, '', undefined, { flat: true });
          expect(plan.segments.some((s) => s.sign === -1)).toBe(true);
          const fast = await readRows(storage, { ...read, source: 'rollup' });
          const raw = await readRows(storage, { ...read, source: 'raw' });
          expect(fast.length).toBeGreaterThan(0);
          expect(canonicalRows(fast)).toEqual(canonicalRows(raw));
          if (tenant === TENANT && range === 'added edge, subtracted rest')
            expect(fast.map((r) => r.route).sort()).toEqual(['/early-second', '/late-first']);
          if (tenant === TENANT && range === 'ragged both ends') {
            const routes = fast.map((r) => r.route).sort();
            expect(routes).not.toContain('/before-from');
            expect(routes).not.toContain('/after-to');
            expect(routes).toContain('/at-from');
            expect(routes).toContain('/in-tail');
          }
        });

  it('the questions answer as from llm_calls (latency, reliability, cache, costs)', async () => {
    const q = { from: new Date(A_FROM), to: new Date(A_TO), tenant: TENANT };
    const slos = { routes: { '/mixed': { latency_ms: 1000 } }, fallback: { latency_ms: 2000 } };
    const latency = { ...q, groupBy: ['route' as const], slos };
    const fast = await queryLatency(storage, { ...latency, source: 'rollup' });
    expect(fast).toEqual(await queryLatency(storage, { ...latency, source: 'raw' }));
    const mixed = fast.find((r) => r.route === '/mixed');
    // One call inside the range (5 s): no 150 ms bucket left, no error.
    expect([mixed?.calls, mixed?.errors, mixed?.latency_ms.p50]).toEqual([
      1,
      0,
      expect.any(Number),
    ]);
    expect(mixed!.latency_ms.p50).toBeGreaterThan(4000);
    const rel = { ...q, groupBy: ['provider' as const, 'deployment' as const] };
    expect(await queryReliability(storage, { ...rel, source: 'rollup' })).toEqual(
      await queryReliability(storage, { ...rel, source: 'raw' }),
    );
    expect(await queryCache(storage, { ...q, source: 'rollup' })).toEqual(
      await queryCache(storage, { ...q, source: 'raw' }),
    );
    const costs = {
      from: q.from,
      to: q.to,
      dims: ['route' as const],
      filters: { tenant: TENANT },
      measures: USAGE_MEASURES,
    };
    const a = groupReadSql(costs);
    const b = groupReadSql({ ...costs, source: 'raw' });
    const rows = await storage.query(a.sql, a.params);
    expect(canonicalRows(rows)).toEqual(canonicalRows(await storage.query(b.sql, b.params)));
    const mixedCost = rows.find((r) => r.route === '/mixed');
    expect(String(mixedCost?.cost_usd)).toMatch(/^0\.0*7$/);
  });
});
