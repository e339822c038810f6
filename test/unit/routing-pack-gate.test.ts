// The gateway side of packing a full reservation (pack-gate.ts, packing.ts): a request sent on
// demand past a reservation in its Retry-After cooldown is that reservation's spill; the
// packer's estimate of a request's cached tokens is its kind's cached prefix, not a share of its
// input.
import { describe, expect, it } from 'vitest';
import { ReservationPacker, type TokenPrices } from '../../src/routing-client/packing.js';
import { RoutingClient, type FeedDocument } from '../../src/routing-client/index.js';

const PRICES: TokenPrices = { input: 2.5e-6, cached: 1.25e-6, output: 1e-5 };

/** A deterministic random in [0, 1) (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('packer: a kind caches its prefix, not a share of each input', () => {
  it('ranks a short ticket (small uncached tail) above a chat turn, a long one below', () => {
    const p = new ReservationPacker(seeded(3));
    // A ticket: 1024 cached system tokens, the ticket text uncached; a chat turn as in the demo.
    p.learn('ticket', { input: 1_900, cached: 1_024, output: 120 });
    p.learn('chat', { input: 1_450, cached: 1_152, output: 240 });
    const took = { short: 0, long: 0, chat: 0 };
    for (let i = 0; i < 600; i++) {
      const which = (['short', 'long', 'chat'] as const)[i % 3]!;
      const input = which === 'short' ? 1_150 : which === 'long' ? 3_000 : undefined;
      const ok = p.decide(which === 'chat' ? 'chat' : 'ticket', 0.25, PRICES, input);
      if (i >= 60 && ok === true) took[which]++;
    }
    // A 1150-token ticket is 126 reserved tokens for ~$1.7k per million saved; proportional
    // caching would have counted 534 uncached tokens and ranked it below the chat turn.
    expect(took.short).toBe(180);
    expect(took.long).toBe(0);
    expect(took.chat).toBeLessThan(180);
  });
});

function doc(): FeedDocument {
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
            overflow_on: [429],
            targets: [{ id: 'ptu', weight: 100, state: 'active' }],
          },
          { tier: 1, name: 'on_demand', targets: [{ id: 'a', weight: 100, state: 'active' }] },
        ],
        retry: {
          attempts: 1,
          on_status: [429],
          honor_retry_after: true,
          max_retry_after_ms: 10_000,
        },
      },
    ],
    budgets: [],
  };
}

describe('client: a request sent past a cooling reservation is its spill', () => {
  it('marks the on-demand first attempt spilledFrom the reservation until Retry-After ends', async () => {
    let t = 1_000_000;
    const client = new RoutingClient({
      url: 'http://127.0.0.1:1/unused',
      keys: {},
      now: () => t,
      fallback: doc(),
    });
    const firsts: { target: string; spilledFrom?: string }[] = [];
    const send = (ptuStatus: number) =>
      client.execute('p', {}, async (ctx) => {
        if (ctx.attempt === 1)
          firsts.push({
            target: ctx.targetId,
            ...(ctx.spilledFrom ? { spilledFrom: ctx.spilledFrom } : {}),
          });
        return ctx.targetId === 'ptu' && ptuStatus === 429
          ? { status: 429, retryAfterMs: 2_000 }
          : { status: 200, value: ctx.targetId };
      });
    await send(429); // the reservation is full for 2 s
    await send(200);
    t += 2_001;
    await send(200);
    expect(firsts).toEqual([
      { target: 'ptu' },
      { target: 'a', spilledFrom: 'ptu' },
      { target: 'ptu' },
    ]);
  });
});
