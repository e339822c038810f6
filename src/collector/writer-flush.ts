// When the writer's queued rows become an insert. Every insert costs the engine a fixed amount
// besides its rows: the fan-out to every materialized view, a part (a directory of files) in
// each table it reaches, and the merges those parts cause later; about 0.15-0.2 s of engine CPU
// on this project's catalog (`BENCH_SHAPES=1 npm run bench:ingest`: 1.0 / 1.54 / 3.24x a row at
// 50k / 10k / 2k rows an insert). While rows trickle in, an insert goes when the oldest has
// waited `intervalMs` (fresh rows; readers commit the queue anyway, see readBarrier). While they
// flow (at least `busyRows` an interval), rows wait up to `busyIntervalMs` for a full insert:
// the engine then pays its fixed cost once for several intervals' rows.

export interface FlushRule {
  /** Most time the oldest row waits while rows trickle in. */
  intervalMs: number;
  /** Most time the oldest row waits while rows flow (>= intervalMs). */
  busyIntervalMs: number;
  /** Rows flow when at least this many arrive an interval (calls or outcomes). */
  busyRows: number;
  /** Calls (or outcomes) of a full insert. */
  fullRows: number;
  /** llm_calls body bytes of a full insert (the engine's insert share; Infinity: no bound). */
  fullBytes: number;
}

export interface QueuedCounts {
  calls: number;
  outcomes: number;
  /** Body bytes of the queued llm_calls rows. */
  callBytes: number;
}

/** A full insert waits: by rows, or by the bytes one insert may carry. */
export function isFull(rule: FlushRule, q: QueuedCounts): boolean {
  return q.calls >= rule.fullRows || q.outcomes >= rule.fullRows || q.callBytes >= rule.fullBytes;
}

/** An insert is due for rows whose oldest has waited `ageMs`. */
export function isDue(rule: FlushRule, q: QueuedCounts, ageMs: number): boolean {
  if (isFull(rule, q)) return true;
  if (ageMs < rule.intervalMs) return false;
  if (ageMs >= rule.busyIntervalMs) return true;
  // The rows queued per interval over the time the oldest has waited (rows that queued while an
  // insert was in flight count too: a long insert under load is a flow, not a trickle).
  const rows = Math.max(q.calls, q.outcomes);
  return rows * rule.intervalMs < rule.busyRows * ageMs;
}

/**
 * The rule a writer's options give: by default rows never wait past the flush interval (the
 * collector passes its configured busy interval), and a flow starts at 1/25 of a full insert an
 * interval (2,000 rows at the defaults: a full insert within 25 intervals at the least).
 */
export function flushRule(options: {
  flushIntervalMs: number;
  busyFlushIntervalMs?: number | undefined;
  busyRows?: number | undefined;
  fullRows: number;
  fullBytes?: number | undefined;
}): FlushRule {
  return {
    intervalMs: options.flushIntervalMs,
    busyIntervalMs: Math.max(
      options.flushIntervalMs,
      options.busyFlushIntervalMs ?? options.flushIntervalMs,
    ),
    busyRows: Math.max(1, options.busyRows ?? Math.ceil(options.fullRows / 25)),
    fullRows: options.fullRows,
    fullBytes: options.fullBytes ?? Infinity,
  };
}
