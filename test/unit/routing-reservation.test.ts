// Reservation first: a provisioned target keeps the share its capacity covers, spills only the
// excess, recovers its share in one version when headroom returns, and is never driven to 0 by
// being full (its 429s are neither a score penalty nor a circuit fault). A property test runs
// the whole weight computation (scores, tier goals, smoothing) over generated stats and previous
// weights. What the gateways report: routing-reports-weights.test.ts; the client side:
// routing-client-reservation.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { circuitStats, closedCircuit, nextCircuit } from '../../src/analytics/routing/circuit.js';
import { computePools } from '../../src/analytics/routing/compute.js';
import { emptyStats, type TargetStats } from '../../src/analytics/routing/health-query.js';
import { scoreTarget } from '../../src/analytics/routing/weights.js';
import { CAP, config, weightsOf } from './routing-fixtures.js';

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
