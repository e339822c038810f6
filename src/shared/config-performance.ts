// Config sections for latency, TTFT drift, cache and capacity questions: per-route SLOs and
// token budgets, drift thresholds, cache-regression test settings, capacity sizing inputs.
// Composed into the main schema by config.ts.
import { z } from 'zod';

const sloSchema = z
  .object({
    /** A call is "good" when it succeeded and finished within this many milliseconds. */
    latency_ms: z.number().positive(),
    /** Optional time-to-first-token deadline for streams (reported as ttft_goodput). */
    ttft_ms: z.number().positive().optional(),
    /** Token budget of one call (input + output); read by the budgets report. */
    max_tokens_per_call: z.number().int().min(1).optional(),
  })
  .strict();

const DEFAULT_SLO = { latency_ms: 10_000 };

const driftSchema = z
  .object({
    /** Current median / baseline median at or above which the status is `warning`. */
    warning_median_ratio: z.number().gt(1).default(1.2),
    /** Current p95 / baseline p95 at or above which the status is `critical`. */
    critical_p95_ratio: z.number().gt(1).default(1.5),
    /** Below these TTFT sample counts the status is `insufficient_data`. */
    min_current_samples: z.number().int().min(1).default(50),
    min_baseline_samples: z.number().int().min(1).default(200),
  })
  .strict();

const cacheSchema = z
  .object({
    /** One-sided significance level of the two-proportion z-test. */
    alpha: z.number().gt(0).lt(0.5).default(0.01),
    /** Minimum lookups (app cache) or calls (prompt cache) in each window. */
    min_samples: z.number().int().min(1).default(100),
    /** Ignore drops smaller than this many percentage points, however significant. */
    min_drop_pct_points: z.number().min(0).max(100).default(1),
  })
  .strict();

const decimalText = z
  .union([z.string(), z.number()])
  .transform((v) => (typeof v === 'number' ? String(v) : v.trim()))
  .refine((v) => /^\d+(\.\d+)?([eE]-?\d+)?$/.test(v) && Number(v) >= 0, {
    message: 'must be a non-negative decimal, e.g. "0.0000025"',
  });

const weightsSchema = z
  .object({
    input: z.number().min(0).default(1),
    cached_input: z.number().min(0).default(0),
    cache_write: z.number().min(0).default(1),
    output: z.number().min(0).default(1),
  })
  .strict();

const capacityDeploymentSchema = z
  .object({
    deployment: z.string().min(1),
    /** Units deployed now; defaults to finops.reservations for the same deployment. */
    units: z.number().int().min(0).optional(),
    /** Converted tokens per minute one unit serves (Azure input TPM per PTU; GSU tokens/s x 60). */
    tokens_per_minute_per_unit: z.number().positive().optional(),
    /** Capacity weights (provider burndown, not prices). */
    weights: weightsSchema.optional(),
    /** What one converted token costs on demand (same deployment type), USD. */
    on_demand_price_per_converted_token: decimalText,
    /** Price per unit-hour by term name, e.g. { hourly: "1", "1-month": "0.3562", "1-year": "0.3027" }. */
    terms: z
      .record(z.string().min(1), decimalText)
      .refine((t) => Object.keys(t).length > 0, { message: 'needs at least one term' }),
    min_units: z.number().int().min(1).default(1),
    increment: z.number().int().min(1).default(1),
  })
  .strict();

export const performanceConfigSchema = z
  .object({
    /** Route -> SLO; routes not listed use `default_slo`. */
    slos: z.record(z.string().min(1), sloSchema).default({}),
    default_slo: sloSchema.default(DEFAULT_SLO),
    drift: driftSchema.default(driftSchema.parse({})),
    cache: cacheSchema.default(cacheSchema.parse({})),
    capacity: z
      .object({ deployments: z.array(capacityDeploymentSchema).default([]) })
      .strict()
      .refine(
        (c) => new Set(c.deployments.map((d) => d.deployment)).size === c.deployments.length,
        {
          message: 'deployments must be unique',
          path: ['deployments'],
        },
      )
      .default({ deployments: [] }),
  })
  .strict();

export type PerformanceConfig = z.infer<typeof performanceConfigSchema>;
export type SloConfig = z.infer<typeof sloSchema>;
export type DriftConfig = z.infer<typeof driftSchema>;
export type CacheRegressionConfig = z.infer<typeof cacheSchema>;
export type CapacityDeploymentConfig = z.infer<typeof capacityDeploymentSchema>;
export type CapacityWeights = z.infer<typeof weightsSchema>;
