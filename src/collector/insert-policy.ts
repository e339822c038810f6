// What to do with rows the store refused, and the writer's backoff. A permanent refusal is never
// retried as is: the rows are split (at the row the engine named, else in halves) until the
// refused ones stand alone, and a row refused on its own is dead-lettered. Anything else is
// retried through the shared retry policy (src/shared/retry.ts, the same one the forwarder and
// notifiers use): acknowledged rows are never dropped because the store is down; the stall
// signal (readyz, metric, log) tells an operator instead.
import { retryPolicy, type RetryPolicy } from '../shared/retry.js';
import type { StoreError } from '../storage/errors.js';

export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Cap on any one delay. */
  maxMs: number;
}

export type Refusal =
  /** Split the rows; `at` is the row the engine named (isolate it), else split in halves. */
  | { action: 'split'; at?: number; error: StoreError }
  | { action: 'dead-letter'; error: StoreError };

/** After the store refused `rows` rows for their data (a permanent error). */
export function decideRefusal(error: StoreError, rows: number): Refusal {
  if (rows <= 1) return { action: 'dead-letter', error };
  return error.row !== undefined && error.row < rows
    ? { action: 'split', at: error.row, error }
    : { action: 'split', error };
}

/**
 * The writer's retry policy: exponential backoff from `baseMs`, capped at `maxMs`, half of each
 * wait random; `maxAttempts` attempts in all (default: until it succeeds or is aborted).
 */
export function storeRetryPolicy(
  backoff: BackoffPolicy,
  maxAttempts = Infinity,
  random?: () => number,
): RetryPolicy {
  return retryPolicy({
    retries: maxAttempts - 1,
    baseMs: backoff.baseMs,
    maxMs: backoff.maxMs,
    jitter: 0.5,
    ...(random !== undefined ? { random } : {}),
  });
}

/** The wait after `attempt` (0-based) failed attempts of a loop that never gives up (dead-letter writes). */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  return (
    storeRetryPolicy(policy, Infinity, random).nextDelay(undefined, attempt + 1) ?? policy.maxMs
  );
}

/** Split `rows` per a decision: around the named row when there is one, else in halves. */
export function splitRows<T>(rows: T[], at: number | undefined): T[][] {
  if (at !== undefined && at >= 0 && at < rows.length) {
    return [rows.slice(0, at), rows.slice(at, at + 1), rows.slice(at + 1)].filter(
      (part) => part.length > 0,
    );
  }
  const half = Math.ceil(rows.length / 2);
  return [rows.slice(0, half), rows.slice(half)];
}
