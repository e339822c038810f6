// Pure statistics of the performance analytics: histograms, the time plan, the z-test, drift status.
import { describe, expect, it } from 'vitest';
import { driftStatus } from '../../src/analytics/queries/drift.js';
import { judgeCacheDrop } from '../../src/analytics/queries/cache-regressions.js';
import {
  BUCKET_RELATIVE_WIDTH,
  bucketOf,
  countAtMost,
  histogramQuantile,
  type Histogram,
} from '../../src/analytics/queries/stats-histogram.js';
import { planSegments } from '../../src/analytics/queries/stats-timeplan.js';
import { oneSidedDropTest } from '../../src/analytics/queries/stats-ztest.js';

const hist = (values: number[]): Histogram => {
  const h: Histogram = new Map();
  for (const v of values) h.set(bucketOf(v), (h.get(bucketOf(v)) ?? 0) + 1);
  return h;
};
const exactQuantile = (values: number[], q: number): number => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)] ?? NaN;
};

describe('log-bucket histogram', () => {
  it('quantiles are within one bucket width of the exact value', () => {
    // A skewed latency sample: lognormal-ish via a deterministic generator.
    const values: number[] = [];
    let seed = 7;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      values.push(50 * Math.exp((seed / 2 ** 31) * 4));
    }
    const h = hist(values);
    for (const q of [0.5, 0.95, 0.99]) {
      const got = histogramQuantile(h, q) ?? NaN;
      expect(Math.abs(got / exactQuantile(values, q) - 1)).toBeLessThanOrEqual(
        BUCKET_RELATIVE_WIDTH,
      );
    }
  });

  it('counts values under a deadline within the straddling bucket', () => {
    const values = Array.from({ length: 1000 }, (_, i) => 10 + i * 2); // 10 .. 2008
    const h = hist(values);
    const exact = values.filter((v) => v <= 1000).length;
    const straddling = values.filter((v) => bucketOf(v) === bucketOf(1000)).length;
    expect(Math.abs(countAtMost(h, 1000) - exact)).toBeLessThanOrEqual(straddling);
    expect(countAtMost(h, 1e9)).toBe(1000);
    expect(countAtMost(hist([0, 0, 5]), 1)).toBe(2);
  });

  it('an empty histogram has no quantile', () => {
    expect(histogramQuantile(new Map(), 0.5)).toBeNull();
  });
});

describe('time plan', () => {
  const t = (iso: string) => Date.parse(iso);
  it('splits into raw edges, minute edges and whole hours', () => {
    const segs = planSegments(t('2026-01-01T00:10:30Z'), t('2026-01-01T03:20:15Z'), {
      hourly: true,
      rawOnly: false,
    });
    expect(
      segs.map((s) => [
        s.grain,
        new Date(s.fromMs).toISOString().slice(11, 19),
        new Date(s.toMs).toISOString().slice(11, 19),
      ]),
    ).toEqual([
      ['raw', '00:10:30', '00:11:00'],
      ['1m', '00:11:00', '01:00:00'],
      ['1h', '01:00:00', '03:00:00'],
      ['1m', '03:00:00', '03:20:00'],
      ['raw', '03:20:00', '03:20:15'],
    ]);
  });
  it('reads whole UTC days from the daily rollup, hours around them', () => {
    const segs = planSegments(t('2026-01-01T22:10:30Z'), t('2026-01-04T02:20:15Z'), {
      hourly: true,
      daily: true,
      rawOnly: false,
    });
    expect(
      segs.map((s) => [
        s.grain,
        new Date(s.fromMs).toISOString().slice(0, 19),
        new Date(s.toMs).toISOString().slice(0, 19),
      ]),
    ).toEqual([
      ['raw', '2026-01-01T22:10:30', '2026-01-01T22:11:00'],
      ['1m', '2026-01-01T22:11:00', '2026-01-01T23:00:00'],
      ['1h', '2026-01-01T23:00:00', '2026-01-02T00:00:00'],
      ['1d', '2026-01-02T00:00:00', '2026-01-04T00:00:00'],
      ['1h', '2026-01-04T00:00:00', '2026-01-04T02:00:00'],
      ['1m', '2026-01-04T02:00:00', '2026-01-04T02:20:00'],
      ['raw', '2026-01-04T02:20:00', '2026-01-04T02:20:15'],
    ]);
    // Less than a whole day: hours only.
    expect(
      planSegments(t('2026-01-01T01:00:00Z'), t('2026-01-01T23:00:00Z'), {
        hourly: true,
        daily: true,
        rawOnly: false,
      }).map((s) => s.grain),
    ).toEqual(['1h']);
  });
  it('covers [from, to) exactly, without gaps or overlaps', () => {
    const from = t('2026-01-01T00:00:01.250Z');
    const to = t('2026-01-03T05:59:59.999Z');
    const segs = planSegments(from, to, { hourly: true, daily: true, rawOnly: false });
    expect(segs.some((s) => s.grain === '1d')).toBe(true);
    expect(segs[0]?.fromMs).toBe(from);
    expect(segs.at(-1)?.toMs).toBe(to);
    for (let i = 1; i < segs.length; i++) expect(segs[i]?.fromMs).toBe(segs[i - 1]?.toMs);
  });
  const plan = (from: string, to: string, options: Parameters<typeof planSegments>[2]) =>
    planSegments(t(from), t(to), options).map((s) => [
      s.grain,
      new Date(s.fromMs).toISOString().slice(0, 19),
      new Date(s.toMs).toISOString().slice(0, 19),
    ]);
  it('without a minute table reads the partial hours raw (the cost path)', () => {
    expect(
      plan('2026-01-01T22:10:30Z', '2026-01-04T02:20:15Z', {
        hourly: true,
        daily: true,
        rawOnly: false,
        minutes: false,
      }),
    ).toEqual([
      ['raw', '2026-01-01T22:10:30', '2026-01-01T23:00:00'],
      ['1h', '2026-01-01T23:00:00', '2026-01-02T00:00:00'],
      ['1d', '2026-01-02T00:00:00', '2026-01-04T00:00:00'],
      ['1h', '2026-01-04T00:00:00', '2026-01-04T02:00:00'],
      ['raw', '2026-01-04T02:00:00', '2026-01-04T02:20:15'],
    ]);
    expect(
      plan('2026-01-01T22:10:30Z', '2026-01-01T23:20:15Z', {
        hourly: true,
        rawOnly: false,
        minutes: false,
      }).map((s) => s[0]),
    ).toEqual(['raw']);
  });
  it('reads whole days of a tenant scope from the tenant daily rollup, the partial days raw', () => {
    expect(
      plan('2026-01-01T22:10:30Z', '2026-01-04T02:20:15Z', {
        hourly: true,
        daily: true,
        rawOnly: false,
        tenantDaily: true,
      }),
    ).toEqual([
      ['raw', '2026-01-01T22:10:30', '2026-01-02T00:00:00'],
      ['tenant1d', '2026-01-02T00:00:00', '2026-01-04T00:00:00'],
      ['raw', '2026-01-04T00:00:00', '2026-01-04T02:20:15'],
    ]);
    expect(
      plan('2026-01-01T02:10:30Z', '2026-01-01T23:20:15Z', {
        hourly: true,
        rawOnly: false,
        tenantDaily: true,
      }).map((s) => s[0]),
    ).toEqual(['raw']);
  });
  it('reads raw only for a tenant scope or a sub-minute range', () => {
    expect(planSegments(0, 7_200_000, { hourly: true, rawOnly: true })).toEqual([
      { grain: 'raw', fromMs: 0, toMs: 7_200_000 },
    ]);
    expect(planSegments(1_000, 50_000, { hourly: true, rawOnly: false })).toEqual([
      { grain: 'raw', fromMs: 1_000, toMs: 50_000 },
    ]);
    expect(planSegments(5, 5, { hourly: true, rawOnly: false })).toEqual([]);
  });
});

