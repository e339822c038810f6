// Error classes shared by every part. The OTel Collector model: an error is retryable
// (backpressure, a store outage) or permanent (bad data); HTTP codes are chosen only at the edge.

/** The caller sent something we will never accept; retrying the same input cannot help. */
export class PermanentError extends Error {
  override readonly name: string = 'PermanentError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A request body that cannot be decoded at all (maps to 400). */
export class DecodeError extends PermanentError {
  override readonly name = 'DecodeError';
}

/** A request body larger than the configured cap, before or after decompression (maps to 413). */
export class PayloadTooLargeError extends PermanentError {
  override readonly name = 'PayloadTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`request body exceeds the limit of ${limitBytes} bytes`);
  }
}

/** A request body not received in full within collector.body_timeout_ms (maps to 408). */
export class BodyTimeoutError extends PermanentError {
  override readonly name = 'BodyTimeoutError';
}

/** A content type we do not speak (maps to 415). */
export class UnsupportedMediaTypeError extends PermanentError {
  override readonly name = 'UnsupportedMediaTypeError';
}

/** Temporarily unable to accept work; the caller should retry after `retryAfterSeconds`. */
export class RetryableError extends Error {
  override readonly name: string = 'RetryableError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The write queue is full (maps to 429 with Retry-After). */
export class BackpressureError extends RetryableError {
  override readonly name = 'BackpressureError';
}

/** A configuration file or value is wrong; the message names the key and what is accepted. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Start-up failed for a reason outside the configuration's syntax (a port in use, a data
 * directory held by another process, an unreachable ClickHouse server); the message names the
 * flag, key or variable to change. The CLI prints it as one line and exits 1.
 */
export class StartupError extends Error {
  override readonly name: string = 'StartupError';
}

/** Another live process holds the ingest spool's directory (see collector/spool-lock.ts). */
export class SpoolLockedError extends StartupError {
  override readonly name = 'SpoolLockedError';
}

/** A query parameter or body field is invalid (maps to 400 in the API). */
export class ValidationError extends PermanentError {
  override readonly name = 'ValidationError';
}

/** No valid key was presented (maps to 401). */
export class UnauthorizedError extends PermanentError {
  override readonly name = 'UnauthorizedError';
}

/** The key is valid but not allowed to do this (maps to 403). */
export class ForbiddenError extends PermanentError {
  override readonly name = 'ForbiddenError';
}

/** A key exceeded its rate limit (maps to 429 with Retry-After). */
export class RateLimitedError extends RetryableError {
  override readonly name = 'RateLimitedError';
}

/** Unable to take work at all for now, as opposed to "slow down" (maps to 503 with Retry-After). */
export class UnavailableError extends RetryableError {
  override readonly name: string = 'UnavailableError';
}

/** The durable spool is full: the store is behind or unreachable (maps to 503 with Retry-After). */
export class SpoolFullError extends UnavailableError {
  override readonly name = 'SpoolFullError';
}

/** The thing asked for does not exist, e.g. an unknown pool (maps to 404). */
export class NotFoundError extends PermanentError {
  override readonly name = 'NotFoundError';
}

/**
 * The spool could not make a request durable (disk full, I/O error, short write): nothing was
 * acknowledged, the client should retry (maps to 503 with Retry-After).
 */
export class SpoolWriteError extends UnavailableError {
  override readonly name = 'SpoolWriteError';
  constructor(
    message: string,
    retryAfterSeconds: number,
    /** The errno behind it (ENOSPC, EIO...), when there was one. */
    readonly errno?: string,
  ) {
    super(message, retryAfterSeconds);
  }
}
