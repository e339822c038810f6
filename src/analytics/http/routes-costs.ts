// GET /v1/costs: cost grouped by any call dimension, in time buckets, top-N with an `other`
// row, effective vs list. GET /v1/costs/provisioned: reservation cost allocated to calls.
import { Router } from 'express';
import { z } from 'zod';
import { COST_DIMENSIONS, INTERVALS, queryCosts } from '../queries/costs.js';
import { PROVISIONED_DIMENSIONS, queryProvisioned } from '../queries/provisioned.js';
import type { RouteDeps } from './deps.js';
import { commaList, rangeChecks, rangeFields } from './params.js';
import { costsResponse, provisionedResponse } from './responses.js';
import type { ApiRoutes } from './route.js';

const costsSchema = z
  .object({
    ...rangeFields,
    group_by: commaList(COST_DIMENSIONS)
      .optional()
      .describe(`comma list of ${COST_DIMENSIONS.join(', ')}`),
    interval: z
      .enum(['1h', '1d'])
      .optional()
      .describe('time buckets; each row gets a `bucket` (UTC ISO start)'),
    top: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .optional()
      .describe(
        'keep the N costliest groups over the range; the rest is one `other: true` row per bucket (needs group_by)',
      ),
    unused: z
      .enum(['row', 'spread'])
      .default('row')
      .describe(
        'unused reservation capacity: `row` (own rows, unused_reservation: true) or `spread` over the groups by covered usage',
      ),
  })
  .strict()
  .superRefine(rangeChecks(400))
  .refine((q) => q.top === undefined || (q.group_by?.length ?? 0) > 0, {
    message: 'top needs group_by',
    path: ['top'],
  });

const provisionedSchema = z
  .object({
    ...rangeFields,
    group_by: commaList(PROVISIONED_DIMENSIONS)
      .optional()
      .describe(`comma list of ${PROVISIONED_DIMENSIONS.join(', ')}`),
  })
  .strict()
  .superRefine(rangeChecks(400));

export function createCostsRouter(deps: RouteDeps, api: ApiRoutes): Router {
  const router = Router();
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/costs',
      summary: `Cost grouped by any of ${COST_DIMENSIONS.join(', ')}; time buckets; top-N with an exact "other" row`,
      query: costsSchema,
      ok: {
        description:
          'rows: dims, [bucket], calls, tokens, cost_usd (= effective_cost_usd), billed_cost_usd, effective_cost_usd, list_cost_usd (on-demand equivalent), unpriced_calls; reservation purchase and unused rows (not under a tenant scope); money as decimal strings. Sum of effective = sum of billed = on-demand + reservation cost.',
        schema: costsResponse,
      },
    },
    async ({ query: q }) => {
      await deps.beforeRead?.();
      const groupBy = q.group_by ?? [];
      const rows = await queryCosts(deps.storage, {
        from: q.from,
        to: q.to,
        groupBy,
        tenant: q.tenant,
        top: q.top,
        bucket: q.interval !== undefined ? INTERVALS[q.interval] : undefined,
        reservations: deps.config.finops.reservations,
        unused: q.unused,
        now: deps.now(),
      });
      return {
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        group_by: groupBy,
        ...(q.interval !== undefined ? { interval: q.interval } : {}),
        ...(q.top !== undefined ? { top: q.top } : {}),
        ...(q.tenant !== undefined ? { tenant: q.tenant } : {}),
        unused: q.unused,
        rows,
      };
    },
  );
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/costs/provisioned',
      summary:
        'Provisioned reservation cost allocated to calls by converted-token share per hour, with an explicit idle row',
      query: provisionedSchema,
      ok: {
        description:
          'reservations (cost, allocated, idle, utilization) and rows (allocated_cost_usd per group; idle: true rows); allocated + idle = reservation cost exactly',
        schema: provisionedResponse,
      },
    },
    async ({ query: q }) => {
      await deps.beforeRead?.();
      const groupBy = q.group_by ?? [];
      const result = await queryProvisioned(deps.storage, deps.config.finops.reservations, {
        from: q.from,
        to: q.to,
        groupBy,
        tenant: q.tenant,
      });
      return {
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        group_by: groupBy,
        ...(q.tenant !== undefined ? { tenant: q.tenant } : {}),
        allocation:
          'per hour: cost = units x price_per_unit_hour x covered hours; split by converted-token share (weights from config) with the unused capacity as idle; largest remainder at 18 decimals, so rows sum exactly to the reservation cost',
        reservations: result.reservations,
        // The query types its rows as loose records; their shape is checked in tests.
        rows: result.rows as z.input<typeof provisionedResponse>['rows'],
      };
    },
  );
  return router;
}
