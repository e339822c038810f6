// bench:ingest's baseline: the same rows the collector would write, inserted straight into
// embedded chDB (same schema, same materialized views) through chdb's rawInsert as TSV with a
// column list (the goal's baseline since issue 14 was filed, when the collector wrote TSV) and,
// for reference, JSONEachRow; then the engine's cheapest path for the same rows, the one the
// collector takes by default since round 22: RowBinary through a file (storage.insert_mode
// file, insert_format rowbinary), which spares the engine the TSV parsing. With BENCH_SHAPES=1
// also at the collector's insert sizes, each with a dedup token.
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
import { rowBinaryChunks } from './rowbinary-chunks.js';
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
): Promise<{ tsv: Baseline; json: Baseline; rowBinary: Baseline }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-base-'));
  let storage = await createStorage({ database: 'default', dataDir });
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
  const json = await timedInsert(storage, cut(priced.map(callRow)), priced.length, {});
  await storage.command('TRUNCATE TABLE llm_calls');
  const tsvLines = priced.map(callTsv);
  const tsv = await timedInsert(storage, cut(tsvLines), priced.length, {
    format: 'TSV',
    columns: CALL_COLUMNS,
  });
  if (withShapes) await shapes(storage, tsvLines);
  await storage.command('TRUNCATE TABLE llm_calls');
  await storage.close();
  // The same store reopened inserting through files: the engine is as warm as for the TSV.
  storage = await createStorage({ database: 'default', dataDir, insertMode: 'file' });
  if ((await storage.takesRowBinary?.('llm_calls')) !== true)
    throw new Error('the embedded store does not take RowBinary rows through a file');
  // The rollups' parts of the inserts before merge in the background: not this insert's cost.
  await mergesQuiet(storage);
  const rowBinary = await timedInsert(storage, rowBinaryChunks(priced, CHUNK), priced.length, {
    format: 'RowBinary',
    columns: CALL_COLUMNS,
  });
  await storage.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { tsv, json, rowBinary };
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
    const shaped = await timedInsert(
      storage,
      cut(lines, rows),
      lines.length,
      format,
      `shape-${rows}`,
    );
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

/** Rows an insert of the baseline (the collector's default batch_rows). */
const CHUNK = 50_000;

/** `lines` joined `chunk` at a time: one body an insert. */
function cut(lines: readonly string[], chunk = CHUNK): string[] {
  const bodies: string[] = [];
  for (let i = 0; i < lines.length; i += chunk) bodies.push(lines.slice(i, i + chunk).join('\n'));
  return bodies;
}

/** `bodies` of `rows` rows in all, inserted one after another (each with a dedup token if `token`). */
async function timedInsert(
  storage: QueryRunner,
  bodies: readonly (string | Buffer)[],
  rows: number,
  format: InsertOptions,
  token?: string,
): Promise<Baseline> {
  const cpu = process.cpuUsage();
  const main = mainThreadCpuSeconds(process.pid);
  const threads = threadCpuSeconds(process.pid);
  const started = performance.now();
  for (const [i, body] of bodies.entries()) {
    const options = token !== undefined ? { ...format, dedupToken: `${token}-${i}` } : format;
    await storage.insert('llm_calls', body, options);
  }
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    rate: rows / seconds,
    cpuUsPerRow: (used.user + used.system) / rows,
    mainUsPerRow: ((mainThreadCpuSeconds(process.pid) - main) * 1e6) / rows,
    threads: topThreads(threads, threadCpuSeconds(process.pid), rows),
  };
}
