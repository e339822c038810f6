// The configuration the analytics benchmark asks its questions with: SLOs, drift thresholds,
// the cache regression test, the two provisioned deployments' capacity targets.
import type { CapacityTarget } from '../../src/analytics/queries/capacity.js';

export const SLOS = {
  routes: { '/route-0': { latency_ms: 800 }, '/route-1': { latency_ms: 1500, ttft_ms: 300 } },
  fallback: { latency_ms: 2000 },
};
export const DRIFT = {
  warning_median_ratio: 1.2,
  critical_p95_ratio: 1.5,
  min_current_samples: 50,
  min_baseline_samples: 200,
};
export const CACHE = { alpha: 0.01, min_samples: 100, min_drop_pct_points: 1 };
export const TARGETS: CapacityTarget[] = ['dep-0', 'dep-1'].map((deployment) => ({
  deployment,
  units: 100,
  unitCapacity: 50_000,
  weights: { input: 1, cached_input: 0, cache_write: 1, output: 4 },
  sizing: {
    pricePerConvertedToken: 0.0000025,
    terms: { hourly: 1, '1-month': 260 / 730, '1-year': 2652 / 8760 },
    minUnits: 15,
    increment: 5,
  },
}));
