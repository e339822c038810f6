// Config section for the routing-weights feed (llm-routing-feed/v1, README "Routing-weights feed"):
// pools of targets, health/circuit/smoothing knobs, budgets, admission and a degraded tier.
// Composed into the main schema by config.ts. Defaults follow the peers (Portkey >= 30 s
// cooldown, Envoy 30 s ejection) and the issue (open at 25% errors over 60 s, or p95 above 2x
// baseline over 5 minutes; one probe).
import { z } from 'zod';
import type { BudgetPeriod } from './budget.js';
import {
  ceilingSchema,
  deprecatedKey,
  periodSchema,
  thresholdFields,
  usdSchema,
} from './config-budget.js';

import { id, poolSchema } from './config-routing-pool.js';

export type { RoutingPoolConfig, RoutingTargetConfig } from './config-routing-pool.js';

/** Old period names (LiteLLM's budget_duration style) -> the budget model's. */
const OLD_PERIODS = { '1d': 'day', '1mo': 'month' } as const;

const budgetFields = z
  .object({
    /** Whose spend: a tenant's, or a target's (its provider + model + deployment). */
    scope: z.enum(['tenant', 'target']),
    key: z.string().min(1),
    period: z
      .union([periodSchema, z.enum(['1d', '1mo']).meta({ deprecated: true })])
      .default('month'),
    ceiling_usd: ceilingSchema.optional(),
    limit_usd: z
      .number()
      .positive()
      .optional()
      .meta({ deprecated: true, description: 'old name of ceiling_usd' }),
    /** At this percent of the ceiling the budget is `warning`, at hard_pct `exhausted`. */
    ...thresholdFields,
    on_exhaust: z
      .union([z.enum(['deny', 'skip_target']), z.string().regex(/^reroute:.+$/)])
      .default('deny'),
  })
  .strict();

/** Routing budgets are the one budget model; old keys (limit_usd, period 1d / 1mo) still load. */
const budgetSchema = budgetFields.transform(({ limit_usd, ...b }, ctx) => {
  const where = `routing.budgets ${b.scope} ${b.key}`;
  if (limit_usd !== undefined) deprecatedKey(where, 'limit_usd', 'ceiling_usd');
  const ceiling =
    b.ceiling_usd ?? (limit_usd !== undefined ? usdSchema.parse(limit_usd) : undefined);
  if (ceiling === undefined || (limit_usd !== undefined && b.ceiling_usd !== undefined))
    ctx.issues.push({
      code: 'custom',
      input: b,
      path: ['ceiling_usd'],
      message: 'give ceiling_usd (a decimal, e.g. "500")',
    });
  if (b.soft_pct > b.hard_pct)
    ctx.issues.push({
      code: 'custom',
      input: b,
      path: ['soft_pct'],
      message: 'soft_pct must not exceed hard_pct',
    });
  let period: BudgetPeriod;
  if (b.period === '1d' || b.period === '1mo') {
    period = OLD_PERIODS[b.period];
    deprecatedKey(where, `period: ${b.period}`, `period: ${period}`);
  } else period = b.period;
  return { ...b, period, ceiling_usd: ceiling ?? '0' };
});
export type RoutingBudgetConfig = z.infer<typeof budgetSchema>;

export const routingDefaults = {
  circuit: {
    error_rate: 0.25,
    error_window_s: 60,
    latency_ratio: 2,
    latency_window_s: 300,
    min_requests: 10,
    cooldown_s: 30,
    max_cooldown_s: 60,
    probe_weight: 5,
    max_open_share: 0.5,
  },
  smoothing: { max_step_up: 20, max_step_down: 50, hysteresis: 5 },
  health: {
    ttft_ratio_warn: 1.2,
    error_rate_warn: 0.05,
    rate_429_warn: 0.05,
    util_high: 0.85,
    cost_exponent: 0.5,
    reserved_fill: 0.95,
  },
  reservation: { window_s: 60, offer: 1.05 },
};

