// One retry policy for every outbound loop (span forwarding, alert notifiers, the store writer):
// which failures are worth another attempt, exponential backoff with jitter, `Retry-After`
// honoured (parsed once, here), bounded or unbounded by the caller, abortable.
// Hand-written rather than p-retry / exponential-backoff / cockatiel: none lets the failure set
// the next wait (Retry-After) while keeping jittered backoff as the floor, and the writer needs
// the delay decision on its own (`nextDelay`) for a loop that also dead-letters.
import { PermanentError, RetryableError } from './errors.js';

/** OTLP/HTTP: only these statuses may be retried; every other 4xx/5xx is final. */
export const OTLP_RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** Webhooks and other plain HTTP receivers: a timeout, throttling or any server error. */
export const HTTP_RETRYABLE_STATUS: ReadonlySet<number> = new Set([
  408,
  429,
  ...Array.from({ length: 100 }, (_, i) => 500 + i),
]);

/** A non-2xx HTTP response as an error, with its Retry-After already parsed. */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  constructor(
    readonly status: number,
    /** Milliseconds the server asked us to wait, when it said. */
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}`);
  }

  static from(res: {
    status: number;
    headers: { get(name: string): string | null };
  }): HttpStatusError {
    return new HttpStatusError(res.status, parseRetryAfter(res.headers.get('retry-after')));
  }
}

/** Retry-After as delta-seconds or an HTTP date, in ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs = Date.now(),
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names its weekday and month; without letters, Date.parse reads "-5" as a year.
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export interface RetryPolicyOptions {
  /** Attempts after the first one; `Infinity` retries until success or abort. */
  retries: number;
  /** The first backoff; each later one is `factor` times the previous. */
  baseMs: number;
  /** Cap on a backoff delay. */
  maxMs: number;
  factor?: number;
  /** Share of each backoff that is random: the wait is uniform in [backoff x (1 - jitter), backoff]. Default 0.5. */
  jitter?: number;
  /** Cap on a server's Retry-After (a misbehaving server must not park us for an hour). Default 30 s. */
  maxRetryAfterMs?: number;
  /** HTTP statuses worth another attempt (HttpStatusError). Default HTTP_RETRYABLE_STATUS. */
  retryableStatus?: ReadonlySet<number>;
  /** Overrides the classification (e.g. the writer's store errors); `attempt` counts failures so far. */
  isRetryable?: (error: unknown, attempt: number) => boolean;
  random?: () => number;
}

export interface RetryPolicy {
  readonly retries: number;
  /**
   * The wait before the next attempt after `attempt` failures (1 = the first attempt failed),
   * or undefined when `error` is final or the retries are spent.
   */
  nextDelay(error: unknown, attempt: number): number | undefined;
}

/** The default classification: typed errors say it, an HTTP status is looked up, anything else (network, timeout) is transient. */
export function isRetryable(
  error: unknown,
  retryableStatus: ReadonlySet<number> = HTTP_RETRYABLE_STATUS,
): boolean {
  if (error instanceof HttpStatusError) return retryableStatus.has(error.status);
  if (error instanceof PermanentError) return false;
  return true;
}

/** Milliseconds the failure itself asks to wait (a server's Retry-After, a typed RetryableError). */
export function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof HttpStatusError) return error.retryAfterMs;
  if (error instanceof RetryableError) return error.retryAfterSeconds * 1000;
  return undefined;
}

export function retryPolicy(options: RetryPolicyOptions): RetryPolicy {
  const factor = options.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  const random = options.random ?? Math.random;
  const retryable =
    options.isRetryable ?? ((error: unknown) => isRetryable(error, options.retryableStatus));
  if (!(options.retries >= 0) || !(options.baseMs >= 0) || !(options.maxMs >= 0))
    throw new RangeError('retry policy: retries, baseMs and maxMs must be >= 0');
  return {
    retries: options.retries,
    nextDelay(error, attempt) {
      if (attempt > options.retries || !retryable(error, attempt)) return undefined;
      // Bound the exponent: 2^1000 is Infinity, and a long outage must not overflow the wait.
      const backoff = Math.min(options.maxMs, options.baseMs * factor ** Math.min(attempt - 1, 60));
      const jittered = backoff * (1 - jitter * random());
      const asked = retryAfterOf(error);
      return Math.round(
        asked !== undefined ? Math.max(jittered, Math.min(asked, maxRetryAfterMs)) : jittered,
      );
    },
  };
}

export interface RetryControl {
  /** Aborting ends a wait at once; the call then rejects with the last failure. No attempt starts after it. */
  signal?: AbortSignal | undefined;
  /** Told of every failure that will be retried, before the wait. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** Run `fn` until it resolves, the policy gives up (rejects with the last failure) or the signal aborts. */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  control: RetryControl = {},
): Promise<T> {
  const { signal } = control;
  // A function, not a narrowed property: the signal can abort while an attempt is awaited.
  const aborted = (): boolean => signal?.aborted === true;
  if (aborted()) throw signal?.reason;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      const delay = policy.nextDelay(error, attempt);
      if (delay === undefined || aborted()) throw error;
      control.onRetry?.(error, attempt, delay);
      if (!(await sleep(delay, signal))) throw error;
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (completed: boolean): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(completed);
    };
    const onAbort = (): void => done(false);
    // setTimeout fires at once above 2^31-1 ms; clamp instead.
    const timer = setTimeout(() => done(true), Math.min(ms, 2_147_483_647));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
