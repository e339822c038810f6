// Reservation first: a provisioned target keeps the share its capacity covers, spills only the
// excess, recovers its share in one version when headroom returns, and is never driven to 0 by
// being full (its 429s are neither a score penalty nor a circuit fault). A property test runs
// the whole weight computation (scores, tier goals, smoothing) over generated stats and previous
// weights. The client side: a full reservation's 429 never opens the gateway's breaker, and a
// gateway whose own breakers rule out every target still sends the first attempt somewhere.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { circuitStats, closedCircuit, nextCircuit } from '../../src/analytics/routing/circuit.js';
import { computePools } from '../../src/analytics/routing/compute.js';
import { emptyStats, type TargetStats } from '../../src/analytics/routing/health-query.js';
import { scoreTarget } from '../../src/analytics/routing/weights.js';
import { RoutingClient, type FeedDocument } from '../../src/routing-client/index.js';
import { routingConfigSchema } from '../../src/shared/config-routing.js';

const CAP = 100_000;
const price = { input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5 };

/** One pool: a PTU and two on-demand targets, either in one tier (mixed) or PTU first. */
function config(mixed: boolean, health: Record<string, number> = {}) {
  return routingConfigSchema.parse({
    health,
    pools: [
      {
        pool: 'p',
        targets: [
          {
            id: 'ptu',
            provider: 'azure.ai.openai',
            model: 'm',
            kind: 'provisioned',
            capacity: { tpm: CAP },
            ...(mixed ? { tier: 0 } : {}),
          },
          {
            id: 'a',
            provider: 'openai',
            model: 'm',
            kind: 'on_demand',
            pricing: price,
            ...(mixed ? { tier: 0 } : {}),
          },
          {
            id: 'b',
            provider: 'azure.ai.openai',
            model: 'm',
            kind: 'on_demand',
            pricing: price,
            ...(mixed ? { tier: 0 } : {}),
          },
        ],
      },
    ],
  });
}

function weightsOf(
  mixed: boolean,
  stats: Record<string, Partial<TargetStats>>,
  prev: Record<string, number> = {},
  health: Record<string, number> = {},
): Record<string, number> {
  const out = computePools({
    cfg: config(mixed, health),
    stats: new Map(Object.entries(stats).map(([id, s]) => [id, { ...emptyStats(), ...s }])),
    circuits: new Map(),
    prev: new Map(Object.entries(prev).map(([id, w]) => [`p/${id}`, w])),
    budgets: [],
    nowMs: 0,
  });
  return Object.fromEntries([...out.weights].map(([k, w]) => [k.slice(2), w]));
}

