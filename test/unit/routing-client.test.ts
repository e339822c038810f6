// The reference routing client against a real local feed server: ETag polling, signature
// checks (a tampered document is refused), fail-static until hard_expiry, tiered weighted
// picks, overflow, local breaker, Retry-After, admission (429 + Retry-After, bounded queue),
// budget denial and the degraded tier.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdmissionError,
  BudgetDeniedError,
  FeedPoller,
  RoutingClient,
  UpstreamError,
  signDocument,
  type FeedDocument,
  type FeedPool,
} from '../../src/routing-client/index.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const KID = 'test-key';
const keys = { [KID]: publicKey };
let clock = Date.UTC(2026, 5, 1, 12);
const now = (): number => clock;

function doc(
  version: number,
  pool: Partial<FeedPool> = {},
  extra: Partial<FeedDocument> = {},
): FeedDocument {
  return signDocument(
    {
      schema: 'llm-routing-feed/v1',
      feed_id: 't',
      version,
      generated_at: new Date(clock).toISOString(),
      ttl_s: 10,
      hard_expiry: new Date(clock + 3_600_000).toISOString(),
      targets: {
        ptu: { provider: 'azure.ai.openai', model: 'gpt-4o', kind: 'provisioned' },
        a: { provider: 'openai', model: 'gpt-4o', kind: 'on_demand' },
        b: { provider: 'anthropic', model: 'claude', kind: 'on_demand' },
        mini: { provider: 'openai', model: 'gpt-4o-mini', kind: 'on_demand' },
      },
      pools: [
        {
          pool: 'chat',
          tiers: [
            {
              tier: 0,
              name: 'provisioned',
              overflow_on: [429, 503, 'timeout'],
              targets: [{ id: 'ptu', weight: 100, state: 'active' }],
            },
            {
              tier: 1,
              name: 'on_demand',
              targets: [
                { id: 'a', weight: 70, state: 'active' },
                { id: 'b', weight: 30, state: 'active' },
                { id: 'mini', weight: 0, state: 'drain' },
              ],
            },
          ],
          retry: {
            attempts: 1,
            on_status: [500, 502, 503, 504],
            honor_retry_after: true,
            max_retry_after_ms: 10_000,
          },
          circuit: {
            failure_rate: 0.5,
            min_requests: 2,
            window_s: 60,
            open_s: 30,
            on_status: [500],
          },
          admission: {
            default: { max_inflight: 1, queue_max: 1, queue_timeout_ms: 100 },
            tenants: { big: { tpm: 1_000, queue_max: 0, queue_timeout_ms: 0 } },
          },
          ...pool,
        },
      ],
      budgets: [
        {
          scope: 'tenant',
          key: 'broke',
          period: '1d',
          limit_usd: 5,
          on_exhaust: 'deny',
          spent_usd: 6,
          state: 'exhausted',
        },
      ],
      ...extra,
    },
    privateKey,
    KID,
  );
}

