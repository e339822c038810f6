// Query-parameter parsing shared by the API routes: zod schemas, and errors that name the
// parameter so a client knows what to fix.
import { z } from 'zod';
import { ValidationError } from '../../shared/errors.js';
import { describeIssue } from '../../shared/zod-messages.js';

// ClickHouse DateTime64 covers 1900-01-01 .. 2299-12-31; a timestamp outside it cannot match a row,
// and one near the edge of JavaScript's Date range turns into an invalid Date once a default
// window is subtracted from it (found by the API fuzz test: to=-271821-05-19T... gave a 500).
const MIN_TIMESTAMP_MS = Date.UTC(1900, 0, 1);
const MAX_TIMESTAMP_MS = Date.UTC(2300, 0, 1);
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/** ISO-8601 timestamp with a time zone (Z or an offset), e.g. 2026-11-01T00:00:00Z, in 1900..2299. */
export const isoTimestamp = z
  .string()
  .refine((value) => ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value)), {
    message: 'must be an ISO-8601 timestamp with a time zone, e.g. 2026-11-01T00:00:00Z',
  })
  .transform((value) => new Date(value))
  .refine((date) => date.getTime() >= MIN_TIMESTAMP_MS && date.getTime() < MAX_TIMESTAMP_MS, {
    message: 'must be between 1900-01-01T00:00:00Z and 2299-12-31T23:59:59Z',
  });

/** from/to/tenant, shared by every range endpoint (descriptions are the documented ones). */
export const rangeFields = {
  from: isoTimestamp.describe(
    'the start of the range (inclusive), an ISO-8601 timestamp with a time zone, e.g. 2026-11-01T00:00:00Z',
  ),
  to: isoTimestamp.describe(
    'the end of the range (exclusive), an ISO-8601 timestamp with a time zone, e.g. 2026-12-01T00:00:00Z',
  ),
  tenant: z.string().min(1).max(256).optional().describe('restrict to one tenant (applied in SQL)'),
};

const DAY_MS = 86_400_000;

/**
 * to after from, at most `maxDays` apart (an hourly walk over years is a mistake, not a
 * question); the issue names `to`. zod runs object refinements even after a field failed, so
 * the types are checked first.
 */
export function rangeChecks(maxDays: number) {
  return (q: { from?: unknown; to?: unknown }, ctx: z.RefinementCtx): void => {
    if (!(q.from instanceof Date) || !(q.to instanceof Date)) return;
    if (q.from.getTime() >= q.to.getTime())
      ctx.addIssue({ code: 'custom', message: 'must be after from', path: ['to'] });
    else if (q.to.getTime() - q.from.getTime() > maxDays * DAY_MS)
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${maxDays} days after from`,
        path: ['to'],
      });
  };
}

/** A comma-separated list whose items must come from `allowed`. */
export function commaList<T extends string>(allowed: readonly T[]) {
  return z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    )
    .refine((items) => items.every((item) => (allowed as readonly string[]).includes(item)), {
      message: `each item must be one of: ${allowed.join(', ')}`,
    })
    .refine((items) => new Set(items).size === items.length, { message: 'items must not repeat' })
    .transform((items) => items as T[]);
}

/** Parse `req.query` with a zod object schema; a failure names the first bad parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  // The first issue, at its own path (an unknown parameter is named itself, not the query).
  const { path, message } = describeIssue(schema, result.error.issues[0]!);
  const parameter = path || 'query';
  throw new ValidationError(
    message.startsWith('is required')
      ? `${parameter} ${message}`
      : `invalid parameter ${parameter}: ${message}`,
    parameter,
  );
}
