// Reads of llm_calls the collector needs to avoid counting a call twice across a restart: which
// calls of a set of traces are already stored (spool replay), and which were stored recently
// (retries of requests acknowledged before the restart).
import type { QueryRunner } from './runner.js';

/** A stored call's id and tenant (the seen-set is partitioned by tenant). */
export interface StoredCallId {
  call_id: string;
  tenant: string;
}

/** Calls already stored for these traces. */
export async function storedCallIds(
  runner: QueryRunner,
  traceIds: readonly string[],
): Promise<StoredCallId[]> {
  if (traceIds.length === 0) return [];
  return runner.query<StoredCallId>(
    'SELECT call_id, tenant FROM llm_calls WHERE trace_id IN {ids:Array(String)}',
    { ids: traceIds },
  );
}

/**
 * Calls stored in the last 30 minutes for calls of the last two hours (at most a million): what
 * a client may still retry after a restart.
 */
export async function recentCallIds(runner: QueryRunner): Promise<StoredCallId[]> {
  return runner.query<StoredCallId>(
    `SELECT call_id, tenant FROM llm_calls
      WHERE start_time > now64(6) - INTERVAL 2 HOUR AND ingested_at > now64(3) - INTERVAL 30 MINUTE LIMIT 1000000`,
  );
}
