// What the OTLP receivers answer for a typed error. The status itself (HTTP status, the gRPC
// code carried in a google.rpc.Status body or trailer, Retry-After) comes from the one mapping
// the API uses too, src/shared/http-status.ts; this adds only what the HTTP transport needs:
// whether the connection must close.
import { errorStatus, isInternal } from '../../shared/http-status.js';

export { BodyTimeoutError } from '../../shared/errors.js';

export interface EdgeStatus {
  http: number;
  grpc: number;
  message: string;
  retryAfterSeconds?: number;
  /** The request body may be unread, or we are shutting down: do not reuse the connection. */
  close: boolean;
  /** Not a typed refusal: a bug, to be logged. */
  unexpected: boolean;
}

/**
 * Refusals that leave the body unread (408 timeout, 413 too large, 415 wrong type) or send
 * the client elsewhere (503: full spool or disk, draining) close the connection; 4xx decided
 * after the body was read, and 429 (slow down, same replica), keep it.
 */
const CLOSES = new Set([408, 413, 415, 503]);

export function edgeStatus(err: unknown, draining: boolean): EdgeStatus {
  const s = errorStatus(err, { draining });
  return {
    http: s.status,
    grpc: s.grpcCode,
    message: s.message,
    ...(s.retryAfterSeconds !== undefined ? { retryAfterSeconds: s.retryAfterSeconds } : {}),
    close: CLOSES.has(s.status),
    unexpected: isInternal(s),
  };
}
