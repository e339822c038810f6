// Questions filtered on a reservation's own columns (deployment, provider, model, capacity tier)
// on real chDB data: the engine split (now used for them too) gives the JS split's lines digit for
// digit, and both agree with what the calls say independently: a question on one deployment
// counts exactly that deployment's calls, never moves another reservation's covered calls off its
// on-demand lines (it did: negative on-demand rows), and shows each covered group the share it
// has in the unfiltered question (a share is taken of every covered call of the hour).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmCall } from '../../src/collector/call.js';
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
const R0 = Date.UTC(2026, 6, 1, 0);
const FROM = R0 + 11 * M + 500;
const TO = R0 + 3 * H + 47 * M;

let seed = 11;
const rand = (n: number): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return Math.floor((seed / 2_147_483_648) * n); // the high bits: an LCG's low bits cycle
};
const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)] as T;

const calls: LlmCall[] = [];
for (let i = 0; i < 400; i++) {
  const ms = R0 + rand(4 * 60) * M + rand(60_000);
  const ns = BigInt(ms) * 1_000_000n;
  const provider = pick(['openai', 'openai', 'anthropic']);
  const model = provider === 'openai' ? pick(['gpt-4.1', 'gpt-4o']) : 'claude-sonnet-4';
  calls.push(
    call({
      call_id: `cs-${i}`,
      span_id: `cs-${i}`,
      start_time_ns: ns,
      end_time_ns: ns + 1_000_000_000n,
      tenant: pick(['acme', 'globex', 'initech', 'umbrella']),
      route: pick(['/chat', '/search']),
      deployment: pick(['ptu-a', 'ptu-a', 'ptu-b', 'od-x']),
      provider,
      request_model: model,
      model,
      capacity_tier: pick(['provisioned', 'provisioned', '', 'on_demand', 'priority']),
      input_tokens: pick([100, 400, 2000]),
      cache_read_tokens: pick([0, 50]),
      output_tokens: pick([0, 30, 200]),
      cost_total: '0.001',
      list_cost: '0.002',
    }),
  );
}
// Every covered hour sees a few calls of each reservation, some hours over capacity.
const reservations = parseConfig({
  finops: {
    reservations: [
      {
        name: 'a',
        deployment: 'ptu-a',
        units: 2,
        price_per_unit_hour: '0.9',
        tokens_per_minute_per_unit: 600,
        weights: { input: 1, cached_input: 0, cache_write: 1, output: 4 },
      },
      {
        name: 'b',
        deployment: 'ptu-b',
        provider: 'openai',
        model: 'gpt-4.1',
        units: 1,
        price_per_unit_hour: '1.3',
        tokens_per_minute_per_unit: 900,
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
  dir = mkdtempSync(join(tmpdir(), 'llm-finops-cost-scope-'));
  storage = await createStorage({ database: 'default', dataDir: dir });
  await migrate(storage, { ttl_days: 400 });
  await storage.insert('llm_calls', calls.map(callRow).join('\n'));
}, 60_000);
afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const base: ModelQuery = {
  from: new Date(FROM),
  to: new Date(TO),
  dims: ['tenant'],
  reservations,
  now: new Date(R0 + 30 * 24 * H),
};
// {}: no filter, but the batch mixes a reservation naming provider and model with one that does
// not (the read groups by provider and model: the other's groups came split in several rows).
const SCOPES: Record<string, string>[] = [
  {},
  { deployment: 'ptu-a' },
  { deployment: 'ptu-b' },
  { deployment: 'od-x' },
  { provider: 'openai' },
  { provider: 'anthropic' },
  { model: 'gpt-4.1' },
  { capacity_tier: 'provisioned' },
  { capacity_tier: 'on_demand' },
  { deployment: 'ptu-b', tenant: 'acme' },
];
const inRange = (c: LlmCall): boolean => {
  const ms = Number(c.start_time_ns / 1_000_000n);
  return ms >= FROM && ms < TO;
};
const sumCalls = (lines: readonly CostLine[]): number =>
  lines
    .filter((l) => l.kind === 'usage')
    .reduce((a, l) => a + Number(l.m.calls?.toFixed() ?? 0), 0);

describe('questions filtered on a coverage column', () => {
  for (const filters of SCOPES)
    for (const ask of [
      { dims: ['tenant'] },
      { dims: ['route', 'tenant'], bucket: 'hour', unused: 'spread' },
    ] as Partial<ModelQuery>[])
      it(`engine = JS, digit for digit: ${JSON.stringify(filters)} ${JSON.stringify(ask)}`, async () => {
        const { tenant, ...rest } = filters;
        const q: ModelQuery = { ...base, ...ask, filters: rest, tenant };
        const want = await costLines(storage, { ...q, split: 'js' });
        const got = await costLines(storage, { ...q, split: 'engine' });
        expect(plain(got)).toEqual(plain(want));
        // Independently of both splits: the calls the filter selects, counted from the fixture.
        const count = calls.filter(
          (c) =>
            inRange(c) &&
            (tenant === undefined || c.tenant === tenant) &&
            Object.entries(rest).every(([dim, v]) => c[dim as keyof LlmCall] === v),
        ).length;
        expect(count).toBeGreaterThan(0);
        expect(sumCalls(got)).toBe(count);
        for (const l of got)
          if (l.kind === 'usage') expect(l.m.calls?.isNeg() ?? false).toBe(false);
      });

  it("shows on one deployment only its reservation, each tenant's share as unfiltered", async () => {
    const all = await costLines(storage, base);
    for (const [deployment, name] of [
      ['ptu-a', 'a'],
      ['ptu-b', 'b'],
    ] as const) {
      const one = await costLines(storage, { ...base, filters: { deployment } });
      const shown = new Set(one.map((l) => l.reservation));
      expect(shown.has(name)).toBe(true);
      expect([...shown].every((x) => x === '' || x === name)).toBe(true);
      const covered = (ls: readonly CostLine[]): Record<string, string> =>
        Object.fromEntries(
          ls
            .filter((l) => l.kind === 'usage' && l.reservation === name)
            .map((l) => [l.key.tenant ?? '', l.effective.toFixed()]),
        );
      expect(Object.keys(covered(one)).length).toBeGreaterThan(0);
      expect(covered(one)).toEqual(covered(all));
    }
  });

  it('moves nothing under a tier no reservation covers', async () => {
    const lines = await costLines(storage, { ...base, filters: { capacity_tier: 'on_demand' } });
    expect(lines.every((l) => l.kind === 'usage' && l.reservation === '')).toBe(true);
  });
});