describe('two-proportion z-test', () => {
  it('matches the textbook value', () => {
    // 600/1000 vs 200/500: pooled p = 800/1500; z = 0.2 / sqrt(p(1-p)(1/1000 + 1/500)).
    const p = 800 / 1500;
    const z = 0.2 / Math.sqrt(p * (1 - p) * (1 / 1000 + 1 / 500));
    const r = oneSidedDropTest({ x1: 600, n1: 1000, x2: 200, n2: 500 });
    expect(r.z).toBeCloseTo(z, 10);
    expect(r.pValue).toBeLessThan(1e-12);
  });
  it('gives p = 0.5 for no change and ~0.0228 at z = 2', () => {
    expect(oneSidedDropTest({ x1: 50, n1: 100, x2: 50, n2: 100 }).pValue).toBeCloseTo(0.5, 12);
    // n1 = n2 = n, p1 - p2 = d: z = d / sqrt(2 p(1-p)/n). Pick n = 200, p1 = 0.6, p2 = 0.5 -> z = 0.1/sqrt(2*0.55*0.45/200).
    const r = oneSidedDropTest({ x1: 120, n1: 200, x2: 100, n2: 200 });
    expect(r.z).toBeCloseTo(0.1 / Math.sqrt((2 * 0.55 * 0.45) / 200), 10);
    expect(r.pValue).toBeCloseTo(0.0218, 3);
  });
  it('judges significance, minimum samples and a rise', () => {
    const cfg = { alpha: 0.01, min_samples: 100, min_drop_pct_points: 1 };
    expect(
      judgeCacheDrop({ trials: 1000, successes: 600 }, { trials: 500, successes: 200 }, cfg).status,
    ).toBe('regression');
    expect(
      judgeCacheDrop({ trials: 1000, successes: 600 }, { trials: 100, successes: 55 }, cfg).status,
    ).toBe('ok');
    expect(
      judgeCacheDrop({ trials: 1000, successes: 600 }, { trials: 99, successes: 0 }, cfg).status,
    ).toBe('insufficient_data');
    expect(
      judgeCacheDrop({ trials: 500, successes: 200 }, { trials: 1000, successes: 600 }, cfg).status,
    ).toBe('ok');
  });
});

describe('drift status', () => {
  const th = {
    warning_median_ratio: 1.2,
    critical_p95_ratio: 1.5,
    min_current_samples: 50,
    min_baseline_samples: 200,
  };
  const at = (medianRatio: number, p95Ratio: number, currentCount = 50, baselineCount = 200) =>
    driftStatus({ currentCount, baselineCount, medianRatio, p95Ratio }, th);
  it('flips exactly at the thresholds', () => {
    expect(at(1.1999, 1)).toBe('ok');
    expect(at(1.2, 1)).toBe('warning');
    expect(at(1, 1.4999)).toBe('ok');
    expect(at(1, 1.5)).toBe('critical');
    expect(at(1.3, 1.5)).toBe('critical');
  });
  it('needs the minimum samples in both windows', () => {
    expect(at(2, 2, 49, 200)).toBe('insufficient_data');
    expect(at(2, 2, 50, 199)).toBe('insufficient_data');
    expect(
      driftStatus({ currentCount: 60, baselineCount: 300, medianRatio: null, p95Ratio: null }, th),
    ).toBe('ok');
  });
});
