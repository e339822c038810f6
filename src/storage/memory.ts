// storage.max_memory split between the parts that hold memory in one llm-finops process: the
// embedded engine (its whole-server cap, one query's cap, its mark cache) and the collector's
// queues (rows waiting for attribution or for the store). The rest of the budget is left to
// the JavaScript heap, request bodies in flight and the HTTP servers.
//
// The engine's caps are `clickhouse local` options given when the engine starts (chDB's
// connectionArgs): max_server_memory_usage is server configuration, not a query setting, so
// no SET could apply it later. Past its cap the engine fails the query or insert with
// MEMORY_LIMIT_EXCEEDED (retried by the writer) instead of the container being OOM-killed.

const MiB = 1024 * 1024;

export interface MemoryPlan {
  /** The engine's max_server_memory_usage: every query, insert, merge and cache together. */
  engineBytes: number;
  /** max_memory_usage: one query or insert. */
  queryBytes: number;
  /** mark_cache_size (the default is 5 GiB, more than a small container has). */
  markCacheBytes: number;
  /** Collector queues: rows waiting for attribution plus rows waiting for the store. */
  queueBytes: number;
}

export function planMemory(maxMemory: number): MemoryPlan {
  const engineBytes = Math.floor(maxMemory * 0.55);
  return {
    engineBytes,
    queryBytes: Math.floor(engineBytes * 0.8),
    markCacheBytes: Math.max(16 * MiB, Math.floor(maxMemory / 24)),
    queueBytes: Math.floor(maxMemory * 0.2),
  };
}

/** The engine start-up options that apply a plan. */
export function engineMemoryArgs(plan: MemoryPlan): string[] {
  return [
    `--max_server_memory_usage=${plan.engineBytes}`,
    `--max_memory_usage=${plan.queryBytes}`,
    `--mark_cache_size=${plan.markCacheBytes}`,
    `--index_mark_cache_size=${Math.floor(plan.markCacheBytes / 4)}`,
  ];
}
