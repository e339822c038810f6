// Response schemas of the /v1 routes: documented in the OpenAPI document, and in tests every
// JSON answer is checked against them (ApiRoutes checkResponses), so the document cannot drift
// from what the query modules return. Known fields are typed; grouping dimensions (whatever
// `group_by` asked for) are the open part of a row.
import { z } from 'zod';

const DECIMAL = /^-?\d+(\.\d+)?$/;
export const money = z
  .string()
  .regex(DECIMAL)
  .describe('exact decimal string, USD (never a float)');
const decimal = z.string().regex(DECIMAL).describe('exact decimal string');
const iso = z.string().describe('ISO-8601 UTC timestamp');
/** A grouping dimension's value; `bucket` and flags are listed where they occur. */
const dimension = z.union([z.string(), z.number(), z.boolean()]);
const grouped = <T extends z.ZodRawShape>(shape: T) => z.object(shape).catchall(dimension);
const range = { from: iso, to: iso };

export const costsResponse = z.object({
  ...range,
  group_by: z.array(z.string()),
  interval: z.enum(['1h', '1d']).optional(),
  top: z.number().int().optional(),
  tenant: z.string().optional(),
  unused: z.enum(['row', 'spread']),
  rows: z.array(
    grouped({
      bucket: iso.optional().describe('bucket start, with `interval`'),
      other: z.boolean().optional().describe('with top: true on the folded rest'),
      reservation: z.string().optional().describe('on reservation rows: the reservation name'),
      deployment: z.string().optional(),
      unused_reservation: z
        .boolean()
        .optional()
        .describe('true on the unused share of reservation hours (effective, billed 0)'),
      reservation_purchase: z
        .boolean()
        .optional()
        .describe('true on the reservation purchase charge (billed, effective 0)'),
      calls: z.number(),
      input_tokens: z.number(),
      cache_read_tokens: z.number(),
      cache_creation_tokens: z.number(),
      output_tokens: z.number(),
      reasoning_tokens: z.number(),
      cost_usd: money.describe('effective cost (= effective_cost_usd)'),
      billed_cost_usd: money.describe(
        'what the invoice line says: $0 for calls a reservation covers, the purchase on its row',
      ),
      effective_cost_usd: money.describe(
        'amortized: token price after discounts, or the allocated share of a reservation hour',
      ),
      list_cost_usd: money.describe('on-demand equivalent'),
      unpriced_calls: z.number().describe('calls without a price: cost_usd leaves them out'),
      usage_incomplete_calls: z
        .number()
        .describe(
          'calls whose source reports incomplete usage (e.g. no cached tokens): their cost is an upper estimate',
        ),
    }),
  ),
});

export const provisionedResponse = z.object({
  ...range,
  group_by: z.array(z.string()),
  tenant: z.string().optional(),
  allocation: z.string().describe('how reservation cost is split'),
  reservations: z.array(
    z.object({
      name: z.string(),
      deployment: z.string(),
      provider: z.string(),
      model: z.string(),
      term: z.string(),
      units: z.number(),
      price_per_unit_hour: decimal,
      hours: decimal,
      reservation_cost_usd: money,
      allocated_cost_usd: money,
      idle_cost_usd: money,
      capacity_tokens: decimal,
      converted_tokens: decimal,
      utilization: z.number(),
    }),
  ),
  rows: z.array(
    grouped({
      reservation: z.string(),
      idle: z.boolean().describe('the unused share of the reservation'),
      calls: z.number(),
      converted_tokens: decimal,
      allocated_cost_usd: money,
      list_cost_usd: money,
    }),
  ),
});

const spendTotal = z.object({
  calls: z.number(),
  spend_usd: money.describe(
    'effective cost (covered calls at their share of the reservation hour)',
  ),
  unpriced_calls: z.number().describe('calls without a price: spend_usd leaves them out'),
  usage_incomplete_calls: z
    .number()
    .describe(
      'calls whose source reports incomplete usage (e.g. no cached tokens): their cost is an upper estimate',
    ),
});
export const outcomeSpendResponse = z.object({
  ...range,
  group_by: z.string().nullable(),
  name: z.string().nullable(),
  linking: z
    .record(z.string(), z.unknown())
    .describe('how outcomes are linked to calls: rule, conversation_window_hours, ...'),
  rows: z.array(
    grouped({
      outcomes: z.number(),
      successful_outcomes: z.number(),
      failed_outcomes: z.number(),
      linked_calls: z.number(),
      unpriced_calls: z.number().describe('linked calls without a price (not in spend_usd)'),
      usage_incomplete_calls: z
        .number()
        .describe(
          'linked calls whose source reports incomplete usage (e.g. no cached tokens): their cost is an upper estimate',
        ),
      spend_usd: money,
      spend_per_success_usd: money,
      success_value_usd: money,
    }),
  ),
  unlinked: spendTotal,
  total: spendTotal,
});

export const outcomesAccepted = z.object({ accepted: z.number().int() });

export const budgetsResponse = z.object({
  at: iso,
  forecast: z.string(),
  budgets: z.array(
    z.object({
      name: z.string(),
      scope: z.record(z.string(), z.string()),
      period: z.string(),
      period_start: iso,
      period_end: iso,
      elapsed_fraction: z.number(),
      ceiling_usd: money,
      spent_usd: money,
      remaining_usd: money,
      forecast_usd: money,
      soft_threshold_usd: money,
      hard_threshold_usd: money,
      status: z.enum(['ok', 'soft', 'hard', 'forecast_breach']),
      unpriced_calls: z
        .number()
        .describe('calls in the spend without a price (their cost is unknown, not $0)'),
      usage_incomplete_calls: z
        .number()
        .describe(
          'calls in the spend whose source reports incomplete usage (e.g. no cached tokens): their cost is an upper estimate',
        ),
    }),
  ),
});

export const tokenBreachesResponse = z.object({
  ...range,
  tokens: z.string(),
  breaches: z.array(
    z.discriminatedUnion('type', [
      z.object({
        route: z.string(),
        type: z.literal('per_call'),
        limit_tokens: z.number(),
        breaching_calls: z.number(),
        max_tokens: z.number(),
        examples: z.array(
          z.object({
            call_id: z.string(),
            tenant: z.string(),
            start_time: z.string(),
            tokens: z.number(),
          }),
        ),
      }),
      z.object({
        route: z.string(),
        type: z.literal('per_period'),
        period: z.string(),
        period_start: z.string(),
        limit_tokens: z.number(),
        tokens: z.number(),
        excess_tokens: z.number(),
      }),
    ]),
  ),
});

/** FOCUS rows are a file, not JSON: the schema documents nothing but the attachment. */
export const focusExport = z.string().describe('CSV text or Parquet bytes');
