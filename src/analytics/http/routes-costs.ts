// GET /v1/costs: cost per route / feature / tenant / provider / model / deployment / tier.
import { Router } from 'express';
import { z } from 'zod';
import { COST_DIMENSIONS, queryCosts } from '../queries/costs.js';
import type { RouteDeps } from './deps.js';
import { registry } from './openapi.js';
import { commaList, isoTimestamp, parseQuery } from './params.js';

const costsSchema = z
  .object({
    from: isoTimestamp,
    to: isoTimestamp,
    group_by: commaList(COST_DIMENSIONS).optional(),
    tenant: z.string().min(1).max(256).optional(),
  })
  .strict()
  // zod runs object refinements even after a field failed, so check the types first.
  .refine((q) => !(q.from instanceof Date && q.to instanceof Date) || q.from.getTime() < q.to.getTime(), { message: 'must be after from', path: ['to'] });

registry.registerPath({
  method: 'get',
  path: '/v1/costs',
  summary: 'Cost grouped by any of route, feature, tenant, provider, model, deployment, capacity_tier',
  request: {
    query: z.object({
      from: z.string().describe('ISO-8601 start (inclusive)'),
      to: z.string().describe('ISO-8601 end (exclusive)'),
      group_by: z.string().optional().describe(`comma list of ${COST_DIMENSIONS.join(', ')}`),
      tenant: z.string().optional().describe('restrict to one tenant'),
    }),
  },
  responses: { 200: { description: 'rows with calls, tokens, cost_usd (decimal string), unpriced_calls' }, 400: { description: 'invalid parameter' } },
});

export function createCostsRouter(deps: RouteDeps): Router {
  const router = Router();
  router.get('/v1/costs', async (req, res, next) => {
    try {
      const q = parseQuery(costsSchema, req.query);
      await deps.beforeRead?.();
      const rows = await queryCosts(deps.storage, { from: q.from, to: q.to, groupBy: q.group_by ?? [], tenant: q.tenant });
      res.json({ from: q.from.toISOString(), to: q.to.toISOString(), group_by: q.group_by ?? [], rows });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
