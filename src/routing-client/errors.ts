// Errors the reference client gives its caller. Each carries the HTTP status and Retry-After a
// gateway should answer with, so a rejection is never an unbounded wait.

export class RoutingClientError extends Error {
  override readonly name: string = 'RoutingClientError';
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** A tenant is over its admission limits (in flight, tokens per minute, queue): 429. */
export class AdmissionError extends RoutingClientError {
  override readonly name = 'AdmissionError';
  constructor(message: string, retryAfterS: number) {
    super(message, 429, retryAfterS);
  }
}

/** A tenant budget is exhausted and the feed says deny: 429 until the period ends. */
export class BudgetDeniedError extends RoutingClientError {
  override readonly name = 'BudgetDeniedError';
  constructor(message: string, retryAfterS: number) {
    super(message, 429, retryAfterS);
  }
}

/** No usable feed document (none fetched, none static, or past hard_expiry): 503. */
export class NoRouteError extends RoutingClientError {
  override readonly name = 'NoRouteError';
  constructor(message: string) {
    super(message, 503, 1);
  }
}

/** Every attempt failed; `status` is the last upstream status. */
export class UpstreamError extends RoutingClientError {
  override readonly name = 'UpstreamError';
  constructor(
    message: string,
    status: number,
    retryAfterS?: number,
    readonly attempts: string[] = [],
  ) {
    super(message, status, retryAfterS);
  }
}
