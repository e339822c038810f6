// What the gateways report (attempts, failures, breaker time per target) moves the feed's
// weights: a target every gateway fails on is down-weighted although its stored calls look
// fine, a failure seen both ways counts once, and reports only ever lower a score.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { circuitStats, closedCircuit, nextCircuit } from '../../src/analytics/routing/circuit.js';
import { emptyStats } from '../../src/analytics/routing/health-query.js';
import { scoreTarget } from '../../src/analytics/routing/weights.js';
import { config, weightsOf } from './routing-fixtures.js';

describe('gateway reports in the weights', () => {
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
});
