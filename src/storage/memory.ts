// storage.max_memory split between the parts that hold memory in one llm-finops process: the
// embedded engine (its whole-server cap, one query's cap, its caches) 55 %, the collector's
// queues (rows waiting for attribution or for the store) 20 %, its duplicate filter 1/32 and
// what it remembers of released traces 1/32. The rest (about 19 %) is left to the JavaScript
// heap's own baseline, request bodies in flight and the HTTP servers; the process's code
// (libchdb alone maps about 200 MB of it) comes on top: the default, 1.5 GiB, suits a 2 GB
// container.
//
// The engine's caps are `clickhouse local` options given when the engine starts (chDB's
// connectionArgs): max_server_memory_usage is server configuration, not a query setting, so
// no SET could apply it later. Past its cap the engine fails the query or insert with
// MEMORY_LIMIT_EXCEEDED (retried by the writer) instead of the container being OOM-killed.

import type { QueryRunner } from './runner.js';

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
  /** The duplicate filter's call ids (src/collector/seen.ts): 48 MiB remembers 2.1M ids. */
  seenBytes: number;
  /** Trace state kept for attribution after release (src/collector/trace-buffer.ts). */
  traceBytes: number;
  /**
   * Most body bytes one insert carries (the writer splits a batch before its first attempt, so
   * every retry repeats the same rows under the same token). What an insert takes in the
   * engine's account grows with its rows: at 256 MiB, 28k calls (9.7 MB of TSV) went in on an
   * idle engine and 32k (11 MB) never did; 1/24 of the engine's cap is 5.9 MiB there (17k calls).
   */
  insertBytes: number;
  /** Settings of every insert: parallel parsing off below 1 GiB (it holds ~10 MiB chunks per thread). */
  insertSettings: Record<string, number>;
}

export function planMemory(maxMemory: number): MemoryPlan {
  const engineBytes = Math.floor(maxMemory * 0.55);
  return {
    engineBytes,
    queryBytes: Math.floor(engineBytes * 0.8),
    markCacheBytes: Math.max(16 * MiB, Math.floor(maxMemory / 24)),
    queueBytes: Math.floor(maxMemory * 0.2),
    seenBytes: Math.floor(maxMemory / 32),
    traceBytes: Math.floor(maxMemory / 32),
    insertBytes: Math.floor(engineBytes / 24),
    insertSettings: maxMemory < 1024 * MiB ? { input_format_parallel_parsing: 0 } : {},
  };
}

/**
 * MergeTree settings the engine starts with (its configuration file's `merge_tree` section: they
 * are not query settings, and chDB takes no other way to set them for every table).
 * - max_compress_block_size 64 KiB, not 1 MiB: a wide part holds a compression buffer per column
 *   stream (llm_calls and its projection: well over a hundred), so a merge of llm_calls took
 *   304 MiB and a 45k-call insert over 400 MiB; at 64 KiB 8.5 and 56 MiB (test/bench/
 *   merge-memory.ts, insert-memory.ts). Columns of 8 bytes a row already compress in 64 KiB
 *   blocks (a granule of 8,192 rows); only wider ones are cut smaller.
 * - Vertical merges from the first row (one column at a time), not from 131,072 rows: the
 *   horizontal merges of small llm_calls parts held 68-72 MiB.
 * - Outdated parts (the sources of a finished merge) gone after 30 s, not 480 s, looked for every
 *   1-5 s: each insert's outdated parts held about 0.5 MiB of the engine's account, so one insert
 *   a second climbed to the cap at 256 MiB within minutes. They are kept for a crash before the
 *   merged part reached the disk; 30 s is the kernel's default dirty-page expiry.
 * - The primary index in the engine's bounded cache (primary_index_cache_size) instead of held by
 *   every part, outdated ones included.
 */
export const ENGINE_MERGE_TREE_SETTINGS = {
  max_compress_block_size: 65_536,
  vertical_merge_algorithm_min_rows_to_activate: 1,
  old_parts_lifetime: 30,
  cleanup_delay_period: 1,
  max_cleanup_delay_period: 5,
  use_primary_key_cache: 1,
} as const;

/** The engine's configuration file (XML, the format `clickhouse local --config-file` reads). */
export function engineConfigXml(): string {
  const settings = Object.entries(ENGINE_MERGE_TREE_SETTINGS)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('');
  return `<clickhouse><merge_tree>${settings}</merge_tree></clickhouse>\n`;
}

/** The engine start-up options that apply a plan; `configFile` holds engineConfigXml(). */
export function engineMemoryArgs(plan: MemoryPlan, configFile?: string): string[] {
  return [
    ...(configFile !== undefined ? [`--config-file=${configFile}`] : []),
    `--max_server_memory_usage=${plan.engineBytes}`,
    `--max_memory_usage=${plan.queryBytes}`,
    `--mark_cache_size=${plan.markCacheBytes}`,
    `--index_mark_cache_size=${Math.floor(plan.markCacheBytes / 4)}`,
    // Caches whose defaults assume a server's RAM (100 MiB, 128 MiB, 5 GiB): a quarter of the
    // mark cache each; this engine's queries are few and repeat (the API's, the planner's).
    `--query_condition_cache_size=${Math.floor(plan.markCacheBytes / 4)}`,
    `--compiled_expression_cache_size=${Math.floor(plan.markCacheBytes / 4)}`,
    `--primary_index_cache_size=${Math.floor(plan.markCacheBytes / 4)}`,
    // No new merge starts while merges hold more than this: a burst of merges after a backlog
    // must leave room for inserts and the API's queries.
    `--merges_mutations_memory_usage_soft_limit=${Math.floor(plan.engineBytes / 2)}`,
  ];
}

/**
 * What the embedded engine itself accounts for (its MemoryTracking metric): queries, inserts,
 * merges and caches. The process's RSS minus this is the JavaScript side (heap, buffers) plus
 * allocator slack.
 */
export async function engineTrackedBytes(runner: QueryRunner): Promise<number> {
  const rows = await runner.query<{ value: string }>(
    `SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'`,
  );
  return Number(rows[0]?.value ?? 0);
}

export interface EngineMemorySampler {
  /** The last sample (0 before the first, or when the engine is not embedded). */
  readonly bytes: number;
  stop(): void;
}

/**
 * Samples engineTrackedBytes every `everyMs` for /metrics, whose scrape is synchronous. Only the
 * embedded engine: a server's MemoryTracking is the whole server's, not this process's.
 */
export function sampleEngineMemory(runner: QueryRunner, everyMs = 5_000): EngineMemorySampler {
  const sampler = { bytes: 0, stop: () => undefined as void };
  if (runner.kind !== 'embedded') return sampler;
  const take = (): void => {
    engineTrackedBytes(runner).then(
      (bytes) => (sampler.bytes = bytes),
      () => undefined, // a failed sample keeps the last one; the store reports its own failures
    );
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  sampler.stop = () => clearInterval(timer);
  return sampler;
}

/**
 * How far V8 lets its heap grow past what survived the last full collection before it collects
 * again. Its default adapts up to 4x under a high allocation rate: in the soak, 160 MB live
 * held a 560 MB heap. 1.5x keeps the heap near what it holds (the bounded queues, the trace
 * buffer, the code) at the cost of more frequent, smaller full collections. The least growth:
 * collector/heap-growth.ts applies it, raised to one young generation where the budget allows.
 */
export const HEAP_GROWING_PERCENT = 50;
