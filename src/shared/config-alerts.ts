// Config section for alerts: rules (one per question worth waking someone for) and notifiers.
// Composed into the main schema by config.ts. Defaults come from the problem domain: a provider
// at 5% errors in a minute is an incident; TTFT median 1.2x its baseline is worth a warning,
// p95 at 1.5x pages; an unpriced model is a silent $0 that must never go unnoticed.
import { z } from 'zod';
import { SCOPE_DIMENSIONS, type ScopeDimension } from './budget.js';
import {
  ceilingSchema,
  deprecatedKey,
  periodSchema,
  ratioToPct,
  scopeSchema,
  thresholdFields,
  usdSchema,
} from './config-budget.js';

/** Call dimensions a rule can filter on (scope) and group its alerts by (labels): a budget's. */
export const ALERT_LABELS = SCOPE_DIMENSIONS;
export type AlertLabel = ScopeDimension;

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
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const SEVERITIES = ['info', 'warning', 'critical'] as const;

const name = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'letters, digits, _ . - (1-128 chars)');

const scope = scopeSchema.describe('only calls matching every given dimension are evaluated');

/** Fields every rule has; `window_s` is how far back the current value is measured. */
const base = {
  name,
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  severity: z.enum(SEVERITIES).default('warning'),
  scope: scope.default({}),
  group_by: z
    .array(z.enum(ALERT_LABELS))
    .optional()
    .describe('labels of one alert; a default per kind'),
  /** How long the condition must hold before pending becomes firing (0: fire at once). */
  for_s: z.number().int().min(0).max(86_400).default(0),
  window_s: z
    .number()
    .int()
    .min(10)
    .max(31 * 86_400)
    .optional(),
  /** Groups with fewer calls in the window are not judged (noise on tiny samples). */
  min_calls: z.number().int().min(0).default(20),
  notifiers: z.array(name).default([]),
};

const baselined = {
  /** Baseline: the `baseline_s` seconds before the current window. */
  baseline_s: z
    .number()
    .int()
    .min(60)
    .max(90 * 86_400)
    .default(86_400),
};

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
const budgetFields = z
  .object({
    ...base,
    kind: z.literal('budget'),
    ceiling_usd: ceilingSchema
      .optional()
      .describe(
        'ceiling of each group (group_by, default tenant); omitted: the finops.budgets, judged as GET /v1/budgets judges them',
      ),
    limit_usd: z
      .number()
      .positive()
      .optional()
      .meta({ deprecated: true, description: 'old name of ceiling_usd' }),
    period: periodSchema
      .optional()
      .describe(
        'with ceiling_usd: its period (default month); without: only finops budgets of this period',
      ),
    budgets: z
      .array(z.string().min(1))
      .optional()
      .describe('without ceiling_usd: only the finops budgets with these names (default all)'),
    /** soft: spent >= soft threshold; hard: spent >= hard threshold; forecast: projected period spend >= ceiling. */
    mode: z.enum(['soft', 'hard', 'forecast']).default('hard'),
    soft_pct: z
      .number()
      .min(0)
      .max(1000)
      .optional()
      .describe('with ceiling_usd (a finops budget has its own); default 80'),
    hard_pct: thresholdFields.hard_pct.describe('with ceiling_usd (a finops budget has its own)'),
    soft_ratio: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .meta({ deprecated: true, description: 'old name of soft_pct, as a ratio (0.8 = 80%)' }),
    min_calls: z.number().int().min(0).default(0),
  })
  .strict();

/** Old keys of a budget rule (limit_usd, soft_ratio) read as the new ones, with a warning. */
const budget = budgetFields.transform(({ limit_usd, soft_ratio, ...r }, ctx) => {
  const where = `alerts.rules ${r.name}`;
  if (limit_usd !== undefined) {
    deprecatedKey(where, 'limit_usd', 'ceiling_usd');
    if (r.ceiling_usd !== undefined)
      ctx.issues.push({
        code: 'custom',
        input: limit_usd,
        path: ['limit_usd'],
        message: 'give ceiling_usd only',
      });
  }
  if (soft_ratio !== undefined) {
    deprecatedKey(where, 'soft_ratio', 'soft_pct (a percent: 0.8 -> 80)');
    if (r.soft_pct !== undefined)
      ctx.issues.push({
        code: 'custom',
        input: soft_ratio,
        path: ['soft_ratio'],
        message: 'give soft_pct only',
      });
  }
  const ceiling =
    r.ceiling_usd ?? (limit_usd !== undefined ? usdSchema.parse(limit_usd) : undefined);
  const softPct = r.soft_pct ?? (soft_ratio !== undefined ? ratioToPct(soft_ratio) : 80);
  if (softPct > r.hard_pct)
    ctx.issues.push({
      code: 'custom',
      input: softPct,
      path: ['soft_pct'],
      message: 'soft_pct must not exceed hard_pct',
    });
  return {
    ...r,
    ceiling_usd: ceiling,
    period: r.period ?? (ceiling !== undefined ? ('month' as const) : undefined),
    soft_pct: softPct,
  };
});
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

export const alertRuleSchema = z.discriminatedUnion('kind', [
  ttftDrift,
  latencyP95,
  errorRate,
  rate429,
  cacheHit,
  budget,
  costAnomaly,
  tokenBudget,
  fallbackRate,
  retryAmp,
  unpriced,
]);
export type AlertRule = z.infer<typeof alertRuleSchema>;

const delivery = {
  timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
  /** Attempts after the first one; the wait doubles from backoff_ms. */
  retries: z.number().int().min(0).max(10).default(3),
  backoff_ms: z.number().int().min(0).max(60_000).default(500),
  headers: z.record(z.string(), z.string()).default({}),
};

const webhookNotifier = z
  .object({
    ...delivery,
    type: z.literal('webhook'),
    url: z.url(),
    secret: z
      .string()
      .min(16)
      .optional()
      .describe('HMAC-SHA256 key; signature in X-Finops-Signature'),
  })
  .strict();
const slackNotifier = z
  .object({
    ...delivery,
    type: z.literal('slack'),
    url: z.url(),
    channel: z.string().optional(),
    username: z.string().optional(),
  })
  .strict();
const alertmanagerNotifier = z
  .object({
    ...delivery,
    type: z.literal('alertmanager'),
    url: z.url().describe('Alertmanager base URL; alerts go to <url>/api/v2/alerts'),
  })
  .strict();

export const notifierSchema = z.discriminatedUnion('type', [
  webhookNotifier,
  slackNotifier,
  alertmanagerNotifier,
]);
export type NotifierConfig = z.infer<typeof notifierSchema>;

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
