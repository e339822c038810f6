// Gateways report what they see, through real HTTP: two reference routing clients poll the real
// feed, their own breakers open on a failing target (so no failing call ever reaches llm_calls),
// they POST llm-gateway-report/v1 to /v1/routing/reports, the rows land in gateway_reports, and
// the feed opens that target's circuit fleet-wide, then probes it back and ramps it up in bounded
// steps. A full reservation's 429s are reported as attempts, never as failures or openings.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/analytics/http/app.js';
import type { FeedService } from '../../src/analytics/routing/feed.js';
import { createAnalyticsServices } from '../../src/analytics/services.js';
import {
  RoutingClient,
  type FeedDocument,
  type GatewayReport,
} from '../../src/routing-client/index.js';
import { parseConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { seed, spread, startStore } from './alerts-routing-seed.js';

const T = Date.UTC(
  new Date().getUTCFullYear(),
  new Date().getUTCMonth(),
  new Date().getUTCDate(),
  12,
);
const MIN = 60_000;
let now = T;
let storage: QueryRunner;
let server: Server;
let url = '';
let feed: FeedService;

const PTU = { provider: 'azure.ai.openai', model: 'gpt-4o', deployment: 'eastus-ptu' };
const PAYG = { provider: 'azure.ai.openai', model: 'gpt-4o', deployment: 'eastus-payg' };
const OAI = { provider: 'openai', model: 'gpt-4o' };
const price = { input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5 };

beforeAll(async () => {
  const store = await startStore();
  storage = store.storage;
  const config = parseConfig({
    storage: { data_dir: store.dataDir },
    routing: {
      feed_id: 'reports-feed',
      pools: [
        {
          pool: 'gpt-4o',
          targets: [
            { id: 'ptu', ...PTU, kind: 'provisioned', capacity: { tpm: 1_000_000 } },
            { id: 'payg', ...PAYG, kind: 'on_demand', pricing: price },
            { id: 'oai', ...OAI, kind: 'on_demand', pricing: price },
          ],
        },
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
  for (const target of [PTU, PAYG, OAI])
    await seed(storage, spread(200, T - 65 * MIN, T, { ...target, ttftMs: 300 }));
});

afterAll(async () => {
  server?.close();
  await storage?.close();
});

async function doc(): Promise<FeedDocument> {
  return (await (await fetch(`${url}/v1/routing/feed`)).json()) as FeedDocument;
}
const target = (d: FeedDocument, id: string) =>
  d.pools[0]!.tiers.flatMap((t) => t.targets).find((t) => t.id === id)!;

async function gateway(name: string, reports: GatewayReport[]): Promise<RoutingClient> {
  const keys = (await (await fetch(`${url}/v1/routing/keys`)).json()) as {
    keys: { kid: string; public_key_pem: string }[];
  };
  const client = new RoutingClient({
    url: `${url}/v1/routing/feed`,
    keys: Object.fromEntries(keys.keys.map((k) => [k.kid, k.public_key_pem])),
    now: () => now,
    random: () => 0.99, // the last weighted target of a tier: oai while it has weight
    report: { gateway: name, intervalMs: 3_600_000, onReport: (r) => reports.push(r) },
  });
  expect(await client.poller.poll()).toBe('updated');
  return client;
}

describe('gateway reports', () => {
  it('refuses a malformed report naming the field', async () => {
    const res = await fetch(`${url}/v1/routing/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        schema: 'llm-gateway-report/v1',
        gateway: 'g',
        start: new Date(now).toISOString(),
        interval_ms: 1_000,
        targets: [
          { pool: 'p', target: 't', attempts: 1, failures: 2, breaker_opens: 0, open_ms: 0 },
        ],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/targets\.0\.failures/);
  });

  it('down-weights fleet-wide a target every gateway avoids, then probes it back gradually', async () => {
    await feed.recompute();
    expect(target(await doc(), 'oai').weight).toBeGreaterThan(0);
    const reports: GatewayReport[] = [];
    const gws = [await gateway('gw-a', reports), await gateway('gw-b', reports)];
    // oai answers 503 to both gateways; the PTU is full (429) the whole time.
    const seen: string[] = [];
    for (const gw of gws)
      for (let i = 0; i < 15; i++)
        await gw.execute('gpt-4o', {}, async (ctx) => {
          seen.push(ctx.targetId);
          if (ctx.targetId === 'ptu') return { status: 429, retryAfterMs: 1 };
          return ctx.targetId === 'oai' ? { status: 503 } : { status: 200, value: 1 };
        });
    for (const gw of gws) expect(gw.breaker.isOpen('oai')).toBe(true);
    expect(gws.some((gw) => gw.breaker.isOpen('ptu'))).toBe(false);
    now += 20_000;
    for (const gw of gws) await gw.reporter!.flush();
    expect(reports).toHaveLength(2);
    const oai = reports[0]!.targets.find((t) => t.target === 'oai')!;
    expect(oai).toMatchObject({ breaker_opens: 1, open_ms: 20_000 });
    expect(oai.failures).toBe(oai.attempts);
    expect(reports[0]!.targets.find((t) => t.target === 'ptu')).toMatchObject({
      failures: 0,
      breaker_opens: 0,
      open_ms: 0,
    });
    const rows = await storage.query<{ n: string }>(
      "SELECT count() AS n FROM gateway_reports WHERE target = 'oai'",
    );
    expect(Number(rows[0]!.n)).toBe(2);

    // No failing oai call ever reached llm_calls: only the reports can tell the feed.
    await feed.recompute();
    let d = await doc();
    expect(target(d, 'oai')).toMatchObject({ weight: 0, state: 'drain' });
    expect(d.targets['oai']?.circuit?.reason).toMatch(/every reporting gateway \(2\)/);
    expect(target(d, 'ptu').weight).toBe(100);
    expect(d.targets['ptu']?.circuit?.state ?? 'closed').toBe('closed');

    // After the cooldown: one probe weight; healthy calls since then close it; the way back up
    // is the bounded ramp, not a jump.
    now += 31_000;
    await feed.recompute();
    expect(target(await doc(), 'oai').weight).toBe(5);
    now += 5_000;
    await seed(storage, spread(12, now - 5_000, now, { ...OAI, ttftMs: 300 }));
    await feed.recompute();
    const ramp: number[] = [target(await doc(), 'oai').weight];
    for (let i = 0; i < 3; i++) {
      now += 5_000;
      await feed.recompute();
      d = await doc();
      ramp.push(target(d, 'oai').weight);
    }
    expect(d.targets['oai']?.circuit?.state ?? 'closed').toBe('closed');
    // 5 (probe) -> +20 per version (max_step_up) toward its share.
    expect(ramp).toEqual([25, 45, 50, 50]);
    for (const gw of gws) await gw.stop();
  });
});
