// The routing-weights feed (llm-routing-feed/v1) and its renderings, the public key that
// verifies it, and the version history (why each weight moved). The feed route serves
// pre-serialized bytes with an ETag; If-None-Match answers 304 without a body.
import { Router, type Response } from 'express';
import { z } from 'zod';
import {
  FEED_FORMATS,
  matchesEtag,
  type FeedFormat,
  type Served,
  type ServedCache,
} from '../routing/serve.js';
import { queryVersions } from '../routing/versions.js';
import type { RouteDeps } from './deps.js';
import { registry } from './openapi.js';
import { parseQuery } from './params.js';

const feedSchema = z
  .object({
    format: z.enum(FEED_FORMATS).default('native'),
    pool: z.string().min(1).max(128).optional(),
  })
  .strict();
const versionsSchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(1_000).default(50),
    before: z.coerce.number().int().min(1).optional(),
  })
  .strict();

registry.registerPath({
  method: 'get',
  path: '/v1/routing/feed',
  summary:
    'Routing-weights feed (llm-routing-feed/v1, Ed25519-signed); LiteLLM and Portkey renderings',
  request: {
    query: z.object({
      format: z.string().optional().describe('native (default) | litellm | portkey'),
      pool: z.string().optional().describe('one pool (litellm, portkey)'),
    }),
  },
  responses: {
    200: { description: 'the current version; ETag, Cache-Control, X-Feed-Version' },
    304: { description: 'If-None-Match matched' },
    400: { description: 'invalid parameter' },
    404: { description: 'unknown pool' },
    503: { description: 'no version published yet' },
  },
});
registry.registerPath({
  method: 'get',
  path: '/v1/routing/keys',
  summary: 'Public keys (kid, PEM, JWK) that verify the feed signature',
  responses: { 200: { description: '{keys: [...]}' } },
});
registry.registerPath({
  method: 'get',
  path: '/v1/routing/versions',
  summary: 'Published feed versions, newest first, with why each weight moved',
  request: {
    query: z.object({
      limit: z.string().optional().describe('1-1000 (default 50)'),
      before: z.string().optional().describe('versions below this one'),
    }),
  },
  responses: {
    200: { description: '{versions: [{version, generated_at, etag, changes}]}' },
    400: { description: 'invalid parameter' },
  },
});

interface FeedQuery {
  format: FeedFormat;
  pool?: string | undefined;
}
const DEFAULT_QUERY: FeedQuery = { format: 'native' };
/** Gateways poll the same few URLs: remember their validated queries (bounded). */
const parsedQueries = new Map<string, FeedQuery>();

function feedQuery(url: string, query: () => unknown): FeedQuery {
  const i = url.indexOf('?');
  if (i === -1) return DEFAULT_QUERY;
  const key = url.slice(i);
  let q = parsedQueries.get(key);
  if (q === undefined) {
    q = parseQuery(feedSchema, query());
    if (parsedQueries.size >= 256) parsedQueries.clear();
    parsedQueries.set(key, q);
  }
  return q;
}

function send(
  req: { headers: Record<string, string | string[] | undefined> },
  res: Response,
  served: Served,
): void {
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string' && matchesEtag(inm, served.etag)) {
    res.writeHead(304, served.notModifiedHeaders).end();
    return;
  }
  // Bypass res.send: it would hash the body for an ETag we already have.
  res.writeHead(200, served.headers).end(served.body);
}

function pick(cache: ServedCache, q: FeedQuery, res: Response): Served | undefined {
  const served = cache.get(q.format, q.pool);
  if (served === undefined)
    res.status(404).json({
      error: 'not_found',
      parameter: 'pool',
      message: `no pool named ${q.pool ?? ''} in the feed`,
    });
  return served;
}

export function createRoutingRouter(deps: RouteDeps): Router {
  const router = Router();
  const service = deps.feed;
  router.get('/v1/routing/feed', (req, res, next) => {
    try {
      const q = feedQuery(req.url, () => req.query);
      const cache = service.current();
      if (cache !== undefined) {
        service.touch();
        const served = pick(cache, q, res);
        if (served !== undefined) send(req, res, served);
        return;
      }
      service.ensure().then((ready) => {
        if (ready === undefined) {
          res.status(503).set('retry-after', String(deps.config.routing.recompute_every_s)).json({
            error: 'not_ready',
            message: 'no routing feed version has been published yet',
          });
          return;
        }
        const served = pick(ready, q, res);
        if (served !== undefined) send(req, res, served);
      }, next);
    } catch (err) {
      next(err);
    }
  });
  router.get('/v1/routing/keys', (_req, res, next) => {
    try {
      res.set('cache-control', 'public, max-age=300').json(service.publicKeys());
    } catch (err) {
      next(err);
    }
  });
  router.get('/v1/routing/versions', async (req, res, next) => {
    try {
      const q = parseQuery(versionsSchema, req.query);
      res.json({
        feed_id: deps.config.routing.feed_id,
        versions: await queryVersions(deps.storage, deps.config.routing.feed_id, q.limit, q.before),
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
