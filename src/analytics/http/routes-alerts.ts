// GET /v1/alerts: active alerts (pending, firing) and the transition history, optionally for
// one tenant (alerts whose labels carry that tenant) or one rule.
import { Router } from 'express';
import { z } from 'zod';
import { queryActive, queryHistory } from '../alerts/store.js';
import type { RouteDeps } from './deps.js';
import { isoTimestamp } from './params.js';
import { alertsResponse } from './responses-perf.js';
import type { ApiRoutes } from './route.js';

const alertsSchema = z
  .object({
    view: z.enum(['all', 'active', 'history']).default('all'),
    tenant: z.string().min(1).max(256).optional().describe('only alerts labelled with this tenant'),
    rule: z.string().min(1).max(128).optional().describe('only this rule'),
    from: isoTimestamp.optional().describe('history from (ISO-8601, inclusive)'),
    to: isoTimestamp.optional().describe('history to (ISO-8601, exclusive)'),
    limit: z.coerce.number().int().min(1).max(5_000).default(200).describe('history rows'),
  })
  .strict();

export function createAlertsRouter(deps: RouteDeps, api: ApiRoutes): Router {
  const router = Router();
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/alerts',
      summary:
        'Active alerts (pending, firing) and alert history (pending, firing, resolved transitions)',
      query: alertsSchema,
      ok: { description: '{active: [...], history: [...]}, newest first', schema: alertsResponse },
    },
    async ({ query: q }) => {
      const filter = { tenant: q.tenant, rule: q.rule };
      const [active, history] = await Promise.all([
        q.view !== 'history' ? queryActive(deps.storage, filter) : undefined,
        q.view !== 'active'
          ? queryHistory(deps.storage, { ...filter, from: q.from, to: q.to, limit: q.limit })
          : undefined,
      ]);
      return {
        ...(active !== undefined ? { active } : {}),
        ...(history !== undefined ? { history } : {}),
      };
    },
  );
  return router;
}
