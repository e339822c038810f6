// Routing config: a pool and its targets (provider, model, deployment, reservation capacity,
// prices), the pool's limits, retries, timeouts, admission, tenants and degraded tier. Split from
// config-routing.ts, which adds the feed-wide knobs and budgets.
import { z } from 'zod';

export const id = z
  .string()
  .regex(/^[A-Za-z0-9_.:@/-]{1,128}$/, 'letters, digits and _ . : @ / - (1-128 chars)');

/** LiteLLM cost field names, so routing and spend share one price vocabulary. */
const pricingSchema = z
  .object({
    input_cost_per_token: z.number().min(0).optional(),
    output_cost_per_token: z.number().min(0).optional(),
    cache_read_input_token_cost: z.number().min(0).optional(),
    cache_creation_input_token_cost: z.number().min(0).optional(),
  })
  .catchall(z.number().min(0));

const targetSchema = z
  .object({
    id,
    provider: z.string().min(1),
    model: z.string().min(1),
    /** Matched against llm_calls.deployment; empty matches calls of provider+model with any deployment. */
    deployment: z.string().default(''),
    kind: z.enum(['provisioned', 'on_demand']),
    /** Tier override; default provisioned = 0, on_demand = 1. */
    tier: z.number().int().min(0).max(9).optional(),
    region: z.string().optional(),
    capacity: z
      .object({
        tpm: z.number().positive().optional(),
        rpm: z.number().positive().optional(),
        max_inflight: z.number().int().positive().optional(),
      })
      .strict()
      .default({}),
    pricing: pricingSchema.default({}),
    /** Gateway-native ids (litellm_model_id, portkey_provider); never secrets. */
    bind: z.record(z.string(), z.string()).default({}),
    /** A weight the operator prefers before health and cost adjust it. */
    base_weight: z.number().min(0).default(100),
  })
  .strict();
export type RoutingTargetConfig = z.infer<typeof targetSchema>;

const limitsSchema = z
  .object({
    max_inflight: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    /** Requests waiting for an in-flight slot; past it: 429. Never unbounded. */
    queue_max: z.number().int().min(0).default(0),
    queue_timeout_ms: z.number().int().min(0).default(2_000),
  })
  .strict();

const degradedSchema = z
  .object({
    /** A cheaper/smaller model (a target id of the pool, or a model name for the gateway). */
    target: id.optional(),
    model: z.string().optional(),
    max_tokens: z.number().int().positive().optional(),
    tools: z.boolean().optional().describe('false: tools off while degraded'),
    app_cache: z
      .boolean()
      .optional()
      .describe('true: answer from the application cache when it can'),
    /** Switched on when the provisioned tier runs above this utilization and overflow is unhealthy. */
    saturation_util: z.number().gt(0).max(2).default(0.95),
    /** Switched on for a tenant whose budget spend passed this share of its limit. */
    budget_ratio: z.number().gt(0).max(1).default(0.9),
  })
  .strict();

export const poolSchema = z
  .object({
    pool: id,
    targets: z.array(targetSchema).min(1),
    overflow_on: z
      .array(z.union([z.number().int().min(100).max(599), z.literal('timeout')]))
      .default([429, 503, 'timeout']),
    retry: z
      .object({
        attempts: z.number().int().min(0).max(10).default(1),
        on_status: z.array(z.number().int()).default([429, 500, 502, 503, 504]),
        honor_retry_after: z.boolean().default(true),
        max_retry_after_ms: z.number().int().min(0).default(10_000),
      })
      .strict()
      .default({
        attempts: 1,
        on_status: [429, 500, 502, 503, 504],
        honor_retry_after: true,
        max_retry_after_ms: 10_000,
      }),
    timeouts: z
      .object({
        ttft_ms: z.number().int().positive().default(8_000),
        total_ms: z.number().int().positive().default(120_000),
      })
      .strict()
      .default({ ttft_ms: 8_000, total_ms: 120_000 }),
    /** p95 end-to-end latency objective; a target above it loses weight. */
    slo_p95_ms: z.number().positive().optional(),
    admission: z
      .object({
        default: limitsSchema.optional(),
        tenants: z.record(z.string(), limitsSchema).default({}),
      })
      .strict()
      .default({ tenants: {} }),
    degraded: degradedSchema.optional(),
    tenants: z
      .record(
        z.string(),
        z
          .object({
            tiers_allowed: z.array(z.number().int().min(0)).optional(),
            weight_overrides: z.record(z.string(), z.number().min(0)).optional(),
          })
          .strict(),
      )
      .default({}),
  })
  .strict()
  .superRefine((pool, ctx) => {
    const ids = new Set<string>();
    pool.targets.forEach((t, i) => {
      if (ids.has(t.id))
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'id'],
          message: `duplicate target id ${t.id} in pool ${pool.pool}`,
        });
      ids.add(t.id);
    });
  });
export type RoutingPoolConfig = z.infer<typeof poolSchema>;
