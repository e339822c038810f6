// The budget alert rule: a ceiling of its own per group, or the finops budgets judged as
// GET /v1/budgets judges them. Its old keys (limit_usd, soft_ratio) still read, with a warning.
import { z } from 'zod';
import { base } from './config-alert-base.js';
import {
  ceilingSchema,
  deprecatedKey,
  periodSchema,
  ratioToPct,
  thresholdFields,
  usdSchema,
} from './config-budget.js';

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
export const budgetRuleSchema = budgetFields.transform(({ limit_usd, soft_ratio, ...r }, ctx) => {
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
