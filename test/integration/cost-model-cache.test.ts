// The closed-day split cache (cost-model-cache.ts) against the JS split (`split: 'js'`, which
// never caches), line for line and digit for digit, on real chDB data over four days: two
// reservations in one engine query and a third starting inside an hour (partially covered hour,
// its first day split live), ranges with partial hours at both ends, remainder ties, hours over
// capacity; asked cold, then warm (answered from the cache), then after a late call lands in a
// cached day (the day must be split again) and with a changed reservation.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmCall } from '../../src/collector/call.js';
import { clearSplitCache, splitCacheStats } from '../../src/analytics/queries/cost-model-cache.js';
import {
  costLines,
  type CostLine,
  type ModelQuery,
} from '../../src/analytics/queries/cost-model.js';
import { parseConfig } from '../../src/shared/config.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { callRow } from '../../src/storage/rows.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { call } from '../fixtures/pricing/exact.js';

const H = 3_600_000;
const M = 60_000;
const D = 24 * H;
const R0 = Date.UTC(2026, 5, 1);
const iso = (ms: number): string => new Date(ms).toISOString();
const TENANTS = ['acme', 'acme corp', 'a"b', 'Zeta', 'émile', '日本', ''];
const ROUTES = ['/chat', '/v1/x', '0x'];
const DEPLOYMENTS = ['ptu-a', 'ptu-a', 'ptu-b', 'ptu-c', 'shared'];

let seed = 11;
const rand = (n: number): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed % n;
};
let n = 0;
function at(ms: number, over: Partial<LlmCall>): LlmCall {
  n += 1;
  const ns = BigInt(ms) * 1_000_000n;
  return call({
    call_id: `cc-${n}`,
    span_id: `cc-${n}`,
    start_time_ns: ns,
    end_time_ns: ns + 1_000_000_000n,
    provider: 'openai',
    request_model: 'gpt-4.1',
    capacity_tier: 'provisioned',
    cost_total: '0.001',
    list_cost: '0.002',
    ...over,
  });
}

// Four days (the last one still open at NOW), 6 calls an hour on average.
const calls: LlmCall[] = [];
for (let h = 0; h < 4 * 24 - 6; h++)
  for (let i = rand(12); i > 0; i--)
    calls.push(
      at(R0 + h * H + rand(60) * M + rand(60_000), {
        tenant: TENANTS[rand(TENANTS.length)] ?? '',
        route: ROUTES[rand(ROUTES.length)] ?? '',
        deployment: DEPLOYMENTS[rand(DEPLOYMENTS.length)] ?? '',
        capacity_tier: rand(8) === 0 ? 'on_demand' : 'provisioned',
        input_tokens: [100, 200, 300, 4000][rand(4)] ?? 0,
        cache_read_tokens: [0, 50][rand(2)] ?? 0,
        output_tokens: [0, 10, 50][rand(3)] ?? 0,
      }),
    );
// A tie hour on day 1: equal calls, so the group order decides the leftover units.
for (const tenant of TENANTS)
  calls.push(at(R0 + D + 9 * H + 30 * M, { tenant, deployment: 'ptu-a', input_tokens: 100 }));

const reservations = parseConfig({
  finops: {
    reservations: [
      {
        name: 'a',
        deployment: 'ptu-a',
        units: 3,
        price_per_unit_hour: '0.7',
        tokens_per_minute_per_unit: 100,
        weights: { input: 1, cached_input: 0, cache_write: 1, output: 3 },
      },
      {
        name: 'b',
        deployment: 'ptu-b',
        units: 2,
        price_per_unit_hour: '1.3',
        tokens_per_minute_per_unit: 90,
      },
      // Starts inside an hour of day 1: that hour is partly covered, day 1 is split live.
      {
        name: 'c',
        deployment: 'ptu-c',
        units: 1,
        price_per_unit_hour: '2',
        tokens_per_minute_per_unit: 120,
        start: iso(R0 + D + 5 * H + 17 * M + 4_500),
      },
    ],
  },
}).finops.reservations;

const plain = (lines: CostLine[]): unknown[] =>
  lines
    .map((l) => ({
      kind: l.kind,
      bucket: l.bucket,
      key: l.key,
      reservation: l.reservation,
      billed: l.billed.toFixed(),
      effective: l.effective.toFixed(),
      quantity: l.quantity.toFixed(),
      m: Object.fromEntries(Object.entries(l.m).map(([k, v]) => [k, v.toFixed()])),
    }))
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

