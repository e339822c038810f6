// The one mapping from typed errors to HTTP status, gRPC code and Retry-After, shared by the
// API and the OTLP receiver.
import { describe, expect, it } from 'vitest';
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
  SpoolFullError,
  SpoolWriteError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../src/shared/errors.js';
import {
  GRPC_CODE,
  errorStatus,
  grpcCodeForHttp,
  isInternal,
} from '../../src/shared/http-status.js';

describe('errorStatus', () => {
  it('maps every typed error once', () => {
    const cases: [unknown, number, number, string][] = [
      [
        new ValidationError('invalid parameter top: too big', 'top'),
        400,
        GRPC_CODE.INVALID_ARGUMENT,
        'invalid_parameter',
      ],
      [new DecodeError('not protobuf'), 400, GRPC_CODE.INVALID_ARGUMENT, 'invalid_body'],
      [new PermanentError('no'), 400, GRPC_CODE.INVALID_ARGUMENT, 'bad_request'],
      [new UnauthorizedError('key?'), 401, GRPC_CODE.UNAUTHENTICATED, 'unauthorized'],
      [new ForbiddenError('role'), 403, GRPC_CODE.PERMISSION_DENIED, 'forbidden'],
      [new NotFoundError('no pool', 'pool'), 404, GRPC_CODE.UNIMPLEMENTED, 'not_found'],
      [new BodyTimeoutError('slow body'), 408, GRPC_CODE.DEADLINE_EXCEEDED, 'request_timeout'],
      [new PayloadTooLargeError(10), 413, GRPC_CODE.RESOURCE_EXHAUSTED, 'body_too_large'],
      [
        new UnsupportedMediaTypeError('text/plain'),
        415,
        GRPC_CODE.UNIMPLEMENTED,
        'unsupported_media_type',
      ],
      [new RateLimitedError('slow down', 2), 429, GRPC_CODE.RESOURCE_EXHAUSTED, 'rate_limited'],
      [new BackpressureError('queue full', 1), 429, GRPC_CODE.RESOURCE_EXHAUSTED, 'rate_limited'],
      [new SpoolFullError('spool full', 5), 503, GRPC_CODE.UNAVAILABLE, 'unavailable'],
      [new UnavailableError('not yet', 3), 503, GRPC_CODE.UNAVAILABLE, 'unavailable'],
      [new SpoolWriteError('ENOSPC', 2, 'ENOSPC'), 503, GRPC_CODE.UNAVAILABLE, 'unavailable'],
      // A retryable refusal that is not "slow down" means this replica cannot take it now.
      [new RetryableError('later', 1), 503, GRPC_CODE.UNAVAILABLE, 'unavailable'],
    ];
    for (const [err, status, grpc, name] of cases) {
      const m = errorStatus(err);
      expect([m.status, m.grpcCode, m.error], String(err)).toEqual([status, grpc, name]);
      expect(m.message).toBe((err as Error).message);
    }
  });
  it('carries the field and Retry-After', () => {
    expect(errorStatus(new ValidationError('bad', 'from')).field).toBe('from');
    expect(errorStatus(new RateLimitedError('slow', 7)).retryAfterSeconds).toBe(7);
    expect(errorStatus(new ValidationError('bad')).retryAfterSeconds).toBeUndefined();
  });
  it('while draining, backpressure sends the client elsewhere (503), not "slow down" (429)', () => {
    expect(errorStatus(new BackpressureError('full', 1), { draining: true }).status).toBe(503);
    expect(errorStatus(new ValidationError('bad', 'x'), { draining: true }).status).toBe(400);
  });
  it('an untyped error is a 500 that hides its message', () => {
    const m = errorStatus(new Error('connect ECONNREFUSED 10.0.0.7:8123 password=...'));
    expect(m).toMatchObject({ status: 500, grpcCode: GRPC_CODE.INTERNAL, error: 'internal' });
    expect(m.message).toBe('internal error');
    expect(isInternal(m)).toBe(true);
    expect(isInternal(errorStatus(new SpoolFullError('full', 1)))).toBe(false);
    expect(errorStatus('a string').status).toBe(500);
    expect(errorStatus(undefined).status).toBe(500);
  });
  it('the HTTP -> gRPC table', () => {
    expect(
      [400, 401, 403, 404, 408, 413, 415, 429, 500, 502, 503, 504, 418].map(grpcCodeForHttp),
    ).toEqual([3, 16, 7, 12, 4, 8, 12, 8, 13, 14, 14, 14, 2]);
  });
});
