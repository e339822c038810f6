// storage.max_memory reaches the engine and bounds the collector's queues: the embedded chDB
// runs with the configured server and per-query caps (read back from its system tables), and
// the pipeline refuses a request with 429 once its queued rows would pass the queue share.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_ROW_BYTES, Pipeline } from '../../src/collector/pipeline.js';
import { decodeProtoRequest, encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { Writer } from '../../src/collector/writer.js';
import { createPricingProcessor, loadCatalog } from '../../src/pricing/index.js';
import { parseConfig } from '../../src/shared/config.js';
import { BackpressureError } from '../../src/shared/errors.js';
import { createLogger } from '../../src/shared/logger.js';
import { ENGINE_MERGE_TREE_SETTINGS, planMemory } from '../../src/storage/memory.js';
import { makeSpans } from '../bench/spans.js';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

const MAX_MEMORY = 768 * 1024 * 1024;
let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime({ storage: { max_memory: MAX_MEMORY } });
});
afterAll(async () => {
  await t.runtime.stop();
});

describe('storage.max_memory', () => {
  it('starts the embedded engine with its server cap, mark cache and per-query cap', async () => {
    const plan = planMemory(MAX_MEMORY);
    const server = await t.runtime.storage.query<{ name: string; value: string }>(
      `SELECT name, value FROM system.server_settings
       WHERE name IN ('max_server_memory_usage', 'mark_cache_size', 'query_condition_cache_size',
         'merges_mutations_memory_usage_soft_limit') ORDER BY name`,
    );
    expect(server).toEqual([
      { name: 'mark_cache_size', value: String(plan.markCacheBytes) },
      { name: 'max_server_memory_usage', value: String(plan.engineBytes) },
      {
        name: 'merges_mutations_memory_usage_soft_limit',
        value: String(Math.floor(plan.engineBytes / 2)),
      },
      { name: 'query_condition_cache_size', value: String(Math.floor(plan.markCacheBytes / 4)) },
    ]);
    const query = await t.runtime.storage.query<{ value: string }>(
      `SELECT value FROM system.settings WHERE name = 'max_memory_usage'`,
    );
    expect(query).toEqual([{ value: String(plan.queryBytes) }]);
    // MergeTree settings come from the start-up configuration file (not query settings).
    const mergeTree = await t.runtime.storage.query<{ name: string; value: string }>(
      `SELECT name, value FROM system.merge_tree_settings WHERE name IN {names:Array(String)}
       ORDER BY name`,
      { names: Object.keys(ENGINE_MERGE_TREE_SETTINGS) },
    );
    expect(mergeTree).toEqual(
      Object.entries(ENGINE_MERGE_TREE_SETTINGS)
        .map(([name, value]) => ({ name, value: String(value) }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    // Below 1 GiB every insert parses on one thread (memory.ts says why).
    expect(plan.insertSettings).toEqual({ input_format_parallel_parsing: 0 });
    const shares = plan.engineBytes + plan.queueBytes + plan.seenBytes + plan.traceBytes;
    expect(shares).toBeLessThan(MAX_MEMORY * 0.85);
  });

  it('refuses a request with backpressure once queued rows would pass the queue share', async () => {
    const config = parseConfig({});
    const sink = { insert: () => Promise.resolve() };
    const writer = new Writer(
      sink,
      { batchRows: 1_000_000, flushIntervalMs: 1e9, maxRetries: 1, deadLetterDir: t.dataDir },
      createLogger('error'),
    );
    const pipeline = new Pipeline({
      config: config.collector,
      writer,
      price: createPricingProcessor(loadCatalog({})),
      maxQueueBytes: 150 * PENDING_ROW_BYTES,
    });
    const batch = () => decodeProtoRequest(encodeProtoRequest(makeSpans(100)));
    pipeline.admit(200); // an empty queue takes any request
    pipeline.ingest(batch());
    pipeline.pump(true);
    // 100 rows held as UTF-8 TSV lines in the writer's slabs: about 0.65 kB each plus the row's
    // id and object, counted by their size.
    expect(pipeline.queuedRows).toBe(100);
    expect(pipeline.queuedBytes).toBeGreaterThan(100 * 700);
    expect(pipeline.queuedBytes).toBeLessThan(100 * PENDING_ROW_BYTES);
    const room = Math.floor((150 * PENDING_ROW_BYTES - pipeline.queuedBytes) / PENDING_ROW_BYTES);
    pipeline.admit(room);
    expect(() => pipeline.admit(room + 1)).toThrow(BackpressureError);
    expect(() => pipeline.admit(room + 1)).toThrow(/storage\.max_memory/);
    // Committed rows free their share.
    await writer.flush();
    expect(pipeline.queuedBytes).toBe(0);
    pipeline.admit(room + 1);
  });

  it('reports the engine memory account, the RSS split, the trace bytes and the duplicate filter window on /metrics', async () => {
    const body = encodeProtoRequest(makeSpans(50));
    const res = await fetch(t.otlpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    expect(res.status).toBe(200);
    const read = async (): Promise<(name: string) => number> => {
      const text = await (await fetch(t.otlpUrl.replace('/v1/traces', '/metrics'))).text();
      return (name) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
    };
    let value = await read();
    // The engine's account is sampled every 5 s; the first sample is taken at start.
    for (let i = 0; i < 50 && !(value('llm_finops_engine_memory_bytes') > 0); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      value = await read();
    }
    const plan = planMemory(MAX_MEMORY);
    expect(value('llm_finops_engine_memory_bytes')).toBeGreaterThan(0);
    expect(value('llm_finops_engine_memory_bytes')).toBeLessThan(plan.engineBytes);
    // RSS split into anonymous and file pages (libchdb.so's code is most of the file pages).
    const [anon, file] = ['anon', 'file'].map((k) =>
      value(`llm_finops_process_resident_memory_${k}_bytes`),
    );
    expect(anon).toBeGreaterThan(50 * 1024 * 1024);
    expect(file).toBeGreaterThan(50 * 1024 * 1024);
    const rss = value('llm_finops_process_resident_memory_bytes');
    expect(Math.abs(anon! + file! - rss)).toBeLessThan(rss * 0.1);
    expect(value('llm_finops_collector_duplicate_window_seconds')).toBeGreaterThanOrEqual(0);
    expect(value('llm_finops_collector_duplicate_filter_evicted_total')).toBe(0);
    expect(value('llm_finops_collector_traces_evicted_early_total')).toBe(0);
    expect(value('llm_finops_collector_trace_bytes')).toBeGreaterThan(0);
    expect(value('llm_finops_collector_trace_bytes')).toBeLessThanOrEqual(plan.traceBytes);
    // Rows per insert is readable: the 50 calls went in one or more inserts once committed.
    for (let i = 0; i < 50 && !(value('llm_finops_collector_rows_written_total') >= 50); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      value = await read();
    }
    expect(value('llm_finops_collector_rows_written_total')).toBe(50);
    expect(value('llm_finops_collector_inserts_written_total')).toBeGreaterThanOrEqual(1);
    expect(value('llm_finops_collector_inserts_written_total')).toBeLessThanOrEqual(50);
  });
});