let dir = '';
let storage: QueryRunner;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llm-finops-cost-cache-'));
  storage = await createStorage({ database: 'default', dataDir: dir });
  await migrate(storage, { ttl_days: 400 });
  await storage.insert('llm_calls', calls.map(callRow).join('\n'));
}, 60_000);
afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Day 3 is open at NOW; the range starts and ends inside hours.
const NOW = new Date(R0 + 3 * D + 20 * H);
const BASE: ModelQuery = {
  from: new Date(R0 + 3 * H + 7 * M + 3250),
  to: new Date(R0 + 3 * D + 14 * H + 41 * M + 12_500),
  dims: ['tenant'],
  reservations,
  now: NOW,
};
const ASKS: [string, Partial<ModelQuery>][] = [
  ['by tenant', {}],
  ['by tenant, spread', { unused: 'spread' }],
  ['by route and tenant per day', { dims: ['route', 'tenant'], bucket: 'day' }],
  ['by tenant per week, spread', { bucket: 'week', unused: 'spread' }],
  ['by deployment per month', { dims: ['deployment'], bucket: 'month' }],
];

/** The engine's lines (cache counters before and after) and the JS split's. */
async function both(
  q: ModelQuery,
): Promise<{ engine: unknown[]; js: unknown[]; hits: number; stored: number }> {
  const before = splitCacheStats(storage);
  const engine = plain(await costLines(storage, { ...q, split: 'engine' }));
  const after = splitCacheStats(storage);
  const js = plain(await costLines(storage, { ...q, split: 'js' }));
  return { engine, js, hits: after.hits - before.hits, stored: after.stored - before.stored };
}

describe('the closed-day split cache', () => {
  for (const [name, ask] of ASKS)
    it(`gives the JS split's digits cold and warm: ${name}`, async () => {
      clearSplitCache(storage);
      const q = { ...BASE, ...ask };
      const cold = await both(q);
      expect(cold.engine).toEqual(cold.js);
      // Days 1 and 2 are whole and closed, and so are the whole hours of days 0 and 3 before
      // NOW: a block each, per batch (a and b share one; c, with another range, has its own).
      expect(cold.hits).toBe(0);
      expect(cold.stored).toBeGreaterThanOrEqual(2 + 20 + 14);
      const warm = await both(q);
      expect(warm.hits).toBe(cold.stored);
      expect(warm.stored).toBe(0);
      expect(warm.engine).toEqual(cold.js);
      expect(cold.js.some((l) => (l as { reservation: string }).reservation === 'c')).toBe(true);
    });

  it('splits a cached day again when a late call lands in it', async () => {
    clearSplitCache(storage);
    const old = await both(BASE);
    expect((await both(BASE)).hits).toBeGreaterThan(0);
    // A late call on day 1 (closed, cached): without invalidation the engine would keep the
    // day's old shares and disagree with the JS split of the new data.
    const late = at(R0 + D + 9 * H + 31 * M, {
      tenant: 'Zeta',
      deployment: 'ptu-a',
      input_tokens: 977,
    });
    await storage.insert('llm_calls', callRow(late));
    const now = await both(BASE);
    expect(now.engine).toEqual(now.js);
    expect(now.engine).not.toEqual(old.engine);
    expect(now.stored).toBe(1);
    expect(now.hits).toBe(old.stored - 1);
  });

  it('does not answer a changed reservation from the old one', async () => {
    clearSplitCache(storage);
    await both(BASE);
    const all = (await both(BASE)).hits;
    const changed = reservations.map((r) => (r.name === 'a' ? { ...r, units: 4 } : r));
    const q = { ...BASE, reservations: changed };
    const got = await both(q);
    expect(got.engine).toEqual(got.js);
    // a and b share a batch (one query, one cache shape): none of its blocks hit; c's do.
    expect(got.hits).toBeGreaterThan(0);
    expect(got.hits).toBeLessThan(all / 2);
    expect(got.engine).not.toEqual((await both(BASE)).engine);
  });

  it('leaves filtered questions and hourly buckets uncached, same digits', async () => {
    clearSplitCache(storage);
    for (const ask of [
      { tenant: 'acme' },
      { bucket: 'hour' as const },
      { filters: { route: '/chat' } },
    ]) {
      const got = await both({ ...BASE, ...ask });
      expect(got.engine).toEqual(got.js);
      expect(got.stored + got.hits).toBe(0);
    }
  });
});
