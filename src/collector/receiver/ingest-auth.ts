// Who sent a request: with ingest keys configured every request must present one (401
// otherwise); each key has a rate limit (429) and may bind its spans to a tenant. Without keys,
// ingest is open (local use). The key's name is also what the fair-share cap counts.
import type { IncomingHttpHeaders } from 'node:http';
import type { IngestKey } from '../../shared/config-security.js';
import { RateLimitedError, UnauthorizedError } from '../../shared/errors.js';
import { matchKey, presentedKey, RateLimiter } from '../../shared/keys.js';

/** What an ingest key imposes on the spans it sends. */
export interface TenantBinding {
  tenant: string;
  /** `set`: every span gets the tenant; `require`: calls and outcomes must carry it, else rejected. */
  mode: 'set' | 'require';
}

export interface IngestAuth {
  /** The key's configured name. */
  key: string;
  binding?: TenantBinding;
}

export type IngestAuthorizer = (headers: IncomingHttpHeaders) => IngestAuth | undefined;

export function createIngestAuthorizer(keys: readonly IngestKey[]): IngestAuthorizer {
  const limiter = new RateLimiter();
  return (headers) => {
    if (keys.length === 0) return undefined;
    const key = matchKey(keys, presentedKey(headers));
    if (key === undefined)
      throw new UnauthorizedError('a valid ingest key is required (Authorization: Bearer <key>)');
    const wait = limiter.take(key.name, key.rate_limit_rps);
    if (wait > 0) throw new RateLimitedError(`ingest key ${key.name} is over its rate limit`, wait);
    return key.tenant !== undefined
      ? { key: key.name, binding: { tenant: key.tenant, mode: key.tenant_mode } }
      : { key: key.name };
  };
}

/**
 * Whether the headers carry a configured key, without spending its rate limit: a check that can
 * run before a request body is read (the authorizer, which also counts, runs after).
 */
export function createKeyCheck(keys: readonly IngestKey[]): (headers: IncomingHttpHeaders) => void {
  return (headers) => {
    if (keys.length > 0 && matchKey(keys, presentedKey(headers)) === undefined)
      throw new UnauthorizedError('a valid ingest key is required (Authorization: Bearer <key>)');
  };
}

/** The spool record's meta: what a replay needs besides the body to admit it the same way. */
export interface SpoolMeta {
  binding?: TenantBinding;
  /** When the request was received: a replay applies the time window as it was then. */
  received_at_ms?: number;
}

export function encodeSpoolMeta(auth: IngestAuth | undefined, receivedAtMs: number): string {
  const meta: SpoolMeta = { received_at_ms: receivedAtMs };
  if (auth?.binding !== undefined) meta.binding = auth.binding;
  return JSON.stringify(meta);
}

export function decodeSpoolMeta(text: string): SpoolMeta {
  return text !== '' ? (JSON.parse(text) as SpoolMeta) : {};
}
