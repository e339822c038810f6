// API authentication and authorization. With `security.api_keys` configured, every /v1 request
// needs a key (401); roles limit what it may do (403); a tenant key is confined to its tenant by
// rewriting the request's `tenant` parameter before any route runs, so every query module's
// SQL tenant filter applies (a mismatching `tenant` is 403, never silently widened).
// Paths are compared the way express routes them (case-insensitive, one optional trailing
// slash): a check that is stricter about spelling than the router is a check that can be walked
// around (`/V1/ROUTING/keys` used to reach the feed's route with a tenant key).
import type { NextFunction, Request, Response } from 'express';
import type { ApiKey, SecurityConfig } from '../../shared/config-security.js';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../../shared/errors.js';
import { matchKey, presentedKey, RateLimiter } from '../../shared/keys.js';

const OPEN_PATHS = new Set(['/healthz', '/readyz', '/metrics', '/v1/openapi.json']);
const GATEWAY_PREFIX = '/v1/routing/';

/** The path as express's router compares it: lower case, without one trailing slash. */
function routePath(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
}

export interface AuthedRequest extends Request {
  apiKey?: ApiKey;
}

export function authMiddleware(
  security: SecurityConfig,
): (req: Request, res: Response, next: NextFunction) => void {
  const limiter = new RateLimiter();
  return (req, _res, next) => {
    const path = routePath(req.path);
    if (security.api_keys.length === 0 || OPEN_PATHS.has(path) || req.method === 'OPTIONS') {
      next();
      return;
    }
    const key = matchKey(security.api_keys, presentedKey(req.headers));
    if (key === undefined)
      throw new UnauthorizedError('a valid API key is required (Authorization: Bearer <key>)');
    const wait = limiter.take(key.name, key.rate_limit_rps);
    if (wait > 0) throw new RateLimitedError(`API key ${key.name} is over its rate limit`, wait);
    authorize(key, req, path);
    (req as AuthedRequest).apiKey = key;
    next();
  };
}

const GATEWAY_REPORTS_PATH = '/v1/routing/reports';

function authorize(key: ApiKey, req: Request, path: string): void {
  const write = req.method !== 'GET' && req.method !== 'HEAD';
  switch (key.role) {
    case 'admin':
      return;
    case 'reader':
      if (write)
        throw new ForbiddenError(`API key ${key.name} (reader) may not ${req.method} ${req.path}`);
      return;
    case 'gateway':
      // A gateway reads the feed and reports what it saw of the targets (routing client).
      if (write ? path !== GATEWAY_REPORTS_PATH : !path.startsWith(GATEWAY_PREFIX))
        throw new ForbiddenError(
          `API key ${key.name} (gateway) may only read ${GATEWAY_PREFIX}* and POST ${GATEWAY_REPORTS_PATH}`,
        );
      return;
    case 'tenant':
      confineToTenant(key, req, path, write);
      return;
  }
}

/** Force the request onto the key's tenant: query parameter for reads, body field for outcome writes. */
function confineToTenant(key: ApiKey, req: Request, path: string, write: boolean): void {
  const tenant = key.tenant ?? '';
  if (path.startsWith(GATEWAY_PREFIX))
    throw new ForbiddenError(`API key ${key.name} (tenant) may not read the routing feed`);
  if (write) {
    // The body is confined after parsing, by tenantBodyMiddleware.
    if (path !== '/v1/outcomes')
      throw new ForbiddenError(`API key ${key.name} (tenant) may not ${req.method} ${req.path}`);
    return;
  }
  const url = new URL(req.url, 'http://local');
  const asked = url.searchParams.getAll('tenant');
  if (asked.some((t) => t !== tenant))
    throw new ForbiddenError(`API key ${key.name} may only read tenant ${JSON.stringify(tenant)}`);
  url.searchParams.set('tenant', tenant);
  // Express 5 derives req.query from req.url on each access, so routes see the forced tenant.
  req.url = `${url.pathname}${url.search}`;
}

/** GET /metrics: open unless `security.metrics_key_sha256` is set, then that key or 401. */
export function metricsAuth(
  security: SecurityConfig,
): (req: Request, res: Response, next: NextFunction) => void {
  const digest = security.metrics_key_sha256;
  const entries = digest !== undefined ? [{ key_sha256: digest }] : [];
  return (req, _res, next) => {
    if (entries.length > 0 && matchKey(entries, presentedKey(req.headers)) === undefined)
      throw new UnauthorizedError(
        'a valid metrics key is required (Authorization: Bearer <key>; security.metrics_key_sha256)',
      );
    next();
  };
}

/** After body parsing: stamp (or check) a tenant key's tenant on every outcome it posts. */
export function tenantBodyMiddleware(req: Request, _res: Response, next: NextFunction): void {
  const key = (req as AuthedRequest).apiKey;
  if (key?.role === 'tenant' && req.method === 'POST') confineBody(req, key.tenant ?? '');
  next();
}

function confineBody(req: Request, tenant: string): void {
  const body = req.body as { outcomes?: unknown } | undefined;
  if (body === undefined || !Array.isArray(body.outcomes)) return; // the route's validation answers 400
  for (const item of body.outcomes as Record<string, unknown>[]) {
    if (typeof item !== 'object' || item === null) continue;
    if (item.tenant !== undefined && item.tenant !== tenant)
      throw new ForbiddenError(
        `outcomes may only be recorded for tenant ${JSON.stringify(tenant)}`,
      );
    item.tenant = tenant;
  }
}

/** CORS only for configured origins; none by default. */
export function corsMiddleware(
  origins: string[],
): (req: Request, res: Response, next: NextFunction) => void {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader(
        'Access-Control-Allow-Headers',
        'authorization, x-api-key, content-type, if-none-match',
      );
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
    }
    next();
  };
}
