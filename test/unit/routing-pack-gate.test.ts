// The gateway side of packing a full reservation (pack-gate.ts, packing.ts): a request sent on
// demand past a reservation in its Retry-After cooldown is that reservation's spill; the
// packer's estimate of a request's cached tokens is its kind's cached prefix, not a share of its
// input; a ranking gone stale (a prompt change) still gives the reservation its share.
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

describe('packer: a stale ranking still fills the share', () => {
  it('takes ~80% of the share or more when every new request ranks below the window', () => {
    const p = new ReservationPacker(seeded(5));
    // Before a prompt change: a cached, output-heavy kind fills the ranking window.
    p.learn('v1', { input: 1_500, cached: 1_400, output: 400 });
    for (let i = 0; i < 256; i++) p.decide('v1', 1, PRICES);
    // After it: an uncached kind worth less per reserved token than every v1 request.
    p.learn('v2', { input: 1_500, cached: 0, output: 100 });
    let taken = 0;
    for (let i = 0; i < 100; i++) if (p.decide('v2', 0.5, PRICES) !== false) taken++;
    // Ranked alone, none of the first 100 would be taken (v1 tokens stay above half the window).
    expect(taken).toBeGreaterThanOrEqual(40);
    expect(taken).toBeLessThanOrEqual(55);
  });

  it('leaves a fresh ranking alone: the high kind first, the low kind the rest of the share', () => {
    const p = new ReservationPacker(seeded(6));
    p.learn('hi', { input: 1_500, cached: 1_400, output: 400 });
    p.learn('lo', { input: 1_500, cached: 0, output: 100 });
    const took = { hi: 0, lo: 0 };
    for (let i = 0; i < 1_000; i++) {
      // Three low for one high: the high kind's tokens are well under the 50% share.
      const k = i % 4 === 0 ? 'hi' : 'lo';
      const ok = p.decide(k, 0.5, PRICES);
      if (i >= 300 && ok === true) took[k]++;
    }
    expect(took.hi).toBe(175);
    // The share left after the high kind (500 of every 5300 tokens) goes to the low kind by the
    // ranking's boundary draw: ~45% of its 525 requests, and the guard adds none beyond that.
    const share = (took.hi * 500 + took.lo * 1_600) / (175 * 500 + 525 * 1_600);
    expect(share).toBeGreaterThan(0.45);
    expect(share).toBeLessThan(0.55);
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
