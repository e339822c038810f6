// GET /v1/alerts: active alerts (pending, firing) and the transition history, optionally for
// one tenant (alerts whose labels carry that tenant) or one rule.
import { Router } from 'express';
import { z } from 'zod';
import { queryActive, queryHistory } from '../alerts/store.js';
import type { RouteDeps } from './deps.js';
import { registry } from './openapi.js';
import { isoTimestamp, parseQuery } from './params.js';

const alertsSchema = z
  .object({
    view: z.enum(['all', 'active', 'history']).default('all'),
    tenant: z.string().min(1).max(256).optional(),
    rule: z.string().min(1).max(128).optional(),
    from: isoTimestamp.optional(),
    to: isoTimestamp.optional(),
    limit: z.coerce.number().int().min(1).max(5_000).default(200),
  })
  .strict();

registry.registerPath({
  method: 'get',
  path: '/v1/alerts',
  summary:
    'Active alerts (pending, firing) and alert history (pending, firing, resolved transitions)',
  request: {
    query: z.object({
      view: z.string().optional().describe('all (default) | active | history'),
      tenant: z.string().optional().describe('only alerts labelled with this tenant'),
      rule: z.string().optional().describe('only this rule'),
      from: z.string().optional().describe('history from (ISO-8601, inclusive)'),
      to: z.string().optional().describe('history to (ISO-8601, exclusive)'),
      limit: z.string().optional().describe('history rows, 1-5000 (default 200)'),
    }),
  },
  responses: {
    200: { description: '{active: [...], history: [...]}, newest first' },
    400: { description: 'invalid parameter' },
  },
});

export function createAlertsRouter(deps: RouteDeps): Router {
  const router = Router();
  router.get('/v1/alerts', async (req, res, next) => {
    try {
      const q = parseQuery(alertsSchema, req.query);
      const filter = { tenant: q.tenant, rule: q.rule };
      const [active, history] = await Promise.all([
        q.view !== 'history' ? queryActive(deps.storage, filter) : Promise.resolve(undefined),
        q.view !== 'active'
          ? queryHistory(deps.storage, { ...filter, from: q.from, to: q.to, limit: q.limit })
          : Promise.resolve(undefined),
      ]);
      res.json({
        ...(active !== undefined ? { active } : {}),
        ...(history !== undefined ? { history } : {}),
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