describe('reservation-first weights', () => {
  it('gives a PTU with headroom the whole tier and an overloaded one only what it covers', () => {
    const light = weightsOf(true, {
      ptu: { calls: 50, tokensPerMinute: 40_000 },
      a: { calls: 20, tokensPerMinute: 10_000 },
    });
    expect(light).toEqual({ ptu: 100, a: 0, b: 0 });
    // Demand of 200k converted tokens/min on 100k of capacity: the PTU keeps 95k/200k = 47.5%.
    const heavy = weightsOf(true, {
      ptu: { calls: 100, rateLimited: 30, tokensPerMinute: 100_000 },
      a: { calls: 60, tokensPerMinute: 50_000 },
      b: { calls: 60, tokensPerMinute: 50_000 },
    });
    expect(heavy.ptu).toBe(Math.round((100 * CAP * 0.95) / 200_000));
    expect((heavy.a ?? 0) + (heavy.b ?? 0)).toBe(100 - (heavy.ptu ?? 0));
  });

  it('fills the reservation to routing.health.reserved_fill before spilling', () => {
    const heavy = {
      ptu: { calls: 100, rateLimited: 30, tokensPerMinute: 100_000 },
      a: { calls: 60, tokensPerMinute: 50_000 },
      b: { calls: 60, tokensPerMinute: 50_000 },
    };
    // 80% of 100k over a demand of 200k: 40 of the tier; at 100%: 50.
    expect(weightsOf(true, heavy, {}, { reserved_fill: 0.8 }).ptu).toBe(40);
    expect(weightsOf(true, heavy, {}, { reserved_fill: 1 }).ptu).toBe(50);
    // A demand of 90k fits under 95% of the capacity, not under 80%.
    const fits = { ptu: { calls: 80, tokensPerMinute: 90_000 } };
    expect(weightsOf(true, fits).ptu).toBe(100);
    expect(weightsOf(true, fits, {}, { reserved_fill: 0.8 }).ptu).toBe(89);
  });

  it('rejects a reserved_fill outside (0, 1], naming the key', () => {
    for (const bad of [0, 1.2, -0.5])
      expect(() => config(true, { reserved_fill: bad })).toThrow(/reserved_fill/);
    expect(config(true).health.reserved_fill).toBe(0.95);
  });

  it('recovers a full reservation to its share in one version once headroom returns', () => {
    const w = weightsOf(
      true,
      { ptu: { calls: 30, tokensPerMinute: 30_000 }, a: { calls: 5, tokensPerMinute: 5_000 } },
      { ptu: 25, a: 40, b: 35 },
    );
    expect(w.ptu).toBe(100);
    // The on-demand peers step down by the usual bounded step (50 per version).
    expect(w.a).toBe(0);
  });

  it('keeps a full PTU at 100 in its own tier: fullness is no penalty, real errors are', () => {
    const cfg = config(false);
    const ptu = cfg.pools[0]!.targets[0]!;
    const full = { ...emptyStats(), calls: 200, errors: 120, rateLimited: 120 };
    expect(scoreTarget(ptu, full, cfg, undefined, 0)).toMatchObject({ score: 100, reasons: [] });
    const broken = { ...full, errors: 150 };
    expect(scoreTarget(ptu, broken, cfg, undefined, 0).score).toBeLessThan(50);
    expect(weightsOf(false, { ptu: { ...full, tokensPerMinute: 100_000 } }).ptu).toBe(100);
  });

  it('down-weights a target the gateways report failing although its calls look fine (TTFT timeouts)', () => {
    const view = (attempts: number, failures: number) => ({
      gateways: 1,
      avoiding: 0,
      openShare: 0,
      attempts,
      failures,
      opens: 0,
    });
    // A gateway whose calls are not instrumented reports its TTFT-deadline give-ups only there.
    const fine = { calls: 4, tokensPerMinute: 5_000 };
    const before = weightsOf(false, { a: fine, b: fine });
    expect(before.a).toBe(50);
    const after = weightsOf(false, { a: { ...fine, gateway: view(8, 4) }, b: fine }, before);
    expect(after.a).toBeLessThan(10);
    // One failure in twenty reported attempts is inside the warn band: nothing moves.
    expect(weightsOf(false, { a: { ...fine, gateway: view(20, 1) }, b: fine }, before).a).toBe(50);
    // Two of four is a 50% rate, but a target failing at the 5% warn rate shows it 1.4% of the
    // time: no evidence (evidence.ts), nothing moves.
    expect(weightsOf(false, { a: { ...fine, gateway: view(4, 2) }, b: fine }, before).a).toBe(50);
  });

  it('judges a 5xx seen by both the calls and the reports once, by the higher rate', () => {
    const cfg = config(false);
    const a = cfg.pools[0]!.targets[1]!;
    const calls = { ...emptyStats(), calls: 40, errors: 8 };
    const report = { gateways: 1, avoiding: 0, openShare: 0, attempts: 40, failures: 8, opens: 0 };
    const alone = scoreTarget(a, calls, cfg, undefined, 0);
    const both = scoreTarget(a, { ...calls, gateway: report }, cfg, undefined, 0);
    expect(both.score).toBe(alone.score);
    expect(both.reasons).toEqual(alone.reasons);
    const worse = scoreTarget(
      a,
      { ...calls, gateway: { ...report, failures: 9 } },
      cfg,
      undefined,
      0,
    );
    expect(worse.score).toBeLessThan(alone.score);
    expect(worse.reasons.join()).toMatch(/gateways report 9 of 40 attempts failed/);
    expect(worse.reasons.join()).not.toMatch(/error rate/);
  });

  it('property: reports only ever lower a score, and exactly as a call error rate as high would', () => {
    const cfg = config(false);
    // A reservation is judged by its calls alone: reports of failures change nothing.
    const ptu = cfg.pools[0]!.targets[0]!;
    const calls = { ...emptyStats(), calls: 10, errors: 1 };
    const bad = { gateways: 1, avoiding: 0, openShare: 0, attempts: 10, failures: 9, opens: 0 };
    expect(scoreTarget(ptu, { ...calls, gateway: bad }, cfg, undefined, 0).score).toBe(
      scoreTarget(ptu, calls, cfg, undefined, 0).score,
    );
    expect(circuitStats({ ...calls, recentCalls: 10, gateway: bad }, 'provisioned')).toMatchObject({
      recentCalls: 10,
      recentErrors: 0,
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (which, calls, errFrac, attempts, failFrac) => {
          const t = cfg.pools[0]!.targets[which]!;
          const errors = Math.floor(calls * errFrac);
          const failures = Math.floor(attempts * failFrac);
          const stats = { ...emptyStats(), calls, errors };
          const report = { gateways: 1, avoiding: 0, openShare: 0, attempts, failures, opens: 0 };
          const without = scoreTarget(t, stats, cfg, undefined, 0).score;
          const withReport = scoreTarget(t, { ...stats, gateway: report }, cfg, undefined, 0).score;
          expect(withReport).toBeLessThanOrEqual(without + 1e-9);
          // The same score as calls failing at the higher of the two rates (a million calls, so rounding is below 0.01).
          // The same score as calls failing as the higher of the two counts did (the evidence
          // test judges counts, so the equivalent has the same counts, not just the rate).
          const byReport = failures / attempts > (calls > 0 ? errors / calls : 0);
          const equivalent = byReport
            ? { ...emptyStats(), calls: attempts, errors: failures }
            : { ...emptyStats(), calls, errors };
          expect(withReport).toBeCloseTo(scoreTarget(t, equivalent, cfg, undefined, 0).score, 9);
        },
      ),
      { seed: 1515, numRuns: 300 },
    );
  });

  it('keeps a half-open circuit open when the gateways report the probe timed out', () => {
    const c = config(false).circuit;
    const open = nextCircuit(
      closedCircuit(),
      { ...emptyStats(), recentCalls: 20, recentErrors: 20 },
      c,
      1_000,
    );
    const half = nextCircuit(open, emptyStats(), c, 1_000 + c.cooldown_s * 1000);
    expect(half.state).toBe('half_open');
    // The probe's call is an abandoned stream (no error) in the calls; the gateway reports it failed.
    const probe = { ...emptyStats(), recentCalls: 1, recentErrors: 0 };
    const report = { gateways: 1, avoiding: 0, openShare: 0, attempts: 1, failures: 1, opens: 0 };
    const t = 2_000 + c.cooldown_s * 1000;
    expect(nextCircuit(half, circuitStats(probe, 'on_demand'), c, t).state).toBe('closed');
    expect(
      nextCircuit(half, circuitStats({ ...probe, gateway: report }, 'on_demand'), c, t),
    ).toMatchObject({ state: 'open', reason: 'probe failed (1/1 errors)' });
    // Reports that look better than the calls change nothing; a closed target opens on reported
    // failures as on call errors (min_requests of them).
    const calls = { ...emptyStats(), recentCalls: 10, recentErrors: 5 };
    expect(
      circuitStats({ ...calls, gateway: { ...report, attempts: 10 } }, 'on_demand'),
    ).toMatchObject({ recentCalls: 10, recentErrors: 5 });
    const hanging = {
      ...emptyStats(),
      recentCalls: 12,
      gateway: { ...report, attempts: 12, failures: 6 },
    };
    expect(nextCircuit(closedCircuit(), circuitStats(hanging, 'on_demand'), c, t).state).toBe(
      'open',
    );
  });

  it('never opens the circuit of a full reservation, and does for its faults', () => {
    const c = config(false).circuit;
    const full = { ...emptyStats(), recentCalls: 50, recentErrors: 45, recentRateLimited: 45 };
    expect(nextCircuit(closedCircuit(), circuitStats(full, 'provisioned'), c, 1).state).toBe(
      'closed',
    );
    const faulty = { ...full, recentCalls: 100, recentErrors: 100 }; // 55 served, all failed
    expect(nextCircuit(closedCircuit(), circuitStats(faulty, 'provisioned'), c, 1).state).toBe(
      'open',
    );
  });

  it('property: the reserved weight is never 0 while under target utilization and healthy', () => {
    const stat = fc.record({
      calls: fc.integer({ min: 0, max: 2_000 }),
      errFrac: fc.double({ min: 0, max: 1, noNaN: true }),
      limitedFrac: fc.double({ min: 0, max: 1, noNaN: true }),
      tokensPerMinute: fc.integer({ min: 0, max: 400_000 }),
      spilled: fc.integer({ min: 0, max: 400_000 }),
      ttftRatio: fc.double({ min: 0.5, max: 30, noNaN: true }),
    });
    const toStats = (x: {
      calls: number;
      errFrac: number;
      limitedFrac: number;
      tokensPerMinute: number;
      spilled: number;
      ttftRatio: number;
    }): TargetStats => {
      const rateLimited = Math.floor(x.calls * x.limitedFrac);
      const errors = rateLimited + Math.floor((x.calls - rateLimited) * x.errFrac);
      return {
        ...emptyStats(),
        calls: x.calls,
        errors,
        rateLimited,
        recentCalls: x.calls,
        recentErrors: errors,
        recentRateLimited: rateLimited,
        tokensPerMinute: x.tokensPerMinute,
        spilledTokensPerMinute: x.spilled,
        ttftP50: 500 * x.ttftRatio,
        baseTtftP50: 500,
      };
    };
    const prev = fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined });
    fc.assert(
      fc.property(
        fc.boolean(),
        stat,
        stat,
        stat,
        fc.tuple(prev, prev, prev),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (mixed, p, a, b, prevs, fill) => {
          const cfg = config(mixed, { reserved_fill: fill });
          const ptu = toStats(p);
          const stats = new Map([
            ['ptu', ptu],
            ['a', toStats(a)],
            ['b', toStats(b)],
          ]);
          const circuit = nextCircuit(
            closedCircuit(),
            circuitStats(ptu, 'provisioned'),
            cfg.circuit,
            1,
          );
          const out = computePools({
            cfg,
            stats,
            circuits: new Map([['ptu', circuit]]),
            prev: new Map(
              ['ptu', 'a', 'b'].flatMap((id, i) =>
                prevs[i] !== undefined ? [[`p/${id}`, prevs[i] as number]] : [],
              ),
            ),
            budgets: [],
            nowMs: 1,
          });
          const healthy = circuit.state === 'closed';
          const underTarget = ptu.tokensPerMinute / CAP < cfg.health.reserved_fill;
          if (healthy && underTarget) expect(out.weights.get('p/ptu')).toBeGreaterThan(0);
          // Its own tier never holds a weight outside 0..100.
          for (const w of out.weights.values()) expect(w).toBeGreaterThanOrEqual(0);
        },
      ),
      { seed: 1515, numRuns: 500 },
    );
  });
});

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
