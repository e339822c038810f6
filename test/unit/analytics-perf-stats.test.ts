// Pure statistics of the performance analytics: histograms, the z-test, drift status (the time plan
// is the read planner's, tested in read-planner.test.ts).
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
