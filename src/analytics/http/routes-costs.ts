// GET /v1/costs: cost grouped by any call dimension, in time buckets, top-N with an `other`
// row, effective vs list. GET /v1/costs/provisioned: reservation cost allocated to calls.
import { Router } from 'express';
import { z } from 'zod';
import { COST_DIMENSIONS, INTERVALS, queryCosts } from '../queries/costs.js';
import { PROVISIONED_DIMENSIONS, queryProvisioned } from '../queries/provisioned.js';
import type { RouteDeps } from './deps.js';
import { registry } from './openapi.js';
import { commaList, isoTimestamp, parseQuery } from './params.js';

const MAX_RANGE_MS = 400 * 86_400_000;

/** from/to/tenant, shared by every money endpoint. */
export const rangeFields = {
  from: isoTimestamp,
  to: isoTimestamp,
  tenant: z.string().min(1).max(256).optional(),
};

/** to > from, and a bounded range (an hourly walk over years is a mistake, not a question). */
export function checkRange<T extends { from: unknown; to: unknown }>(
  schema: z.ZodType<T>,
): z.ZodType<T> {
  // zod runs object refinements even after a field failed, so check the types first.
  const dates = (q: T): q is T & { from: Date; to: Date } =>
    q.from instanceof Date && q.to instanceof Date;
  return schema
    .refine((q) => !dates(q) || q.from.getTime() < q.to.getTime(), {
      message: 'must be after from',
      path: ['to'],
    })
    .refine((q) => !dates(q) || q.to.getTime() - q.from.getTime() <= MAX_RANGE_MS, {
      message: 'range must not exceed 400 days',
      path: ['to'],
    });
}

export const rangeDocs = {
  from: z.string().describe('ISO-8601 start (inclusive), e.g. 2026-11-01T00:00:00Z'),
  to: z.string().describe('ISO-8601 end (exclusive)'),
  tenant: z.string().optional().describe('restrict to one tenant (applied in SQL)'),
};

const costsSchema = checkRange(
  z
    .object({
      ...rangeFields,
      group_by: commaList(COST_DIMENSIONS).optional(),
      interval: z.enum(['1h', '1d']).optional(),
      top: z.coerce.number().int().min(1).max(1000).optional(),
    })
    .strict()
    .refine((q) => q.top === undefined || (q.group_by?.length ?? 0) > 0, {
      message: 'top needs group_by',
      path: ['top'],
    }),
);

const provisionedSchema = checkRange(
  z.object({ ...rangeFields, group_by: commaList(PROVISIONED_DIMENSIONS).optional() }).strict(),
);

registry.registerPath({
  method: 'get',
  path: '/v1/costs',
  summary: `Cost grouped by any of ${COST_DIMENSIONS.join(', ')}; time buckets; top-N with an exact "other" row`,
  request: {
    query: z.object({
      ...rangeDocs,
      group_by: z
        .string()
        .optional()
        .describe(`comma list of ${COST_DIMENSIONS.join(', ')}`),
      interval: z
        .enum(['1h', '1d'])
        .optional()
        .describe('time buckets; each row gets a `bucket` (UTC ISO start)'),
      top: z
        .string()
        .optional()
        .describe(
          'keep the N costliest groups over the range; the rest is one `other: true` row per bucket',
        ),
    }),
  },
  responses: {
    200: {
      description:
        'rows: dims, [bucket], calls, tokens, cost_usd (effective, after discounts), list_cost_usd (on-demand equivalent), unpriced_calls; `other: true` on the folded top-N row; money as decimal strings',
    },
    400: { description: 'invalid parameter (named in `parameter`)' },
  },
});

registry.registerPath({
  method: 'get',
  path: '/v1/costs/provisioned',
  summary:
    'Provisioned reservation cost allocated to calls by converted-token share per hour, with an explicit idle row',
  request: {
    query: z.object({
      ...rangeDocs,
      group_by: z
        .string()
        .optional()
        .describe(`comma list of ${PROVISIONED_DIMENSIONS.join(', ')}`),
    }),
  },
  responses: {
    200: {
      description:
        'reservations (cost, allocated, idle, utilization) and rows (allocated_cost_usd per group; idle: true rows); allocated + idle = reservation cost exactly',
    },
    400: { description: 'invalid parameter (named in `parameter`)' },
  },
});

export function createCostsRouter(deps: RouteDeps): Router {
  const router = Router();
  router.get('/v1/costs', async (req, res, next) => {
    try {
      const q = parseQuery(costsSchema, req.query);
      await deps.beforeRead?.();
      const groupBy = q.group_by ?? [];
      const rows = await queryCosts(deps.storage, {
        from: q.from,
        to: q.to,
        groupBy,
        tenant: q.tenant,
        top: q.top,
        bucket: q.interval !== undefined ? INTERVALS[q.interval] : undefined,
      });
      res.json({
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        group_by: groupBy,
        ...(q.interval !== undefined ? { interval: q.interval } : {}),
        ...(q.top !== undefined ? { top: q.top } : {}),
        ...(q.tenant !== undefined ? { tenant: q.tenant } : {}),
        rows,
      });
    } catch (err) {
      next(err);
    }
  });
  router.get('/v1/costs/provisioned', async (req, res, next) => {
    try {
      const q = parseQuery(provisionedSchema, req.query);
      await deps.beforeRead?.();
      const groupBy = q.group_by ?? [];
      const result = await queryProvisioned(deps.storage, deps.config.finops.reservations, {
        from: q.from,
        to: q.to,
        groupBy,
        tenant: q.tenant,
      });
      res.json({
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        group_by: groupBy,
        ...(q.tenant !== undefined ? { tenant: q.tenant } : {}),
        allocation:
          'per hour: cost = units x price_per_unit_hour x covered hours; split by converted-token share (weights from config) with the unused capacity as idle; largest remainder at 18 decimals, so rows sum exactly to the reservation cost',
        ...result,
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
