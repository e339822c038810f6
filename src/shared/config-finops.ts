// Config sections for FinOps money questions: provisioned reservations, budgets, outcomes,
// FOCUS export identity. Composed into the main schema by config.ts.
// Money is a decimal string (or a number written in plain notation) so it never becomes a float;
// budgets are the one budget model (config-budget.ts), shared with alerts and routing.
import { z } from 'zod';
import { finopsBudgetSchema, periodSchema, usdSchema } from './config-budget.js';

const weight = z.number().min(0).max(1000);

const reservationSchema = z
  .object({
    /** Name used in responses; defaults to the deployment. */
    name: z.string().min(1).optional(),
    deployment: z.string().min(1),
    provider: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    units: z.number().int().min(1),
    /** Term name (e.g. "1-month", "1-year", "hourly"); informational, the price below applies. */
    term: z.string().min(1).default('hourly'),
    price_per_unit_hour: usdSchema,
    /** Capacity of one unit in converted tokens per minute (Azure "input TPM per PTU", GSU tokens/s x 60). */
    tokens_per_minute_per_unit: z.number().positive(),
    /** Capacity weights (not prices): converted = w_in*uncached_in + w_cached*cache_read + w_cw*cache_write + w_out*output. */
    weights: z
      .object({
        input: weight.default(1),
        cached_input: weight.default(0),
        cache_write: weight.default(1),
        output: weight.default(1),
      })
      .strict()
      .default({ input: 1, cached_input: 0, cache_write: 1, output: 1 }),
    /** Reservation active window; outside it no cost accrues. Absent = always active. */
    start: z.iso.datetime({ offset: true }).optional(),
    end: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

const tokenBudgetSchema = z
  .object({
    route: z.string().min(1),
    /** Tokens (input + output) one call may use. */
    max_tokens_per_call: z.number().int().min(1).optional(),
    /** Tokens (input + output) all calls of the route may use per period. */
    max_tokens_per_period: z
      .object({ period: periodSchema, tokens: z.number().int().min(1) })
      .strict()
      .optional(),
  })
  .strict();

export const finopsConfigSchema = z
  .object({
    reservations: z.array(reservationSchema).default([]),
    budgets: z.array(finopsBudgetSchema).default([]),
    token_budgets: z.array(tokenBudgetSchema).default([]),
    outcomes: z
      .object({
        /** A call in the same conversation counts toward an outcome if it started this long before it. */
        conversation_window_hours: z
          .number()
          .positive()
          .max(24 * 90)
          .default(24),
      })
      .strict()
      .default({ conversation_window_hours: 24 }),
    focus: z
      .object({
        billing_account_id: z.string().min(1).default('llm-finops'),
        billing_account_name: z.string().min(1).default('LLM usage'),
        billing_currency: z
          .string()
          .regex(/^[A-Z]{3}$/)
          .default('USD'),
        /** 1 USD in billing_currency, exact decimal text: required when that is not USD. */
        exchange_rate: usdSchema
          .refine((v) => v !== '0', { message: 'must be above 0' })
          .optional()
          .describe(
            'units of billing_currency per 1 USD (decimal text, e.g. "0.9215"); required when billing_currency is not USD',
          ),
      })
      .strict()
      .refine((f) => f.billing_currency === 'USD' || f.exchange_rate !== undefined, {
        message:
          'required when billing_currency is not USD: prices are in USD and the export converts them at this exact rate (e.g. "0.9215")',
        path: ['exchange_rate'],
      })
      .default({
        billing_account_id: 'llm-finops',
        billing_account_name: 'LLM usage',
        billing_currency: 'USD',
      }),
  })
  .strict()
  .refine(
    (f) =>
      new Set(f.reservations.map((r) => r.name ?? r.deployment)).size === f.reservations.length,
    {
      message: 'reservation names (default: the deployment) must be unique',
      path: ['reservations'],
    },
  )
  .superRefine((f, ctx) => {
    // A call two reservations cover would be allocated twice and billed $0 once: refuse it.
    f.reservations.forEach((a, i) =>
      f.reservations.slice(0, i).forEach((b, j) => {
        if (!reservationsOverlap(a, b)) return;
        ctx.addIssue({
          code: 'custom',
          path: ['reservations', i],
          message: `covers the same calls as reservations.${j} (deployment ${a.deployment}, overlapping start/end): give them different provider/model or windows`,
        });
      }),
    );
  });

type Reservation = z.infer<typeof reservationSchema>;

function reservationsOverlap(a: Reservation, b: Reservation): boolean {
  const differ = (x: string | undefined, y: string | undefined): boolean =>
    x !== undefined && y !== undefined && x !== y;
  if (a.deployment !== b.deployment || differ(a.provider, b.provider) || differ(a.model, b.model))
    return false;
  const lo = (r: Reservation): number => (r.start !== undefined ? Date.parse(r.start) : -Infinity);
  const hi = (r: Reservation): number => (r.end !== undefined ? Date.parse(r.end) : Infinity);
  return lo(a) < hi(b) && lo(b) < hi(a);
}

export type FinopsConfig = z.infer<typeof finopsConfigSchema>;
export type ReservationConfig = FinopsConfig['reservations'][number];
export type BudgetConfig = FinopsConfig['budgets'][number];
export type TokenBudgetConfig = FinopsConfig['token_budgets'][number];
