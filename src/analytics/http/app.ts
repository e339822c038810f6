// The analytics HTTP API (express). Each router validates with zod and calls one query module
// per question; errors are mapped to status codes here only.
import express, { type NextFunction, type Request, type Response } from 'express';
import { parseConfig, type Config } from '../../shared/config.js';
import {
  ForbiddenError,
  RetryableError,
  UnauthorizedError,
  ValidationError,
} from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import type { QueryRunner } from '../../storage/runner.js';
import type { RouteDeps } from './deps.js';
import { authMiddleware, corsMiddleware, tenantBodyMiddleware } from './auth.js';
import { createMetrics, type CollectorMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { createAlertsRouter } from './routes-alerts.js';
import { createCostsRouter } from './routes-costs.js';
import { createFinopsRouter } from './routes-finops.js';
import { createOverviewRouter } from './routes-overview.js';
import { createPerformanceRouter } from './routes-performance.js';
import { createRoutingRouter } from './routes-routing.js';

export interface AppDeps {
  storage: QueryRunner;
  logger: Logger;
  config?: Config;
  beforeRead?: () => Promise<void>;
  /** Readiness: false while starting or draining. */
  isReady?: () => boolean;
  now?: () => Date;
  /** Collector counters for /metrics, when a collector runs in this process. */
  collectorMetrics?: () => CollectorMetrics;
}

export function createApp(deps: AppDeps): express.Express {
  return createAppWith(deps).app;
}

/** The app plus the RouteDeps it built (the runtime hands the same deps to the scheduler). */
export function createAppWith(deps: AppDeps): { app: express.Express; routeDeps: RouteDeps } {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const routeDeps: RouteDeps = {
    storage: deps.storage,
    logger: deps.logger,
    config: deps.config ?? parseConfig({}),
    now: deps.now ?? (() => new Date()),
    ...(deps.beforeRead !== undefined ? { beforeRead: deps.beforeRead } : {}),
  };

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const ready = deps.isReady?.() ?? true;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' });
  });
  const metrics = createMetrics(deps.collectorMetrics);
  app.use(metrics.middleware);
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  app.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });

  // The page itself holds no data (its /v1 requests go through auth), so it is served before
  // auth: with keys configured, the page is where a person types the key.
  // It serves nothing under /v1/: skip its routes there (the feed's hot path passes by here).
  const overview = createOverviewRouter(routeDeps);
  app.use((req, res, next) => (req.path.startsWith('/v1/') ? next() : overview(req, res, next)));
  app.use(corsMiddleware(routeDeps.config.security.cors_origins));
  app.use(authMiddleware(routeDeps.config.security));
  // The routing feed is polled by every gateway: mount it before body parsing and the other routers.
  app.use(createRoutingRouter(routeDeps));
  app.use(express.json({ limit: '1mb' }));
  app.use(tenantBodyMiddleware);
  app.use(createCostsRouter(routeDeps));
  app.use(createFinopsRouter(routeDeps));
  app.use(createPerformanceRouter(routeDeps));
  app.use(createAlertsRouter(routeDeps));

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such endpoint' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof UnauthorizedError || err instanceof ForbiddenError) {
      res.status(err instanceof UnauthorizedError ? 401 : 403).json({
        error: err instanceof UnauthorizedError ? 'unauthorized' : 'forbidden',
        message: err.message,
      });
      return;
    }
    if (err instanceof RetryableError) {
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
      res.status(429).json({ error: 'rate_limited', message: err.message });
      return;
    }
    if ((err as { type?: string }).type === 'entity.too.large') {
      res.status(413).json({ error: 'body_too_large', message: 'request body exceeds 1 MiB' });
      return;
    }
    if (err instanceof ValidationError) {
      res
        .status(400)
        .json({ error: 'invalid_parameter', parameter: err.field, message: err.message });
      return;
    }
    if ((err as { type?: string }).type === 'entity.parse.failed') {
      res.status(400).json({ error: 'invalid_body', message: 'request body is not valid JSON' });
      return;
    }
    deps.logger.error('request failed', { err });
    res.status(500).json({ error: 'internal', message: 'internal error' });
  });
  return { app, routeDeps };
}
