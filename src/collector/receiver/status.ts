// The receiver's one mapping from a typed error to what the client sees: the HTTP status, the
// gRPC code carried in the google.rpc.Status body (OTLP/HTTP requires a gRPC code there, not
// an HTTP status; the mapping follows the OTel Collector's and grpc's HTTP<->gRPC table), the
// Retry-After, and whether the connection must close.
import {
  BackpressureError,
  ForbiddenError,
  PayloadTooLargeError,
  PermanentError,
  RateLimitedError,
  RetryableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../../shared/errors.js';

/** google.rpc.Code values used by the receiver. */
export const GRPC = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** The body did not arrive in full within collector.body_timeout_ms (408). */
export class BodyTimeoutError extends PermanentError {
  override readonly name = 'BodyTimeoutError';
}

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

export function edgeStatus(err: unknown, draining: boolean): EdgeStatus {
  const refusal = (http: number, grpc: number, close = false): EdgeStatus => ({
    http,
    grpc,
    message: (err as Error).message,
    close,
    unexpected: false,
  });
  if (err instanceof UnauthorizedError) return refusal(401, GRPC.UNAUTHENTICATED);
  if (err instanceof ForbiddenError) return refusal(403, GRPC.PERMISSION_DENIED);
  if (err instanceof BodyTimeoutError) return refusal(408, GRPC.DEADLINE_EXCEEDED, true);
  if (err instanceof PayloadTooLargeError) return refusal(413, GRPC.RESOURCE_EXHAUSTED, true);
  if (err instanceof UnsupportedMediaTypeError) return refusal(415, GRPC.UNIMPLEMENTED, true);
  if (err instanceof PermanentError) return refusal(400, GRPC.INVALID_ARGUMENT);
  if (err instanceof RetryableError) {
    // Backpressure and rate limits are the client's to slow down for (429); anything else
    // retryable (a full spool or disk, shutting down) means this replica is unavailable (503).
    const tooMany = err instanceof BackpressureError || err instanceof RateLimitedError;
    const unavailable = draining || !tooMany;
    return {
      ...refusal(
        unavailable ? 503 : 429,
        unavailable ? GRPC.UNAVAILABLE : GRPC.RESOURCE_EXHAUSTED,
        unavailable,
      ),
      retryAfterSeconds: err.retryAfterSeconds,
    };
  }
  return {
    http: 500,
    grpc: GRPC.INTERNAL,
    message: 'internal error',
    close: false,
    unexpected: true,
  };
}
