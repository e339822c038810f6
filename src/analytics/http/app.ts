// The analytics HTTP API (express). Routes validate with zod and call one query module each;
// errors are mapped to status codes here only.
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { ValidationError } from '../../shared/errors.js';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import type { Storage } from '../../storage/client.js';
import { COST_DIMENSIONS, queryCosts } from '../queries/costs.js';
import { commaList, isoTimestamp, parseQuery } from './params.js';

export interface AppDeps {
  storage: Storage;
  logger: Logger;
  /** The validated configuration (SLOs, budgets, reservations...). */
  config?: Config;
  /** Called before a read so rows acknowledged by this process are visible (single-process mode). */
  beforeRead?: () => Promise<void>;
  /** Readiness: false while starting or draining. */
  isReady?: () => boolean;
}

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

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const ready = deps.isReady?.() ?? true;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' });
  });

  app.get('/v1/costs', async (req, res, next) => {
    try {
      const q = parseQuery(costsSchema, req.query);
      await deps.beforeRead?.();
      const rows = await queryCosts(deps.storage, { from: q.from, to: q.to, groupBy: q.group_by ?? [], tenant: q.tenant });
      res.json({ from: q.from.toISOString(), to: q.to.toISOString(), group_by: q.group_by ?? [], rows });
    } catch (err) {
      next(err);
    }
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such endpoint' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof ValidationError) {
      res.status(400).json({ error: 'invalid_parameter', parameter: err.field, message: err.message });
      return;
    }
    deps.logger.error('request failed', { err });
    res.status(500).json({ error: 'internal', message: 'internal error' });
  });
  return app;
}
