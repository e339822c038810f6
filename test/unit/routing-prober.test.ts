// Probes (prober.ts): the reference client, against a real local feed server, sends one minimal
// request to an active on-demand target no attempt has gone to for idleMs, never to a
// reservation or a drained target, counts it in the local breaker, and a real attempt resets
// the idle clock.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutingClient, signDocument, type FeedDocument } from '../../src/routing-client/index.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
let server: Server;
let url = '';
let clock = Date.UTC(2026, 5, 1, 12);

function feed(): FeedDocument {
  return signDocument(
    {
      schema: 'llm-routing-feed/v1',
      feed_id: 't',
      version: 1,
      generated_at: new Date(clock).toISOString(),
      ttl_s: 10,
      hard_expiry: new Date(clock + 3_600_000).toISOString(),
      targets: {
        ptu: { provider: 'azure.ai.openai', model: 'gpt-4o', kind: 'provisioned' },
        a: { provider: 'openai', model: 'gpt-4o', kind: 'on_demand' },
        b: { provider: 'openai', model: 'gpt-4o', kind: 'on_demand' },
        gone: { provider: 'openai', model: 'gpt-4o', kind: 'on_demand' },
      },
      pools: [
        {
          pool: 'chat',
          tiers: [
            {
              tier: 0,
              name: 'provisioned',
              overflow_on: [429],
              targets: [{ id: 'ptu', weight: 100, state: 'active' }],
            },
            {
              tier: 1,
              name: 'on_demand',
              targets: [
                { id: 'a', weight: 90, state: 'active' },
                { id: 'b', weight: 10, state: 'active' },
                { id: 'gone', weight: 0, state: 'drain' },
              ],
            },
          ],
          circuit: {
            failure_rate: 0.5,
            min_requests: 3,
            window_s: 600,
            open_s: 600,
            on_status: [],
          },
          admission: { tenants: {} },
        },
      ],
      budgets: [],
      changes: [],
    },
    privateKey,
    'k',
  );
}

beforeAll(async () => {
  const body = JSON.stringify(feed());
  server = createServer((_req, res) => {
    res.writeHead(200, { etag: '"p"', 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/routing/feed`;
});
afterAll(() => server.close());

async function client(status: number, report = false) {
  const probed: string[] = [];
  const c = new RoutingClient({
    ...(report ? { report: { gateway: 'g1', url: false as const } } : {}),
    url,
    keys: { k: publicKey },
    now: () => clock,
    random: () => 0.99, // the weighted pick lands on b
    probe: { idleMs: 8_000, run: async (id) => (probed.push(id), { status }) },
  });
  await c.poller.poll();
  return { c, probed };
}

describe('prober', () => {
  it('probes idle on-demand targets only, and a real attempt resets the idle clock', async () => {
    const { c, probed } = await client(200);
    await c.prober!.probeIdle(); // first sight starts the idle clocks
    expect(probed).toEqual([]);
    clock += 5_000;
    // A real request: the reservation answers 429, the overflow goes to b.
    await c.execute('chat', {}, async (ctx) => ({ status: ctx.targetId === 'ptu' ? 429 : 200 }));
    clock += 3_000;
    await c.prober!.probeIdle();
    expect(probed).toEqual(['a']); // 8 s idle; b was tried 3 s ago; never ptu or a drained target
    clock += 5_000;
    await c.prober!.probeIdle();
    expect(probed).toEqual(['a', 'b']);
  });

  it('a failing probe counts in the local breaker, is confirmed soon, and the open breaker stops it', async () => {
    const { c, probed } = await client(0);
    await c.prober!.probeIdle();
    clock += 8_000;
    await c.prober!.probeIdle();
    expect(probed).toEqual(['a', 'b']);
    // A failed probe is confirmed at the next check, not a whole idle period later.
    clock += 2_000;
    await c.prober!.probeIdle();
    expect(probed).toEqual(['a', 'b', 'a', 'b']);
    for (let i = 0; i < 5; i++) {
      clock += 2_000;
      await c.prober!.probeIdle();
    }
    // The client's default breaker (5 requests, 50%, 60 s) opens after five failed probes;
    // the rounds after that probe nothing.
    expect(probed.filter((id) => id === 'a')).toHaveLength(5);
    expect(probed.filter((id) => id === 'b')).toHaveLength(5);
    expect(c.breaker.available('a')).toBe(false);
  });

  it("a request's failure makes its target probed at every check for two idle periods, then idle again", async () => {
    const { c, probed } = await client(200);
    await c.prober!.probeIdle(); // first sight starts the idle clocks
    clock += 8_000;
    await c.prober!.probeIdle();
    expect(probed).toEqual(['a', 'b']);
    // A request to b fails (503): b is due at the next check, a is not (probed 2 s ago).
    await c
      .execute('chat', {}, async (ctx) => ({ status: ctx.targetId === 'b' ? 503 : 429 }))
      .catch(() => undefined);
    clock += 2_000;
    await c.prober!.probeIdle();
    expect(probed.slice(2)).toEqual(['b']);
    // Its probes succeed, yet it stays under watch for 16 s after the failure: probed at 2, 4,
    // ..., 14 s, not at 16.
    for (let i = 0; i < 7; i++) {
      clock += 2_000;
      await c.prober!.probeIdle();
    }
    expect(probed.slice(2).filter((id) => id === 'b')).toHaveLength(7);
    // Then a whole idle period again (8 s).
    const before = probed.length;
    clock += 2_000;
    await c.prober!.probeIdle();
    clock += 2_000;
    await c.prober!.probeIdle();
    expect(probed.slice(before).filter((id) => id === 'b')).toEqual([]);
  });

  it("a probe's outcome is in this gateway's report, as an attempt of that target", async () => {
    const { c } = await client(503, true);
    await c.prober!.probeIdle();
    clock += 8_000;
    await c.prober!.probeIdle();
    const a = c.reporter!.take()?.targets.find((t) => t.target === 'a');
    expect(a).toMatchObject({ attempts: 1, failures: 1 });
  });
});
