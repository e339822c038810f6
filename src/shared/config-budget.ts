// Config pieces of the one budget model (src/shared/budget.ts), shared by finops budgets, budget
// alert rules and routing budgets: money as decimal text, the period names, the scope and the
// soft / hard thresholds. Renamed keys keep loading: the old name is accepted, converted, and
// a deprecation warning names the new one (once per process).
import { z } from 'zod';
import { BUDGET_PERIODS, SCOPE_DIMENSIONS, type ScopeDimension } from './budget.js';
import { moneyText, parseMoney } from './money.js';

/** Non-negative USD: decimal text (preferred: every digit kept) or a number; kept as decimal text. */
export const usdSchema = z
  .union([z.string(), z.number()])
  .meta({ description: 'USD: decimal text (every digit kept), e.g. "0.3562", or a number' })
  .transform((v, ctx) => {
    const m = parseMoney(v);
    if (m !== undefined) return moneyText(m);
    ctx.addIssue({ code: 'custom', message: 'must be a non-negative decimal, e.g. "0.3562"' });
    return z.NEVER;
  });

/** A ceiling: like usdSchema, above zero (a zero ceiling is breached by any spend). */
export const ceilingSchema = usdSchema.refine((v) => v !== '0', { message: 'must be above 0' });

export const periodSchema = z
  .enum(BUDGET_PERIODS)
  .describe('UTC day, ISO week (from Monday, UTC) or calendar month (UTC)');

/** Spend matched by every dimension given (AND); none = all spend (global). */
export const scopeSchema = z
  .object(
    Object.fromEntries(SCOPE_DIMENSIONS.map((d) => [d, z.string().min(1).optional()])) as Record<
      ScopeDimension,
      z.ZodOptional<z.ZodString>
    >,
  )
  .strict();

/** Percent of the ceiling at which a budget becomes soft / hard (warning / exhausted). */
export const thresholdFields = {
  soft_pct: z.number().min(0).max(1000).default(80),
  hard_pct: z.number().min(0).max(1000).default(100),
};

const softBelowHard = {
  check: (b: { soft_pct: number; hard_pct: number }): boolean => b.soft_pct <= b.hard_pct,
  message: { message: 'soft_pct must not exceed hard_pct', path: ['soft_pct'] },
};

export const finopsBudgetSchema = z
  .object({
    name: z.string().min(1),
    scope: scopeSchema.default({}),
    period: periodSchema,
    ceiling_usd: usdSchema,
    ...thresholdFields,
  })
  .strict()
  .refine(softBelowHard.check, softBelowHard.message);

const warned = new Set<string>();

/** Warn once per process that `where` uses a renamed key; the config still loads. */
export function deprecatedKey(where: string, old: string, replacement: string): void {
  const message = `${where}: \`${old}\` is deprecated; write \`${replacement}\` instead (it is read the same way for now)`;
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { type: 'DeprecationWarning', code: 'LLM_FINOPS_CONFIG' });
}

/** A ratio (0.8) as a percent (80), exactly: 0.07 x 100 in doubles is 7.000000000000001. */
export function ratioToPct(ratio: number): number {
  return parseMoney(ratio)?.mul(100).toNumber() ?? Number.NaN;
}
