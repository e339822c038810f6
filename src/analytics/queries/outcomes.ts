// POST /v1/outcomes: business outcomes sent by API, beside the `finops.outcome` span path.
// The `outcomes` table is a ReplacingMergeTree keyed by (tenant, outcome_id) and readers use
// FINAL, so re-posting an id replaces the earlier row instead of counting twice.
import { z } from 'zod';
import type { QueryRunner } from '../../storage/runner.js';
import { Money, storedDecimalProblem } from '../../shared/money.js';

const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * A value is a decimal string or a finite number; numbers keep their shortest decimal form. It
 * must fit the `outcomes.value` column (Decimal(38, 18)) exactly: a value it cannot hold would
 * fail the whole insert (500) or be silently truncated, so it is a 400 naming the field.
 */
const outcomeValue = z
  .union([
    z.string().regex(DECIMAL_RE, 'must be a decimal, e.g. "19.99"'),
    z.number().refine(Number.isFinite, 'must be finite'),
  ])
  .transform((v, ctx) => {
    const value = new Money(typeof v === 'number' ? String(v) : v);
    const problem = storedDecimalProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    return value.toFixed();
  });

const shortText = z.string().max(256);

export const outcomeSchema = z
  .object({
    id: z.string().min(1).max(256),
    name: z.string().min(1).max(256),
    success: z.boolean(),
    value: outcomeValue.optional(),
    time: z.iso.datetime({ offset: true }).optional(),
    trace_id: z
      .string()
      .regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters')
      .optional(),
    conversation_id: shortText.optional(),
    tenant: shortText.optional(),
    route: shortText.optional(),
    feature: shortText.optional(),
  })
  .strict();

export const outcomesBodySchema = z
  .object({ outcomes: z.array(outcomeSchema).min(1).max(10_000) })
  .strict();
export type OutcomeInput = z.infer<typeof outcomeSchema>;

/** Seconds.micros text that ClickHouse parses exactly for DateTime64(6). */
function dateTime64(iso: string | undefined, now: Date): string {
  const ms = iso !== undefined ? Date.parse(iso) : now.getTime();
  return (ms / 1000).toFixed(3);
}

/** Write a batch; within a batch the last occurrence of an id wins, as it would across batches. */
export async function insertOutcomes(
  storage: QueryRunner,
  outcomes: readonly OutcomeInput[],
  now: Date,
): Promise<number> {
  const byId = new Map<string, OutcomeInput>();
  for (const o of outcomes) byId.set(`${o.tenant ?? ''}\u0000${o.id}`, o);
  const lines = [...byId.values()].map((o) =>
    JSON.stringify({
      outcome_id: o.id,
      time: dateTime64(o.time, now),
      name: o.name,
      success: o.success,
      value: o.value ?? null,
      trace_id: o.trace_id ?? '',
      conversation_id: o.conversation_id ?? '',
      tenant: o.tenant ?? '',
      route: o.route ?? '',
      feature: o.feature ?? '',
      source: 'api',
    }),
  );
  await storage.insert('outcomes', lines.join('\n'));
  return lines.length;
}
