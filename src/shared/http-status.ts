// The one place typed errors become protocol status: an HTTP status, the gRPC code of the same
// failure (OTLP/HTTP error bodies carry google.rpc.Status with a gRPC code, not the HTTP one;
// OTLP/gRPC answers with that code), a stable error name for JSON bodies, and Retry-After. The
// analytics API and both OTLP receivers (src/collector/receiver/status.ts adds only whether an
// HTTP connection closes) render their answers from this; nothing below the edge picks a code.
import {
  BackpressureError,
  BodyTimeoutError,
  DecodeError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  PermanentError,
  RateLimitedError,
  RetryableError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.js';

/** google.rpc.Code values used by OTLP. */
export const GRPC_CODE = {
  OK: 0,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface ErrorStatus {
  status: number;
  grpcCode: number;
  /** Stable machine-readable name for JSON bodies (`invalid_parameter`, `rate_limited`, ...). */
  error: string;
  /** Safe to show the client: the typed error's message, never an internal one. */
  message: string;
  /** The parameter or field at fault, when the error names one. */
  field?: string;
  retryAfterSeconds?: number;
}

export interface ErrorStatusOptions {
  /** While draining, every retryable refusal is 503 (come back to another replica), not 429. */
  draining?: boolean;
}

/**
 * The HTTP -> gRPC mapping of grpc's http-grpc-status-mapping, with the OTel Collector's two
 * exceptions (400, 429), and the codes its OTLP receivers use for what has no entry there: a
 * body timeout is DEADLINE_EXCEEDED, too large RESOURCE_EXHAUSTED (what grpc itself answers
 * for an oversized message), a content type we do not speak UNIMPLEMENTED, our bug INTERNAL.
 */
export function grpcCodeForHttp(status: number): number {
  if (status === 400) return GRPC_CODE.INVALID_ARGUMENT;
  if (status === 401) return GRPC_CODE.UNAUTHENTICATED;
  if (status === 403) return GRPC_CODE.PERMISSION_DENIED;
  if (status === 404) return GRPC_CODE.UNIMPLEMENTED;
  if (status === 408) return GRPC_CODE.DEADLINE_EXCEEDED;
  if (status === 413) return GRPC_CODE.RESOURCE_EXHAUSTED;
  if (status === 415) return GRPC_CODE.UNIMPLEMENTED;
  if (status === 429) return GRPC_CODE.RESOURCE_EXHAUSTED;
  if (status === 500) return GRPC_CODE.INTERNAL;
  if (status === 502 || status === 503 || status === 504) return GRPC_CODE.UNAVAILABLE;
  return GRPC_CODE.UNKNOWN;
}

function typed(err: unknown, options: ErrorStatusOptions): Omit<ErrorStatus, 'grpcCode'> {
  if (err instanceof RetryableError) {
    // Backpressure and rate limits are the client's to slow down for (429, same replica);
    // anything else retryable (a full spool or disk, not ready, shutting down) means this
    // replica is unavailable (503: come back, perhaps to another one).
    const slowDown = err instanceof BackpressureError || err instanceof RateLimitedError;
    const unavailable = options.draining === true || !slowDown;
    return {
      status: unavailable ? 503 : 429,
      error: unavailable ? 'unavailable' : 'rate_limited',
      message: err.message,
      retryAfterSeconds: err.retryAfterSeconds,
    };
  }
  if (!(err instanceof PermanentError))
    return { status: 500, error: 'internal', message: 'internal error' };
  const field = err.field !== undefined ? { field: err.field } : {};
  const base = { message: err.message, ...field };
  if (err instanceof UnauthorizedError) return { status: 401, error: 'unauthorized', ...base };
  if (err instanceof ForbiddenError) return { status: 403, error: 'forbidden', ...base };
  if (err instanceof NotFoundError) return { status: 404, error: 'not_found', ...base };
  if (err instanceof BodyTimeoutError) return { status: 408, error: 'request_timeout', ...base };
  if (err instanceof PayloadTooLargeError) return { status: 413, error: 'body_too_large', ...base };
  if (err instanceof UnsupportedMediaTypeError)
    return { status: 415, error: 'unsupported_media_type', ...base };
  if (err instanceof ValidationError) return { status: 400, error: 'invalid_parameter', ...base };
  if (err instanceof DecodeError) return { status: 400, error: 'invalid_body', ...base };
  return { status: 400, error: 'bad_request', ...base };
}

/** Map any thrown value to what the edge answers. Untyped errors are 500 with a generic message. */
export function errorStatus(err: unknown, options: ErrorStatusOptions = {}): ErrorStatus {
  const t = typed(err, options);
  return { ...t, grpcCode: grpcCodeForHttp(t.status) };
}

/** A 500 hides its cause from the client; the edge should log it. */
export function isInternal(status: ErrorStatus): boolean {
  return status.status >= 500 && status.retryAfterSeconds === undefined;
}
