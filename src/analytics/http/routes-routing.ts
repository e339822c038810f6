// The routing-weights feed (llm-routing-feed/v1) and its renderings, the public key that
// verifies it, and the version history (why each weight moved). The feed route serves
// pre-serialized bytes with an ETag; If-None-Match answers 304 without a body.
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { NotFoundError, UnavailableError } from '../../shared/errors.js';
import { FEED_FORMATS, matchesEtag, type Served, type ServedCache } from '../routing/serve.js';
import { gatewayReportSchema, insertGatewayReport } from '../routing/reports.js';
import { queryVersions } from '../routing/versions.js';
import type { RouteDeps } from './deps.js';
import { feedResponse, keysResponse, versionsResponse } from './responses-perf.js';
import type { ApiRoutes } from './route.js';

const feedSchema = z
  .object({
    format: z.enum(FEED_FORMATS).default('native').describe('native (default) | litellm | portkey'),
    pool: z.string().min(1).max(128).optional().describe('one pool (litellm, portkey)'),
  })
  .strict();
const versionsSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1_000).default(50),
    before: z.coerce.number().int().min(1).optional().describe('versions below this one'),
  })
  .strict();

const reportAccepted = z.object({ accepted: z.number().int() }).strict();

function send(req: Request, res: Response, served: Served): void {
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string' && matchesEtag(inm, served.etag)) {
    res.writeHead(304, served.notModifiedHeaders).end();
    return;
  }
  // Bypass res.send: it would hash the body for an ETag we already have.
  res.writeHead(200, served.headers).end(served.body);
}

function pick(cache: ServedCache, q: z.output<typeof feedSchema>): Served {
  const served = cache.get(q.format, q.pool);
  if (served === undefined)
    throw new NotFoundError(`no pool named ${q.pool ?? ''} in the feed`, 'pool');
  return served;
}

export function createRoutingRouter(deps: RouteDeps, api: ApiRoutes): Router {
  const router = Router();
  const service = deps.feed;
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/routing/feed',
      summary:
        'Routing-weights feed (llm-routing-feed/v1, Ed25519-signed); LiteLLM and Portkey renderings',
      query: feedSchema,
      memoizeQuery: true,
      ok: {
        description: 'the current version; ETag, Cache-Control, X-Feed-Version',
        schema: feedResponse,
      },
      also: {
        304: 'If-None-Match matched',
        404: 'unknown pool',
        503: 'no version published yet',
      },
    },
    async ({ query: q, req, res }) => {
      const cache = service.current();
      if (cache !== undefined) {
        service.touch();
        send(req, res, pick(cache, q));
        return undefined;
      }
      const ready = await service.ensure();
      if (ready === undefined)
        throw new UnavailableError(
          'no routing feed version has been published yet',
          deps.config.routing.recompute_every_s,
        );
      send(req, res, pick(ready, q));
      return undefined;
    },
  );
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/routing/keys',
      summary: 'Public keys (kid, PEM, JWK) that verify the feed signature',
      ok: { description: '{keys: [...]}', schema: keysResponse },
    },
    ({ res }) => {
      res.set('cache-control', 'public, max-age=300');
      return service.publicKeys() as z.input<typeof keysResponse>;
    },
  );
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/routing/versions',
      summary: 'Published feed versions, newest first, with why each weight moved',
      query: versionsSchema,
      ok: {
        description: '{feed_id, versions: [{version, generated_at, etag, changes}]}',
        schema: versionsResponse,
      },
    },
    async ({ query: q }) => ({
      feed_id: deps.config.routing.feed_id,
      versions: await queryVersions(deps.storage, deps.config.routing.feed_id, q.limit, q.before),
    }),
  );
  // This router is mounted before the app's body parser (the feed's hot path needs none): the
  // one body route parses its own, with the app's limit (a larger body is the app's 413).
  router.use('/v1/routing/reports', express.json({ limit: 1024 * 1024 }));
  api.add(
    router,
    {
      method: 'post',
      path: '/v1/routing/reports',
      summary:
        'What a gateway saw per target and interval (llm-gateway-report/v1): attempts, failures, breaker openings, time open',
      body: gatewayReportSchema,
      ok: { status: 202, description: 'how many target rows were stored', schema: reportAccepted },
    },
    async ({ body }) => ({ accepted: await insertGatewayReport(deps.storage, body) }),
  );
  return router;
}