export const routingConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    feed_id: id.default('llm-finops'),
    /** Recomputation period (the scheduler's loop), seconds. */
    recompute_every_s: z.number().int().min(1).max(3_600).default(5),
    /** Poll interval the feed advertises (ttl_s, Cache-Control max-age). */
    ttl_s: z.number().int().min(1).max(3_600).default(30),
    /** How long a gateway may keep using a document when the feed is unreachable. */
    hard_expiry_s: z.number().int().min(60).default(3_600),
    /** An unchanged document is re-issued (fresh hard_expiry, observed) after this long. */
    refresh_s: z.number().int().min(10).default(300),
    /**
     * Judge targets by the calls of these `deployment.environment.name` values only (default:
     * every call). For fleets that share deployment names but not capacity, e.g. the demo's two
     * mock fleets, or a staging gateway on its own copies of production's deployments.
     */
    environments: z.array(z.string().min(1)).default([]),
    /** Current-health window and the baseline before it. */
    window_s: z.number().int().min(10).default(300),
    baseline_s: z.number().int().min(60).default(3_600),
    signing: z
      .object({
        key_file: z
          .string()
          .optional()
          .describe('PEM Ed25519 private key; default: generated into <data_dir>/keys/'),
        kid: id.optional(),
      })
      .strict()
      .default({}),
    circuit: z
      .object({
        error_rate: z.number().gt(0).max(1).default(0.25),
        error_window_s: z.number().int().min(5).default(60),
        latency_ratio: z.number().gt(1).default(2),
        latency_window_s: z.number().int().min(10).default(300),
        min_requests: z.number().int().min(1).default(10),
        cooldown_s: z.number().int().min(1).default(30),
        max_cooldown_s: z.number().int().min(1).default(60),
        probe_weight: z.number().int().min(1).max(100).default(5),
        /** Most of a pool's targets that may be open or half-open at once (one always may). */
        max_open_share: z.number().gt(0).max(1).default(0.5),
      })
      .strict()
      .default(routingDefaults.circuit),
    smoothing: z
      .object({
        max_step_up: z.number().int().min(1).max(100).default(20),
        max_step_down: z.number().int().min(1).max(100).default(50),
        hysteresis: z.number().int().min(0).max(50).default(5),
      })
      .strict()
      .default(routingDefaults.smoothing),
    health: z
      .object({
        ttft_ratio_warn: z.number().gt(1).default(1.2),
        error_rate_warn: z.number().min(0).max(1).default(0.05),
        rate_429_warn: z.number().min(0).max(1).default(0.05),
        util_high: z.number().gt(0).max(2).default(0.85),
        cost_exponent: z.number().min(0).max(4).default(0.5),
        /**
         * Utilization a provisioned target sharing a tier with on-demand targets is filled to
         * before traffic spills (a leaky-bucket PTU admits up to 100%; the margin covers the
         * admission estimate of prompt + max_tokens).
         */
        reserved_fill: z.number().gt(0).max(1).default(0.95),
      })
      .strict()
      .default(routingDefaults.health),
    /** How a provisioned target's demand is measured and how much of it a full one is offered. */
    reservation: z
      .object({
        /**
         * Window over which a reservation's load and what spilled off it are measured (scaled to
         * tokens per minute). Shorter follows a burst's end sooner; longer is less noisy.
         */
        window_s: z.number().int().min(1).max(3_600).default(60),
        /**
         * Offered tokens per token of capacity a full reservation is asked for (its fill_share
         * is offer / demand): a little over 1, so the burst allowance and the admission
         * estimate never leave it idle; the excess comes back as 429s and overflows.
         */
        offer: z.number().min(1).max(2).default(1.05),
      })
      .strict()
      .default(routingDefaults.reservation),
    pools: z.array(poolSchema).default([]),
    budgets: z.array(budgetSchema).default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const pools = new Set<string>();
    cfg.pools.forEach((p, i) => {
      if (pools.has(p.pool))
        ctx.addIssue({
          code: 'custom',
          path: ['pools', i, 'pool'],
          message: `duplicate pool ${p.pool}`,
        });
      pools.add(p.pool);
    });
  });
export type RoutingConfig = z.infer<typeof routingConfigSchema>;
