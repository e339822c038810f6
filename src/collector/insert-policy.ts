// The writer's one retry decision: what to do with rows whose insert just failed. A permanent
// refusal is never retried as is: the rows are split (at the row the engine named, else in
// halves) until the refused ones stand alone, and a row refused on its own is dead-lettered.
// Anything else is retried with capped exponential backoff: acknowledged rows are never dropped
// because the store is down; the stall signal (readyz, metric, log) tells an operator instead.
import { classifyStoreError, type StoreError } from '../storage/errors.js';

export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Cap on any one delay. */
  maxMs: number;
}

export type InsertDecision =
  | { action: 'retry'; delayMs: number; error: StoreError }
  /** Split the rows; `at` is the row the engine named (isolate it), else split in halves. */
  | { action: 'split'; at?: number; error: StoreError }
  | { action: 'dead-letter'; error: StoreError };

/** Decide after attempt number `attempt` (0-based) of inserting `rows` rows failed with `err`. */
export function decideInsert(
  err: unknown,
  attempt: number,
  rows: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): InsertDecision {
  const error = classifyStoreError(err);
  if (error.kind === 'retryable')
    return { action: 'retry', delayMs: backoffMs(attempt, policy, random), error };
  if (rows <= 1) return { action: 'dead-letter', error };
  return error.row !== undefined && error.row < rows
    ? { action: 'split', at: error.row, error }
    : { action: 'split', error };
}

/** Exponential backoff with "equal jitter": half the step fixed, half random, capped. */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (random() * step) / 2);
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
