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
 * 503 (full spool or disk, draining) closes the connection to send the client elsewhere. A
 * refusal that leaves the body unread (408, 413 on the wire, 415) closes it too, decided in
 * ./http.ts from `req.complete`, with a lingering close (./linger.ts); one decided after the body was read (a 413 past the decoded
 * cap, 400, 429) keeps it: nothing is left to skip, and a close there could reach a client
 * still finishing its write as "other side closed" instead of the status (seen once in CI).
 */
const CLOSES = new Set([503]);

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
