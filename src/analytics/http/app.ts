// The analytics HTTP API (express). Each router validates with zod and calls one query module
// per question; errors are mapped to status codes here only.
import express, { type NextFunction, type Request, type Response } from 'express';
import { DecodeError, PayloadTooLargeError } from '../../shared/errors.js';
import { errorStatus, isInternal } from '../../shared/http-status.js';
import type { AnalyticsServices } from '../services.js';
import { authMiddleware, corsMiddleware, metricsAuth, tenantBodyMiddleware } from './auth.js';
import type { CollectorMetrics } from '../../collector/metrics.js';
import { createMetrics } from './metrics.js';
import { OPENAPI_PATH, openApiDocument } from './openapi.js';
import { mountHealthProbes } from './probes.js';
import { ApiRoutes } from './route.js';
import { createAlertsRouter } from './routes-alerts.js';
import { createCostsRouter } from './routes-costs.js';
import { createFinopsRouter } from './routes-finops.js';
import { createOverviewRouter } from './routes-overview.js';
import { createPerformanceRouter } from './routes-performance.js';
import { createRoutingRouter } from './routes-routing.js';

export interface AppDeps extends AnalyticsServices {
  /** Readiness: false while starting or draining. */
  isReady?: () => boolean;
  /** Why the process is not ready (e.g. ingest stalled), shown in /readyz. */
  notReadyReason?: () => string | undefined;
  /** Collector counters for /metrics, when a collector runs in this process. */
  collectorMetrics?: () => CollectorMetrics;
  /** Listeners running --insecure beyond loopback: said on /healthz so monitoring sees it. */
  insecureWarnings?: string[];
  /** Check every JSON answer against its documented response schema (tests). */
  checkResponses?: boolean;
}

const BODY_LIMIT_BYTES = 1024 * 1024;

/** express.json()'s errors, as the typed errors the one mapping knows. */
function bodyParserError(err: unknown): unknown {
  const type = (err as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new PayloadTooLargeError(BODY_LIMIT_BYTES);
  if (type === 'entity.parse.failed') return new DecodeError('request body is not valid JSON');
  return err;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  mountHealthProbes(app, deps);
  const metrics = createMetrics(deps.collectorMetrics);
  app.use(metrics.middleware);
  app.get('/metrics', metricsAuth(deps.config.security), async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  // Routers register their routes here as they are built; the document renders exactly those.
  const api = new ApiRoutes({ checkResponses: deps.checkResponses === true });
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.get(OPENAPI_PATH, (_req, res) => {
    document ??= openApiDocument(api, {
      metricsKeyRequired: deps.config.security.metrics_key_sha256 !== undefined,
    });
    res.json(document);
  });

  // The page itself holds no data (its /v1 requests go through auth), so it is served before
  // auth: with keys configured, the page is where a person types the key.
  // It serves nothing under /v1/: skip its routes there (the feed's hot path passes by here).
  const overview = createOverviewRouter(deps);
  app.use((req, res, next) => (req.path.startsWith('/v1/') ? next() : overview(req, res, next)));
  app.use(corsMiddleware(deps.config.security.cors_origins));
  app.use(authMiddleware(deps.config.security));
  // The routing feed is polled by every gateway: mount it before body parsing and the other routers.
  app.use(createRoutingRouter(deps, api));
  app.use(express.json({ limit: BODY_LIMIT_BYTES }));
  app.use(tenantBodyMiddleware);
  app.use(createCostsRouter(deps, api));
  app.use(createFinopsRouter(deps, api));
  app.use(createPerformanceRouter(deps, api));
  app.use(createAlertsRouter(deps, api));

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such endpoint' });
  });
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const mapped = errorStatus(bodyParserError(err));
    if (isInternal(mapped)) deps.logger.error('request failed', { err });
    if (mapped.retryAfterSeconds !== undefined)
      res.setHeader('Retry-After', String(mapped.retryAfterSeconds));
    res.status(mapped.status).json({
      error: mapped.error,
      ...(mapped.field !== undefined ? { parameter: mapped.field } : {}),
      message: mapped.message,
    });
  });
  return app;
}
