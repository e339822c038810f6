// bench:ingest's baseline: the same rows the collector would write, inserted straight into
// embedded chDB (same schema, same materialized views) through chdb's rawInsert, in the
// collector's format (TSV with a column list) and, for reference, JSONEachRow; with
// BENCH_SHAPES=1 also at the collector's insert sizes, each with a dedup token.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LlmCall } from '../../src/collector/call.js';
import { normalizeSpan } from '../../src/collector/processors/normalize.js';
import { decodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { createPricingProcessor, loadCatalog } from '../../src/pricing/index.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { callRow } from '../../src/storage/rows.js';
import { mainThreadCpuSeconds, threadCpuSeconds, topThreads } from './proc-cpu.js';
import { CALL_COLUMNS, callTsv } from '../../src/storage/rows-tsv.js';
import type { InsertOptions, QueryRunner } from '../../src/storage/runner.js';

export interface Baseline {
  rate: number;
  cpuUsPerRow: number;
  /** This process's main thread, µs a row (the insert call's JavaScript side). */
  mainUsPerRow?: number;
  /** The other threads by name, µs a row, as topThreads prints them (compare with the collector's). */
  threads?: string;
}

export async function baseline(
  requests: Uint8Array[],
  withShapes: boolean,
): Promise<{ tsv: Baseline; json: Baseline }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-base-'));
  const storage = await createStorage({ database: 'default', dataDir });
  await migrate(storage, { ttl_days: 400 });
  const price = createPricingProcessor(loadCatalog({}));
  // Rows prepared outside the timed section: the baseline measures the store alone.
  const calls: LlmCall[] = [];
  for (const body of requests) {
    for (const span of decodeProtoRequest(body).spans) {
      const n = normalizeSpan(span, { captureContent: false });
      if (n.type === 'call') calls.push(n.call);
    }
  }
  const priced = price(calls);
  const json = await timedInsert(storage, priced.map(callRow), {});
  await storage.command('TRUNCATE TABLE llm_calls');
  const tsvLines = priced.map(callTsv);
  const tsv = await timedInsert(storage, tsvLines, { format: 'TSV', columns: CALL_COLUMNS });
  if (withShapes) await shapes(storage, tsvLines);
  await storage.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { tsv, json };
}

/**
 * The raw insert in the collector's shape: 50k, 10k and 2k rows an insert, each with a dedup
 * token, each after the engine's merges have gone quiet; CPU of the inserts alone, and of the
 * inserts plus the merges they cause (until quiet again), per row.
 */
async function shapes(storage: QueryRunner, lines: string[]): Promise<void> {
  const format: InsertOptions = { format: 'TSV', columns: CALL_COLUMNS };
  for (const rows of [50_000, 10_000, 2_000]) {
    await storage.command('TRUNCATE TABLE llm_calls');
    await mergesQuiet(storage);
    const cpu = process.cpuUsage();
    const shaped = await timedInsert(storage, lines, format, rows, true);
    await mergesQuiet(storage);
    const used = process.cpuUsage(cpu);
    const withMerges = (used.user + used.system) / lines.length;
    process.stdout.write(
      `baseline shape  TSV ${rows} rows/insert with a dedup token: ${shaped.cpuUsPerRow.toFixed(1)} µs cpu/row, with the merges it causes ${withMerges.toFixed(1)} µs\n`,
    );
  }
}

/** Until no merge has run for a second (at most 60 s). */
async function mergesQuiet(storage: QueryRunner): Promise<void> {
  let quiet = 0;
  for (let i = 0; i < 600 && quiet < 10; i += 1) {
    const [row] = await storage.query<{ n: string }>('SELECT count() AS n FROM system.merges');
    quiet = Number(row?.n) === 0 ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function timedInsert(
  storage: QueryRunner,
  lines: string[],
  format: InsertOptions,
  chunk = 50_000,
  tokens = false,
): Promise<Baseline> {
  const cpu = process.cpuUsage();
  const main = mainThreadCpuSeconds(process.pid);
  const threads = threadCpuSeconds(process.pid);
  const started = performance.now();
  for (let i = 0; i < lines.length; i += chunk) {
    const options = tokens ? { ...format, dedupToken: `shape-${chunk}-${i}` } : format;
    await storage.insert('llm_calls', lines.slice(i, i + chunk).join('\n'), options);
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    rate: lines.length / seconds,
    cpuUsPerRow: (used.user + used.system) / lines.length,
    mainUsPerRow: ((mainThreadCpuSeconds(process.pid) - main) * 1e6) / lines.length,
    threads: topThreads(threads, threadCpuSeconds(process.pid), lines.length),
  };
}
