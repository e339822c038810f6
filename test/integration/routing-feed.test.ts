// The routing feed on real chDB with an injected clock: weights move away from a degraded
// target within the configured time and ramp back after recovery; circuits open, probe and
// close; versions are signed (verified with the published key), monotonic, 304 when unchanged;
// budgets and the degraded tier show up; LiteLLM and Portkey renderings follow the reference.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/analytics/http/app.js';
import type { FeedService } from '../../src/analytics/routing/feed.js';
import { createAnalyticsServices } from '../../src/analytics/services.js';
import { verifyDocument } from '../../src/routing-client/canonical.js';
import type { FeedDocument, FeedPool } from '../../src/routing-client/types.js';
import { parseConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { seed, spread, startStore, type CallSpec } from './alerts-routing-seed.js';

const DAY = Date.UTC(
  new Date().getUTCFullYear(),
  new Date().getUTCMonth(),
  new Date().getUTCDate(),
);
const T = DAY + 12 * 3_600_000;
const S = 1_000;
const MIN = 60_000;

let storage: QueryRunner;
let server: Server;
let url = '';
let now = T;
let feed: FeedService;

const PAYG = { provider: 'azure.ai.openai', model: 'gpt-4o', deployment: 'eastus-payg' };
const OAI = { provider: 'openai', model: 'gpt-4o' };
const PTU = { provider: 'azure.ai.openai', model: 'gpt-4o', deployment: 'eastus-ptu' };
const price = { input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5 };

beforeAll(async () => {
  const store = await startStore();
  storage = store.storage;
  const config = parseConfig({
    storage: { data_dir: store.dataDir },
    routing: {
      feed_id: 'test-feed',
      recompute_every_s: 5,
      ttl_s: 10,
      pools: [
        {
          pool: 'gpt-4o',
          slo_p95_ms: 20_000,
          targets: [
            {
              id: 'ptu',
              ...PTU,
              kind: 'provisioned',
              capacity: { tpm: 1_000_000 },
              bind: { portkey_provider: '@azure-ptu' },
            },
            {
              id: 'payg',
              ...PAYG,
              kind: 'on_demand',
              pricing: price,
              bind: { portkey_provider: '@azure-payg' },
            },
            {
              id: 'oai',
              ...OAI,
              kind: 'on_demand',
              pricing: price,
              bind: { portkey_provider: '@openai' },
            },
          ],
          degraded: { model: 'gpt-4o-mini', max_tokens: 512, tools: false },
          admission: { default: { max_inflight: 8, queue_max: 4 } },
        },
      ],
      budgets: [
        { scope: 'tenant', key: 'acme', period: 'day', ceiling_usd: '1', on_exhaust: 'deny' },
      ],
    },
  });
  const services = createAnalyticsServices({
    storage,
    logger: createLogger('silent'),
    config,
    now: () => new Date(now),
  });
  feed = services.feed;
  server = createApp({ ...services, checkResponses: true }).listen(0);
  await new Promise((r) => server.once('listening', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const healthy =
    (target: object) =>
    (i: number): Omit<CallSpec, 'atMs'> => ({
      ...target,
      ttftMs: 280 + (i % 5) * 10,
      durationMs: 1_500,
      tenant: 'beta',
    });
  for (const target of [PTU, PAYG, OAI])
    await seed(storage, spread(300, T - 65 * MIN, T, healthy(target)));
  // acme spent $0.95 of its $1 daily budget: budget pressure, not yet exhausted.
  await seed(
    storage,
    spread(19, T - 30 * MIN, T - 20 * MIN, { ...PTU, tenant: 'acme', costUsd: '0.05' }),
  );
});

afterAll(async () => {
  server?.close();
  await storage?.close();
});

async function getFeed(
  headers: Record<string, string> = {},
  query = '',
): Promise<{ status: number; etag: string | null; doc: FeedDocument; res: Response }> {
  const res = await fetch(`${url}/v1/routing/feed${query}`, { headers });
  const text = await res.text();
  return {
    status: res.status,
    etag: res.headers.get('etag'),
    doc: (text !== '' ? JSON.parse(text) : undefined) as FeedDocument,
    res,
  };
}

const pool = (doc: FeedDocument): FeedPool => doc.pools[0] as FeedPool;
const weightOf = (doc: FeedDocument, id: string): number =>
  pool(doc)
    .tiers.flatMap((t) => t.targets)
    .find((t) => t.id === id)?.weight ?? -1;
const stateOf = (doc: FeedDocument, id: string): string =>
  pool(doc)
    .tiers.flatMap((t) => t.targets)
    .find((t) => t.id === id)?.state ?? '';

async function step(ms: number): Promise<FeedDocument> {
  now += ms;
  await feed.recompute();
  return (await getFeed()).doc;
}

describe('routing feed', () => {
  it('publishes provisioned first, overflow after, signed with the published key', async () => {
    await feed.recompute();
    const { status, doc, etag, res } = await getFeed();
    expect(status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=5');
    expect(etag).toBe(`"test-feed-v${doc.version}"`);
    expect(doc).toMatchObject({ schema: 'llm-routing-feed/v1', feed_id: 'test-feed', ttl_s: 10 });
    expect(Date.parse(doc.hard_expiry) - Date.parse(doc.generated_at)).toBe(3_600_000);
    expect(
      pool(doc).tiers.map((t) => [t.tier, t.name, t.targets.map((x) => `${x.id}:${x.weight}`)]),
    ).toEqual([
      [0, 'provisioned', ['ptu:100']],
      [1, 'on_demand', ['payg:50', 'oai:50']],
    ]);
    expect(pool(doc).tiers[0]?.overflow_on).toEqual([429, 503, 'timeout']);
    const keys = (await (await fetch(`${url}/v1/routing/keys`)).json()) as {
      keys: { kid: string; public_key_pem: string }[];
    };
    const key = keys.keys[0] as { kid: string; public_key_pem: string };
    expect(doc.signature?.kid).toBe(key.kid);
    expect(verifyDocument(doc, { [key.kid]: key.public_key_pem })).toEqual({ ok: true });
    const tampered = { ...doc, pools: [{ ...pool(doc), tiers: [] }] };
    expect(verifyDocument(tampered, { [key.kid]: key.public_key_pem }).ok).toBe(false);
  });

  it('answers 304 to If-None-Match while nothing changed', async () => {
    const first = await getFeed();
    const again = await getFeed({ 'if-none-match': first.etag as string });
    expect(again.status).toBe(304);
    expect(again.etag).toBe(first.etag);
    const result = await feed.recompute();
    expect(result.published).toBe(false);
    expect((await getFeed({ 'if-none-match': `W/${first.etag as string}, "other"` })).status).toBe(
      304,
    );
  });

  it('reports budgets and switches the degraded tier on for a tenant under budget pressure', async () => {
    const { doc } = await getFeed();
    expect(doc.budgets).toEqual([
      expect.objectContaining({
        scope: 'tenant',
        key: 'acme',
        state: 'warning',
        on_exhaust: 'deny',
        spent_usd: 0.95,
      }),
    ]);
    expect(pool(doc).degraded).toMatchObject({
      active: false,
      tenants: ['acme'],
      model: 'gpt-4o-mini',
      max_tokens: 512,
      tools: false,
    });
    expect(pool(doc).admission).toEqual({
      default: { max_inflight: 8, queue_max: 4, queue_timeout_ms: 2_000 },
      tenants: {},
    });
  });

  it('opens the circuit of an erroring target within one recomputation, probes, and ramps it back', async () => {
    const v0 = (await getFeed()).doc.version;
    await seed(
      storage,
      spread(30, now - 50 * S, now + 5 * S, (i) => ({ ...OAI, error: i % 5 < 2, tenant: 'beta' })),
    );
    const open = await step(5 * S);
    expect(open.version).toBe(v0 + 1);
    expect([weightOf(open, 'oai'), stateOf(open, 'oai')]).toEqual([0, 'drain']);
    expect(open.targets.oai?.circuit).toMatchObject({ state: 'open' });
    expect(open.changes?.find((c) => c.target === 'oai')?.reasons[0]).toMatch(
      /circuit open: error rate \d+\.\d% >= 25\.0% over 60 s/,
    );
    // payg takes the tier, its increase bounded by max_step_up (weights are relative: 70 vs 0 is 100%).
    expect(weightOf(open, 'payg')).toBe(70);
    const cooling = await step(25 * S);
    expect(weightOf(cooling, 'oai')).toBe(0);
    const probe = await step(5 * S);
    expect([weightOf(probe, 'oai'), probe.targets.oai?.circuit?.state]).toEqual([5, 'half_open']);
    await seed(storage, spread(10, now + 500, now + 4 * S, { ...OAI, tenant: 'beta' }));
    const ramp: number[] = [];
    for (let i = 0; i < 4; i++) {
      const d = await step(5 * S);
      ramp.push(weightOf(d, 'oai'));
    }
    expect(ramp).toEqual([25, 45, 50, 50]);
  });

  it('shifts weight away from a target whose TTFT drifts, within the configured time, and back after recovery', async () => {
    const before = (await getFeed()).doc;
    expect(weightOf(before, 'payg')).toBe(50);
    await seed(
      storage,
      spread(400, now - 50 * S, now + 5 * S, {
        ...PAYG,
        ttftMs: 1_500,
        durationMs: 3_000,
        tenant: 'beta',
      }),
    );
    const drifted = await step(5 * S);
    expect(weightOf(drifted, 'payg')).toBeLessThan(10);
    expect(drifted.changes?.find((c) => c.target === 'payg')?.reasons.join(' ')).toMatch(
      /TTFT p50 1500 ms is 5\.\d+x baseline/,
    );
    // A slow spell (not a burst) is needed to open the circuit: still closed.
    expect(drifted.targets.payg?.circuit?.state).toBe('closed');
    // Recovery: six minutes of healthy calls push the slow ones out of the health window.
    await seed(
      storage,
      spread(400, now, now + 6 * MIN, { ...PAYG, ttftMs: 290, durationMs: 1_500, tenant: 'beta' }),
    );
    now += 6 * MIN;
    const back: number[] = [];
    for (let i = 0; i < 4; i++) back.push(weightOf(await step(5 * S), 'payg'));
    expect(back[0]).toBeLessThanOrEqual(weightOf(drifted, 'payg') + 20);
    expect(back.at(-1)).toBe(50);
    expect(back).toEqual([...back].sort((a, b) => a - b));
  });

  it('records why weights moved in the version history', async () => {
    const res = await fetch(`${url}/v1/routing/versions?limit=100`);
    const body = (await res.json()) as {
      versions: { version: number; changes: { target: string; reasons: string[] }[] }[];
    };
    const versions = body.versions.map((v) => v.version);
    expect(versions).toEqual([...versions].sort((a, b) => b - a));
    expect(
      body.versions
        .flatMap((v) => v.changes)
        .some((c) => c.target === 'oai' && c.reasons.some((r) => r.includes('probe'))),
    ).toBe(true);
    expect((await fetch(`${url}/v1/routing/versions?limit=0`)).status).toBe(400);
  });

  it('renders LiteLLM and Portkey configs', async () => {
    const { doc } = await getFeed();
    const lite = (await getFeed({}, '?format=litellm')).doc as unknown as {
      feed_version: number;
      model_list: {
        model_name: string;
        litellm_params: Record<string, unknown>;
        model_info: { id: string };
      }[];
    };
    expect(lite.feed_version).toBe(doc.version);
    expect(
      lite.model_list.map((m) => [m.model_info.id, m.litellm_params.model, m.litellm_params.order]),
    ).toEqual([
      ['ptu', 'azure/eastus-ptu', 1],
      ['payg', 'azure/eastus-payg', 2],
      ['oai', 'openai/gpt-4o', 2],
    ]);
    const pk = (await getFeed({}, '?format=portkey&pool=gpt-4o')).doc as unknown as {
      strategy: { mode: string; on_status_codes: number[] };
      targets: Record<string, unknown>[];
    };
    expect(pk.strategy).toMatchObject({ mode: 'fallback', on_status_codes: [429, 503, 408] });
    expect(pk.targets[0]).toMatchObject({ provider: '@azure-ptu', weight: 100 });
    expect(pk.targets[1]).toMatchObject({ strategy: { mode: 'loadbalance' } });
    const bad = await fetch(`${url}/v1/routing/feed?format=envoy`);
    expect([bad.status, ((await bad.json()) as { parameter: string }).parameter]).toEqual([
      400,
      'format',
    ]);
    expect((await fetch(`${url}/v1/routing/feed?format=portkey&pool=nope`)).status).toBe(404);
  });
});
