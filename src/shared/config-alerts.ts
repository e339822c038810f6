// Config section for alerts: rules (one per question worth waking someone for) and notifiers.
// Composed into the main schema by config.ts. Defaults come from the problem domain: a provider
// at 5% errors in a minute is an incident; TTFT median 1.2x its baseline is worth a warning,
// p95 at 1.5x pages; an unpriced model is a silent $0 that must never go unnoticed.
import { z } from 'zod';
import { base, baselined, name } from './config-alert-base.js';
import { budgetRuleSchema } from './config-alert-budget.js';
import { usdSchema } from './config-budget.js';
import { notifierSchema } from './config-notifiers.js';

export const ALERT_KINDS = [
  'ttft_drift',
  'latency_p95',
  'error_rate',
  'rate_429',
  'cache_hit_regression',
  'budget',
  'tenant_cost_anomaly',
  'route_token_budget',
  'fallback_rate',
  'retry_amplification',
  'unpriced_model',
  'usage_incomplete',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

const ttftDrift = z
  .object({
    ...base,
    ...baselined,
    kind: z.literal('ttft_drift'),
    stat: z.enum(['p50', 'p95']).default('p50'),
    ratio: z.number().gt(1).default(1.2),
  })
  .strict();
const latencyP95 = z
  .object({ ...base, kind: z.literal('latency_p95'), threshold_ms: z.number().positive() })
  .strict();
const errorRate = z
  .object({
    ...base,
    kind: z.literal('error_rate'),
    threshold: z.number().min(0).max(1).default(0.05),
  })
  .strict();
const rate429 = z
  .object({
    ...base,
    kind: z.literal('rate_429'),
    threshold: z.number().min(0).max(1).default(0.05),
  })
  .strict();
const cacheHit = z
  .object({
    ...base,
    ...baselined,
    kind: z.literal('cache_hit_regression'),
    /** prompt: provider cache-read share of input tokens; app: application cache hit share of calls. */
    metric: z.enum(['prompt', 'app']).default('prompt'),
    /** Fire when the current hit ratio fell by this fraction of the baseline ratio. */
    drop: z.number().gt(0).max(1).default(0.3),
  })
  .strict();
const costAnomaly = z
  .object({
    ...base,
    ...baselined,
    kind: z.literal('tenant_cost_anomaly'),
    ratio: z.number().gt(1).default(3),
    min_cost_usd: usdSchema.default('1'),
    min_calls: z.number().int().min(0).default(0),
  })
  .strict();
const tokenBudget = z
  .object({
    ...base,
    kind: z.literal('route_token_budget'),
    max_tokens_per_call: z.number().positive().optional(),
    max_tokens_per_window: z.number().positive().optional(),
    min_calls: z.number().int().min(0).default(0),
  })
  .strict()
  .refine((r) => r.max_tokens_per_call !== undefined || r.max_tokens_per_window !== undefined, {
    message: 'set max_tokens_per_call or max_tokens_per_window',
    path: ['max_tokens_per_call'],
  });
const fallbackRate = z
  .object({
    ...base,
    kind: z.literal('fallback_rate'),
    threshold: z.number().min(0).max(1).default(0.1),
  })
  .strict();
const retryAmp = z
  .object({
    ...base,
    kind: z.literal('retry_amplification'),
    threshold: z.number().gt(1).default(1.3),
  })
  .strict();
const unpriced = z
  .object({
    ...base,
    kind: z.literal('unpriced_model'),
    threshold: z.number().int().min(0).default(0),
    min_calls: z.number().int().min(0).default(0),
  })
  .strict();

/** Calls whose source could not report every count: their cost is an estimate, not an invoice line. */
const incomplete = z
  .object({
    ...base,
    kind: z.literal('usage_incomplete'),
    threshold: z.number().min(0).max(1).default(0.05),
  })
  .strict();

export const alertRuleSchema = z.discriminatedUnion('kind', [
  ttftDrift,
  latencyP95,
  errorRate,
  rate429,
  cacheHit,
  budgetRuleSchema,
  costAnomaly,
  tokenBudget,
  fallbackRate,
  retryAmp,
  unpriced,
  incomplete,
]);
export type AlertRule = z.infer<typeof alertRuleSchema>;

/** The rules that run when the config names none. */
export const DEFAULT_ALERT_RULES: unknown[] = [
  {
    name: 'provider-error-rate',
    kind: 'error_rate',
    severity: 'critical',
    threshold: 0.05,
    window_s: 60,
    group_by: ['provider'],
    for_s: 60,
  },
  {
    name: 'provider-429-rate',
    kind: 'rate_429',
    severity: 'warning',
    threshold: 0.05,
    window_s: 300,
    group_by: ['provider', 'deployment'],
    for_s: 120,
  },
  {
    name: 'ttft-median-drift',
    kind: 'ttft_drift',
    severity: 'warning',
    stat: 'p50',
    ratio: 1.2,
    window_s: 600,
    group_by: ['provider', 'model'],
    for_s: 300,
  },
  {
    name: 'ttft-p95-drift',
    kind: 'ttft_drift',
    severity: 'critical',
    stat: 'p95',
    ratio: 1.5,
    window_s: 600,
    group_by: ['provider', 'model'],
    for_s: 300,
  },
  {
    name: 'unpriced-model',
    kind: 'unpriced_model',
    severity: 'warning',
    window_s: 3_600,
    group_by: ['provider', 'model'],
  },
];

export const alertsConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** node-cron expression (6 fields = with seconds) for rule evaluation. */
    schedule: z.string().default('*/30 * * * * *'),
    /** A still-firing alert is notified again after this long (0: never). */
    repeat_interval_s: z.number().int().min(0).default(14_400),
    notifiers: z.record(name, notifierSchema).default({}),
    rules: z
      .array(alertRuleSchema)
      .default(() => z.array(alertRuleSchema).parse(DEFAULT_ALERT_RULES)),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.rules.forEach((rule, i) => {
      if (seen.has(rule.name))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'name'],
          message: `duplicate rule name ${rule.name}`,
        });
      seen.add(rule.name);
      rule.notifiers.forEach((n, j) => {
        if (cfg.notifiers[n] === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'notifiers', j],
            message: `unknown notifier ${n}; define it under alerts.notifiers`,
          });
      });
    });
  });
export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
