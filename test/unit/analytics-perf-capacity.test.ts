// The provisioning math on demand series whose optimum is known analytically.
import { describe, expect, it } from 'vitest';
import {
  breakEvenUtilization,
  convertedTokens,
  demandQuantile,
  demandSeries,
  evaluateUnits,
} from '../../src/analytics/queries/capacity-math.js';
import { recommendCapacity } from '../../src/analytics/queries/capacity-recommend.js';

describe('newsvendor on uniform demand', () => {
  // d_t uniform on {0, 1, ..., M-1} per minute, K = 1 token/min per unit, pi = 1 $/token.
  // Cost(N) = F*T*N + sum_t (d_t - N)+ ; the marginal unit pays F*T and saves #(d > N) = M-1-N,
  // so N* satisfies (M-1-N*)/T = F = u* (K = pi = 1): N* = (1-u*)(M-1) on a permutation of 0..M-1.
  const M = 10_000;
  const demand = Array.from({ length: M }, (_, t) => (t * 7919) % M); // a permutation of 0..M-1
  const spec = { unitCapacity: 1, pricePerConvertedToken: 1, minUnits: 1, increment: 1 };

  it('reserves the (1 - u*) quantile and reports the analytic cost, utilization and spill', () => {
    const u = 0.3;
    const perHour = u * 60; // F = 0.3 $/unit-minute
    expect(breakEvenUtilization(perHour, spec)).toBeCloseTo(0.3, 12);
    const rec = recommendCapacity(demand, spec, { '1-year': perHour });
    const term = rec.terms[0];
    expect(term?.demand_quantile).toBeCloseTo(0.7, 12);
    expect(term?.target_capacity_tpm).toBe(Math.floor(0.7 * (M - 1)));
    // Exact discrete optimum: 0.7*(M-1) = 6999.3 -> 6999 or 7000 tie within one unit.
    expect([6999, 7000]).toContain(term?.units);
    const n = term?.units ?? 0;
    const analyticCost = 0.3 * M * n + ((M - 1 - n) * (M - n)) / 2;
    expect(Number(term?.cost_usd)).toBeCloseTo(analyticCost, 3);
    const od = (M * (M - 1)) / 2;
    expect(Number(term?.cost_on_demand_usd)).toBe(od);
    expect(Number(term?.savings_usd)).toBeCloseTo(od - analyticCost, 3);
    // Continuous limits: Util = 1 - C/(2M) = 0.65, Spill = (1 - C/M)^2 = 0.09.
    expect(term?.expected_utilization).toBeCloseTo(0.65, 3);
    expect((term?.spill_pct ?? 0) / 100).toBeCloseTo(0.09, 3);
    expect(term?.cost_win).toBe(true);
    expect(rec.best_term).toBe('1-year');
    // Cost(N) around N* is no lower (convexity, discrete optimum).
    for (const nb of term?.neighbors ?? [])
      expect(Number(nb.cost_usd)).toBeGreaterThanOrEqual(Number(term?.cost_usd) - 1e-6);
  });

  it('says plainly that reserving is not a cost win when u* >= 1', () => {
    const rec = recommendCapacity(demand, spec, { hourly: 1.2 * 60, '1-month': 0.5 * 60 });
    const hourly = rec.terms.find((t) => t.term === 'hourly');
    expect(hourly?.break_even_utilization).toBeCloseTo(1.2, 12);
    expect(hourly?.cost_win).toBe(false);
    expect(hourly?.units).toBe(0);
    expect(hourly?.verdict).toMatch(/not a cost win/);
    expect(rec.best_term).toBe('1-month');
    const none = recommendCapacity(demand, spec, { hourly: 60 });
    expect(none.best_term).toBeNull();
    expect(none.verdict).toMatch(/not a cost win on any configured term/);
  });

  it('respects the minimum and the increment', () => {
    const rec = recommendCapacity(
      demand,
      { ...spec, minUnits: 1000, increment: 500 },
      { t: 0.3 * 60 },
    );
    expect(rec.terms[0]?.units).toBe(7000);
  });

  it('stays on demand when the minimum reservation is too large for the demand', () => {
    const rec = recommendCapacity(
      demand,
      { ...spec, minUnits: 20_000, increment: 1 },
      { t: 0.3 * 60 },
    );
    expect(rec.terms[0]?.cost_win).toBe(false);
    expect(rec.terms[0]?.verdict).toMatch(/not a cost win/);
  });
});

describe('capacity helpers', () => {
  it('evaluates Cost(N) with prefix sums exactly as the direct sum', () => {
    const d = [0, 5, 12, 3, 40, 7, 7, 19];
    const s = demandSeries(d);
    const spec = { unitCapacity: 4, pricePerConvertedToken: 0.5, minUnits: 1, increment: 1 };
    for (const n of [0, 1, 2, 3, 5, 10, 11]) {
      const direct = d.reduce((acc, x) => acc + Math.max(0, x - n * 4), 0);
      const e = evaluateUnits(s, n, spec, 0.25);
      expect(e.spillCost).toBeCloseTo(0.5 * direct, 12);
      expect(e.reservedCost).toBeCloseTo(n * 0.25 * d.length, 12);
    }
    expect(demandQuantile(s, 0.5)).toBe(7);
  });
  it('converts tokens with inclusive input', () => {
    const w = { input: 1, cached_input: 0, cache_write: 1, output: 4 };
    expect(convertedTokens({ input: 1000, cacheRead: 600, cacheWrite: 100, output: 50 }, w)).toBe(
      300 + 100 + 200,
    );
  });
});
