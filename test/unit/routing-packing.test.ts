// Reservation packing: a full reservation (the feed's fill_share < 1) takes the requests worth
// the most on-demand money per reserved token, the token share the feed asks for, and the rest
// go straight on demand marked as its spill. The packer pure, then the reference client against
// a real local feed server, and the feed side (fillShare from a reservation's demand).
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillShare } from '../../src/analytics/routing/compute.js';
import { emptyStats } from '../../src/analytics/routing/health-query.js';
import { parseConfig } from '../../src/shared/config.js';
import {
  ReservationPacker,
  valueOf,
  type TokenPrices,
  type UsageSample,
} from '../../src/routing-client/packing.js';
import { RoutingClient, signDocument, type FeedDocument } from '../../src/routing-client/index.js';

const PRICES: TokenPrices = { input: 2.5e-6, cached: 1.25e-6, output: 1e-5 };
/** A chat turn: long cached system prompt, short question, a real answer. */
const CHAT: UsageSample = { input: 1_450, cached: 1_152, output: 240 };
/** A ticket summary: long uncached ticket text, a short summary. */
const TICKET: UsageSample = { input: 1_900, cached: 1_024, output: 120 };

/** A deterministic random in [0, 1) (mulberry32), so runs are repeatable. */
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

describe('packer', () => {
  it('values an output-heavy request with a cached prefix above a long uncached input', () => {
    const chat = valueOf(CHAT, PRICES);
    const ticket = valueOf(TICKET, PRICES);
    expect(chat?.tokens).toBe(1_450 - 1_152 + 240);
    expect(chat!.value).toBeGreaterThan(1.3 * ticket!.value);
    expect(valueOf({ input: 0, cached: 0, output: 0 }, PRICES)).toBeUndefined();
  });

  it('has no opinion on an unknown kind or before it has recent requests to rank against', () => {
    const p = new ReservationPacker(seeded(1));
    expect(p.decide('chat', 0.5, PRICES)).toBeUndefined();
    p.learn('chat', CHAT);
    expect(p.decide('chat', 0.5, PRICES)).toBeUndefined();
    expect(p.decide('chat', 1, PRICES)).toBe(true);
  });

  it('sends the full reservation the most valuable kind first', () => {
    const p = new ReservationPacker(seeded(2));
    p.learn('chat', CHAT);
    p.learn('ticket', TICKET);
    const took = { chat: 0, ticket: 0 };
    for (let i = 0; i < 400; i++) {
      const kind = i % 2 === 0 ? 'chat' : 'ticket';
      // chat tokens are ~1/3 of the offered tokens: a 30% share goes to chat alone
      if (p.decide(kind, 0.3, PRICES) === true && i >= 100) took[kind]++;
    }
    expect(took.ticket).toBe(0);
    expect(took.chat).toBeGreaterThan(100);
  });

  it('property: the reserved token share tracks the share asked, and beats random packing on value', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 0.9, noNaN: true }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (share, seed) => {
          const random = seeded(seed);
          const p = new ReservationPacker(random);
          const kinds = [CHAT, TICKET, { input: 1_700, cached: 1_280, output: 240 }];
          kinds.forEach((k, i) => p.learn(`k${i}`, k));
          let offered = 0;
          let reserved = 0;
          let value = 0;
          let all = 0;
          for (let i = 0; i < 3_000; i++) {
            const k = Math.floor(random() * kinds.length);
            const input = 1_000 + Math.floor(random() * 1_200);
            const kind = kinds[k] as UsageSample;
            const take = p.decide(`k${k}`, share, PRICES, input);
            // A kind caches its prefix (the system prompt); the rest of the input is not cached.
            const cached = Math.min(input, kind.cached);
            const v = valueOf({ input, cached, output: kind.output }, PRICES)!;
            if (i < 300) continue; // warm-up
            offered += v.tokens;
            all += v.value * v.tokens;
            if (take !== true) continue;
            reserved += v.tokens;
            value += v.value * v.tokens;
          }
          expect(Math.abs(reserved / offered - share)).toBeLessThan(0.06);
          // random packing at the same share would save share x all
          expect(value).toBeGreaterThan((reserved / offered) * all);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('fillShare (feed)', () => {
  const target = parseConfig({
    routing: {
      pools: [
        {
          pool: 'p',
          targets: [
            {
              id: 'ptu',
              provider: 'openai',
              model: 'm',
              kind: 'provisioned',
              capacity: { tpm: 1_000 },
            },
          ],
        },
      ],
    },
  }).routing.pools[0]!.targets[0]!;

  it('is absent while the reservation has headroom, the share of its demand it can take when full', () => {
    expect(fillShare(target, { ...emptyStats(), tokensPerMinute: 900 })).toBeUndefined();
    const full = { ...emptyStats(), tokensPerMinute: 1_000, spilledTokensPerMinute: 1_100 };
    expect(fillShare(target, full)).toBe(0.5);
    // routing.reservation.offer: a larger offer asks the full reservation for more of the demand.
    expect(fillShare(target, full, 1.26)).toBe(0.6);
    expect(fillShare(target, { ...emptyStats(), tokensPerMinute: 1_200 }, 1.26)).toBeUndefined();
    const onDemand = { ...target, kind: 'on_demand' as const };
    expect(fillShare(onDemand, full)).toBeUndefined();
  });
});

describe('client packing against a real feed', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  let server: Server;
  let body = '';
  let url = '';
  const clock = Date.UTC(2026, 5, 1, 12);
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { etag: '"p"', 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/routing/feed`;
  });
  afterAll(() => server.close());

  function feed(fill: number | undefined): FeedDocument {
    const pricing = {
      input_cost_per_token: PRICES.input,
      output_cost_per_token: PRICES.output,
      cache_read_input_token_cost: PRICES.cached,
    };
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
          a: { provider: 'openai', model: 'gpt-4o', kind: 'on_demand', pricing },
        },
        pools: [
          {
            pool: 'chat',
            tiers: [
              {
                tier: 0,
                name: 'provisioned',
                overflow_on: [429],
                targets: [
                  {
                    id: 'ptu',
                    weight: 100,
                    state: 'active',
                    ...(fill !== undefined ? { fill_share: fill } : {}),
                  },
                ],
              },
              { tier: 1, name: 'on_demand', targets: [{ id: 'a', weight: 100, state: 'active' }] },
            ],
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

  /** `refuse`: the reservation answers every 10th request it gets with 429 (it is full). */
  async function run(fill: number | undefined, refuse = true) {
    body = JSON.stringify(feed(fill));
    const client = new RoutingClient({
      url,
      keys: { k: publicKey },
      now: () => clock,
      random: seeded(3),
    });
    await client.poller.poll();
    const seen: { kind: string; target: string; spilledFrom?: string }[] = [];
    let ptuCalls = 0;
    for (let i = 0; i < 200; i++) {
      const kind = i % 2 === 0 ? 'chat' : 'ticket';
      await client.execute('chat', { valueKey: kind }, async (ctx) => {
        // Each request's first attempt: where the packing sent it.
        if (ctx.attempt === 1)
          seen.push({
            kind,
            target: ctx.targetId,
            ...(ctx.spilledFrom ? { spilledFrom: ctx.spilledFrom } : {}),
          });
        if (ctx.targetId === 'ptu' && refuse && ++ptuCalls % 10 === 1) return { status: 429 };
        return { status: 200, usage: kind === 'chat' ? CHAT : TICKET };
      });
    }
    return seen.slice(50);
  }

  it('a full reservation gets the valuable kind; the rest go on demand as its spill', async () => {
    const seen = await run(0.3);
    const onPtu = seen.filter((s) => s.target === 'ptu');
    expect(onPtu.length).toBeGreaterThan(20);
    expect(onPtu.every((s) => s.kind === 'chat')).toBe(true);
    const spilled = seen.filter((s) => s.target === 'a');
    expect(spilled.some((s) => s.kind === 'ticket')).toBe(true);
    expect(spilled.every((s) => s.spilledFrom === 'ptu')).toBe(true);
  });

  it('a packed-off request whose on-demand attempt fails never ends on the full reservation', async () => {
    body = JSON.stringify(feed(0.3));
    const client = new RoutingClient({
      url,
      keys: { k: publicKey },
      now: () => clock,
      random: seeded(4),
    });
    await client.poller.poll();
    let ptuCalls = 0;
    const outcomes: { kind: string; tried: string[]; error?: number }[] = [];
    for (let i = 0; i < 200; i++) {
      const kind = i % 2 === 0 ? 'chat' : 'ticket';
      const tried: string[] = [];
      const error = await client
        .execute('chat', { valueKey: kind }, async (ctx) => {
          tried.push(ctx.targetId);
          if (ctx.targetId === 'ptu')
            return ++ptuCalls % 10 === 1 ? { status: 429 } : { status: 200, usage: CHAT };
          return i >= 100
            ? { status: 503 }
            : { status: 200, usage: kind === 'chat' ? CHAT : TICKET };
        })
        .then(
          () => undefined,
          (e: { status?: number }) => e.status,
        );
      outcomes.push({ kind, tried, ...(error !== undefined ? { error } : {}) });
    }
    const packed = outcomes.slice(100).filter((o) => o.tried[0] === 'a');
    expect(packed.length).toBeGreaterThan(20);
    expect(packed.every((o) => !o.tried.includes('ptu') && o.error === 503)).toBe(true);
  });

  it('a reservation that has not refused anything lately takes everything, fill_share or not', async () => {
    const seen = await run(0.3, false);
    expect(seen.every((s) => s.target === 'ptu' && s.spilledFrom === undefined)).toBe(true);
  });

  it('a reservation with headroom (no fill_share) takes everything', async () => {
    const seen = await run(undefined);
    expect(seen.every((s) => s.target === 'ptu' && s.spilledFrom === undefined)).toBe(true);
  });
});
