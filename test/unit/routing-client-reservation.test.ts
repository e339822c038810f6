// The client side of reservation first: a full reservation's 429 never opens the gateway's
// breaker, and a gateway whose own breakers rule out every target still sends the first
// attempt somewhere.
import { describe, expect, it } from 'vitest';
import { RoutingClient, type FeedDocument } from '../../src/routing-client/index.js';

function clientDoc(): FeedDocument {
  return {
    schema: 'llm-routing-feed/v1',
    feed_id: 'f',
    version: 1,
    generated_at: new Date(0).toISOString(),
    ttl_s: 10,
    hard_expiry: new Date(Date.now() + 3_600_000).toISOString(),
    targets: {
      ptu: { provider: 'azure.ai.openai', model: 'm', kind: 'provisioned' },
      a: { provider: 'openai', model: 'm', kind: 'on_demand' },
    },
    pools: [
      {
        pool: 'p',
        tiers: [
          {
            tier: 0,
            name: 'provisioned',
            overflow_on: [429, 503, 'timeout'],
            targets: [{ id: 'ptu', weight: 100, state: 'active' }],
          },
          { tier: 1, name: 'on_demand', targets: [{ id: 'a', weight: 100, state: 'active' }] },
        ],
        retry: {
          attempts: 1,
          on_status: [429, 500, 502, 503, 504],
          honor_retry_after: true,
          max_retry_after_ms: 10_000,
        },
        circuit: {
          failure_rate: 0.5,
          min_requests: 2,
          window_s: 60,
          open_s: 30,
          on_status: [429, 500],
        },
      },
    ],
    budgets: [],
  };
}

describe('routing client: a full reservation is not a broken one', () => {
  it('overflows a PTU 429, cools it for Retry-After only, never opens its breaker', async () => {
    let t = 1_000_000;
    const client = new RoutingClient({
      url: 'http://127.0.0.1:9/unused',
      keys: {},
      fallback: clientDoc(),
      now: () => t,
    });
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const v = await client.execute('p', {}, async (ctx) => {
        seen.push(ctx.targetId);
        return ctx.targetId === 'ptu'
          ? { status: 429, retryAfterMs: 500 }
          : { status: 200, value: ctx.targetId };
      });
      expect(v).toBe('a');
      t += 600; // past the Retry-After: the PTU is tried again first
    }
    expect(seen.filter((x) => x === 'ptu')).toHaveLength(6);
    expect(client.breaker.isOpen('ptu')).toBe(false);
    // Within the Retry-After the PTU is skipped, after it the PTU is first again.
    await client.execute(
      'p',
      {},
      async (ctx) => (
        seen.push(ctx.targetId),
        ctx.targetId === 'ptu' ? { status: 429, retryAfterMs: 500 } : { status: 200, value: 1 }
      ),
    );
    seen.length = 0;
    t += 100;
    await client.execute(
      'p',
      {},
      async (ctx) => (seen.push(ctx.targetId), { status: 200, value: 1 }),
    );
    expect(seen).toEqual(['a']);
    t += 500;
    await client.execute(
      'p',
      {},
      async (ctx) => (seen.push(ctx.targetId), { status: 200, value: 1 }),
    );
    expect(seen).toEqual(['a', 'ptu']);
  });

  it('still opens the breaker of an on-demand target on its 5xx, and tries a target when every breaker is open', async () => {
    let t = 2_000_000;
    const client = new RoutingClient({
      url: 'http://127.0.0.1:9/unused',
      keys: {},
      fallback: clientDoc(),
      now: () => t,
    });
    const fail = async (): Promise<{ status: number }> => ({ status: 500 });
    for (let i = 0; i < 3; i++) await client.execute('p', {}, fail).catch(() => undefined);
    expect(client.breaker.isOpen('a')).toBe(true);
    expect(client.breaker.isOpen('ptu')).toBe(true);
    t += 1_000;
    const seen: string[] = [];
    const v = await client.execute(
      'p',
      {},
      async (ctx) => (seen.push(ctx.targetId), { status: 200, value: ctx.targetId }),
    );
    expect(v).toBe('ptu');
    expect(seen).toEqual(['ptu']);
  });

  it("never hands a full reservation's 429 to the user while an untried target exists", async () => {
    let t = 3_000_000;
    const client = new RoutingClient({
      url: 'http://127.0.0.1:9/unused',
      keys: {},
      fallback: clientDoc(),
      now: () => t,
    });
    // Open the on-demand target's breaker (5xx), then the PTU is full.
    for (let i = 0; i < 3; i++)
      await client
        .execute('p', {}, async (ctx) => (ctx.targetId === 'a' ? { status: 500 } : { status: 429 }))
        .catch(() => undefined);
    expect(client.breaker.isOpen('a')).toBe(true);
    t += 10;
    const seen: string[] = [];
    const v = await client.execute('p', {}, async (ctx) => {
      seen.push(ctx.targetId);
      return ctx.targetId === 'ptu' ? { status: 429 } : { status: 200, value: ctx.targetId };
    });
    expect([v, seen]).toEqual(['a', ['ptu', 'a']]);
  });
});