let served: { status: number; body: string; etag: string } = {
  status: 200,
  body: JSON.stringify(doc(1)),
  etag: '"v1"',
};
let lastInm: string | undefined;
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    lastInm = req.headers['if-none-match'];
    if (lastInm === served.etag) return void res.writeHead(304, { etag: served.etag }).end();
    res
      .writeHead(served.status, { etag: served.etag, 'content-type': 'application/json' })
      .end(served.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/routing/feed`;
});
afterAll(() => server.close());

describe('polling and verification', () => {
  it('polls with ETag, refuses a tampered document, stays fail-static until hard_expiry', async () => {
    const fallback = doc(0);
    const poller = new FeedPoller({ url, keys, now, fallback });
    expect(poller.source()).toBe('static');
    expect(await poller.poll()).toBe('updated');
    expect(await poller.poll()).toBe('not_modified');
    expect(lastInm).toBe('"v1"');
    const tampered = doc(2);
    (tampered.pools[0] as FeedPool).tiers[1]!.targets[0]!.weight = 1;
    served = { status: 200, body: JSON.stringify(tampered), etag: '"v2"' };
    expect(await poller.poll()).toBe('rejected');
    expect(poller.lastError).toMatch(/signature does not match/);
    expect(poller.document()?.version).toBe(1);
    served = { status: 200, body: JSON.stringify(doc(3)), etag: '"v3"' };
    expect(await poller.poll()).toBe('updated');
    served = { status: 200, body: JSON.stringify(doc(2)), etag: '"v2b"' };
    expect(await poller.poll()).toBe('stale');
    served = { status: 500, body: 'down', etag: '"x"' };
    expect(await poller.poll()).toBe('error');
    expect(poller.document()?.version).toBe(3);
    clock += 3_600_001;
    expect([poller.source(), poller.document()?.version]).toEqual(['static', 0]);
    const unknownKey = new FeedPoller({ url, keys: { other: publicKey }, now });
    served = { status: 200, body: JSON.stringify(doc(9)), etag: '"v9"' };
    expect(await unknownKey.poll()).toBe('rejected');
    expect(unknownKey.lastError).toMatch(/unknown key id/);
  });
});

async function clientWith(d: FeedDocument, random = () => 0.5): Promise<RoutingClient> {
  served = { status: 200, body: JSON.stringify(d), etag: `"c${d.version}"` };
  const client = new RoutingClient({ url, keys, now, random });
  await client.poller.poll();
  return client;
}

describe('routing decisions', () => {
  it('provisioned first; overflow to on-demand on 429, honouring Retry-After', async () => {
    const client = await clientWith(doc(10));
    const seen: string[] = [];
    const out = await client.execute('chat', {}, async (ctx) => {
      seen.push(`${ctx.targetId}@${ctx.tier}`);
      return ctx.targetId === 'ptu'
        ? { status: 429, retryAfterMs: 2_000 }
        : { status: 200, value: ctx.feedVersion };
    });
    expect(out).toBe(10);
    expect(seen).toEqual(['ptu@0', 'a@1']);
    // ptu is cooling down for its Retry-After: the next request goes straight to tier 1.
    seen.length = 0;
    await client.execute('chat', {}, async (ctx) => (seen.push(ctx.targetId), { status: 200 }));
    expect(seen).toEqual(['a']);
    clock += 2_001;
    seen.length = 0;
    await client.execute('chat', {}, async (ctx) => (seen.push(ctx.targetId), { status: 200 }));
    expect(seen).toEqual(['ptu']);
  });

  it('picks by weight within a tier and opens a local circuit on failures', async () => {
    const picks = { a: 0, b: 0 };
    for (const r of [0.1, 0.5, 0.69, 0.71, 0.99]) {
      const client = await clientWith(
        doc(20, { tiers: [(doc(20).pools[0] as FeedPool).tiers[1]!] }),
        () => r,
      );
      await client.execute(
        'chat',
        {},
        async (ctx) => (picks[ctx.targetId as 'a' | 'b']++, { status: 200 }),
      );
    }
    expect(picks).toEqual({ a: 3, b: 2 });
    const client = await clientWith(
      doc(21, { tiers: [(doc(21).pools[0] as FeedPool).tiers[1]!] }),
      () => 0.1,
    );
    for (let i = 0; i < 2; i++)
      await client.execute('chat', {}, async (ctx) => ({
        status: ctx.targetId === 'a' ? 500 : 200,
      }));
    expect(client.breaker.isOpen('a')).toBe(true);
    const seen: string[] = [];
    await client.execute('chat', {}, async (ctx) => (seen.push(ctx.targetId), { status: 200 }));
    expect(seen).toEqual(['b']);
  });

  it('fails with the last status when every attempt fails; a 4xx is not retried', async () => {
    const client = await clientWith(doc(30));
    await expect(client.execute('chat', {}, async () => ({ status: 503 }))).rejects.toBeInstanceOf(
      UpstreamError,
    );
    const tries: string[] = [];
    await expect(
      client.execute('chat', {}, async (ctx) => (tries.push(ctx.targetId), { status: 400 })),
    ).rejects.toMatchObject({ status: 400 });
    expect(tries).toHaveLength(1);
  });

  it('enforces admission: in flight with a bounded queue, tokens per minute, 429 with Retry-After', async () => {
    const client = await clientWith(doc(40));
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const first = client.execute(
      'chat',
      { tenant: 't' },
      async () => (await hold, { status: 200 }),
    );
    const queued = client.execute('chat', { tenant: 't' }, async () => ({
      status: 200,
      value: 'queued',
    }));
    await expect(
      client.execute('chat', { tenant: 't' }, async () => ({ status: 200 })),
    ).rejects.toMatchObject({ name: 'AdmissionError', status: 429, retryAfterS: 1 });
    release();
    await first;
    expect(await queued).toBe('queued');
    await client.execute('chat', { tenant: 'big', tokens: 800 }, async () => ({ status: 200 }));
    const err = await client
      .execute('chat', { tenant: 'big', tokens: 300 }, async () => ({ status: 200 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AdmissionError);
    expect((err as AdmissionError).retryAfterS).toBe(60);
  });

  it('denies a tenant whose budget is exhausted until the period ends', async () => {
    const client = await clientWith(doc(50));
    const err = await client
      .execute('chat', { tenant: 'broke' }, async () => ({ status: 200 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetDeniedError);
    expect((err as BudgetDeniedError).retryAfterS).toBeGreaterThan(0);
  });

  it('applies the degraded tier when the feed turns it on, for everyone or for listed tenants', async () => {
    const degraded = {
      active: false,
      tenants: ['acme'],
      target: 'mini',
      max_tokens: 256,
      tools: false,
    };
    const client = await clientWith(doc(60, { degraded }));
    const ctxs: { id: string; degraded: unknown }[] = [];
    const run = (tenant: string) =>
      client.execute(
        'chat',
        { tenant },
        async (ctx) => (ctxs.push({ id: ctx.targetId, degraded: ctx.degraded }), { status: 200 }),
      );
    await run('acme');
    await run('other');
    expect(ctxs).toEqual([
      { id: 'mini', degraded: { target: 'mini', max_tokens: 256, tools: false } },
      { id: 'ptu', degraded: undefined },
    ]);
  });
});
