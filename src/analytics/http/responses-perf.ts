// Response schemas of the performance, alert and routing routes (see responses.ts).
import { z } from 'zod';
import { money } from './responses.js';

const iso = z.string().describe('ISO-8601 UTC timestamp');
const ratio = z.number().nullable().describe('null when there is nothing to divide by');
/** Grouping dimensions; their query modules type them loosely. */
const dimension = z.unknown();
const span = z.object({ from: iso, to: iso });
const quantiles = z.object({
  count: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});

export const latencyResponse = z.object({
  from: iso,
  to: iso,
  group_by: z.array(z.string()),
  rows: z.array(
    z
      .object({
        calls: z.number(),
        ok_calls: z.number(),
        errors: z.number(),
        latency_ms: quantiles,
        ttft_ms: quantiles,
        itl_ms: quantiles,
        tokens_per_second: quantiles,
        good_calls: z.number(),
        goodput: ratio,
        ttft_goodput: ratio,
        slo: z
          .object({
            latency_ms: z.number(),
            ttft_ms: z.number().optional(),
            max_tokens_per_call: z.number().optional(),
          })
          .optional()
          .describe('the SLO applied (grouped by route)'),
      })
      .catchall(dimension),
  ),
});

export const driftResponse = z.object({
  current: span,
  baseline: span,
  thresholds: z.record(z.string(), z.number()),
  rows: z.array(
    z
      .object({
        current: quantiles,
        baseline: quantiles,
        median_ratio: ratio,
        p95_ratio: ratio,
        status: z.enum(['ok', 'warning', 'critical', 'insufficient_data']),
      })
      .catchall(dimension),
  ),
});

export const cacheResponse = z.object({
  from: iso,
  to: iso,
  app_cache: z.array(
    z.object({
      route: z.string(),
      cache_layer: z.string(),
      lookups: z.number(),
      hits: z.number(),
      hit_rate: ratio,
    }),
  ),
  prompt_cache: z.array(
    z.object({
      route: z.string(),
      model: z.string(),
      calls: z.number(),
      calls_with_cache_read: z.number(),
      call_hit_rate: ratio,
      input_tokens: z.number(),
      cache_read_tokens: z.number(),
      token_share: ratio,
    }),
  ),
});

const trials = z.object({
  trials: z.number(),
  successes: z.number(),
  rate: ratio,
  token_share: ratio.optional(),
});
export const regressionsResponse = z.object({
  current: span,
  baseline: span,
  test: z.record(z.string(), z.union([z.number(), z.string()])),
  rows: z.array(
    z.object({
      cache: z.enum(['app', 'prompt']),
      route: z.string(),
      cache_layer: z.string().optional(),
      model: z.string().optional(),
      baseline: trials,
      current: trials,
      drop_pct_points: ratio,
      z: ratio,
      p_value: ratio,
      status: z.enum(['regression', 'ok', 'insufficient_data']),
      new_prompt_versions: z.array(z.string()),
    }),
  ),
});

export const reliabilityResponse = z.object({
  from: iso,
  to: iso,
  group_by: z.array(z.string()),
  rows: z.array(
    z
      .object({
        attempts: z.number(),
        logical_requests: z.number(),
        retry_amplification: ratio,
        fallbacks: z.number(),
        fallback_rate: ratio,
        rate_limited: z.number(),
        rate_429: ratio,
        errors: z.number(),
        error_rate: ratio,
        spend_usd: money,
        failed_spend_usd: money,
        failed_spend_share: ratio,
      })
      .catchall(dimension),
  ),
});

const demand = z.object({
  p5: z.number(),
  p10: z.number(),
  p50: z.number(),
  p70: z.number(),
  p90: z.number(),
  p99: z.number(),
  peak: z.number(),
  mean: z.number(),
});
export const capacityResponse = z.object({
  from: iso,
  to: iso,
  rows: z.array(
    z.object({
      deployment: z.string(),
      units: z.number().nullable(),
      capacity_tpm: z.number().nullable(),
      minutes: z.number(),
      utilization: demand.extend({ minutes_at_or_above_100pct: z.number() }).nullable(),
      demand_tpm: demand,
      base_load_tpm: z.number(),
      steady_state_tpm: z.number(),
      served_calls: z.number(),
      spilled_calls: z.number(),
      spillover_share: ratio,
      attempts: z.number(),
      rate_limited: z.number(),
      rate_429: ratio,
    }),
  ),
});

export const recommendationResponse = z.object({
  from: iso,
  to: iso,
  rows: z.array(
    z.object({
      deployment: z.string(),
      current_units: z.number().nullable(),
      missing: z.string().optional().describe('the configuration a recommendation needs'),
      minutes: z.number(),
      demand_total_converted_tokens: z.number(),
      best_term: z.string().nullable(),
      verdict: z.string(),
      terms: z.array(
        z.object({
          term: z.string(),
          price_per_unit_hour: z.string(),
          break_even_utilization: z.number(),
          cost_win: z.boolean(),
          demand_quantile: ratio,
          target_capacity_tpm: ratio,
          units: z.number(),
          expected_utilization: ratio,
          spill_pct: z.number(),
          cost_on_demand_usd: money,
          cost_usd: money,
          savings_usd: money,
          savings_pct: z.number(),
          neighbors: z.array(z.object({ units: z.number(), cost_usd: money })),
          verdict: z.string(),
        }),
      ),
    }),
  ),
});

const alertEvent = z.object({
  event_id: z.string(),
  time: z.string(),
  fingerprint: z.string(),
  rule: z.string(),
  kind: z.string(),
  severity: z.string(),
  state: z.enum(['pending', 'firing', 'resolved']),
  tenant: z.string(),
  labels: z.record(z.string(), z.string()),
  value: z.number(),
  threshold: z.number(),
  summary: z.string(),
  started_at: z.string(),
  notified: z.array(z.string()),
  notify_failed: z.array(z.string()),
});
export const alertsResponse = z.object({
  active: z.array(alertEvent).optional(),
  history: z.array(alertEvent).optional(),
});

export const feedResponse = z
  .looseObject({
    schema: z.literal('llm-routing-feed/v1').optional(),
    feed_id: z.string().optional(),
    version: z.number().optional(),
  })
  .describe(
    'native: the signed llm-routing-feed/v1 document; litellm / portkey: their router configuration',
  );

export const keysResponse = z.object({
  keys: z.array(
    z.looseObject({
      kid: z.string(),
      alg: z.string(),
      use: z.string(),
      public_key_pem: z.string(),
      jwk: z.record(z.string(), z.unknown()),
    }),
  ),
});

export const versionsResponse = z.object({
  feed_id: z.string(),
  versions: z.array(
    z.object({
      version: z.number(),
      generated_at: iso,
      etag: z.string(),
      changes: z.array(
        z.object({
          pool: z.string(),
          target: z.string(),
          from: z.number().nullable(),
          to: z.number(),
          reasons: z.array(z.string()),
        }),
      ),
    }),
  ),
});
