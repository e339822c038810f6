// npm run bench:ingest — end-to-end ingest throughput against a raw-insert baseline, same run.
//
// 1. Baseline (this process): the same rows the collector would write, inserted straight into
//    embedded chDB (same schema, same materialized views) through chdb's rawInsert (it hands the
//    buffer to the engine without a copy through @clickhouse/client) as TSV with a column list,
//    the goal's baseline (the collector's format when issue 14 was filed), and JSONEachRow for
//    reference; then as RowBinary through file(), the collector's default path since round 22 and
//    the engine's cheapest for these rows (no TSV parsing), printed with its own ratio.
// 2. The collector's own JavaScript work per span, in this process (ingest-js.ts): decode ->
//    pipeline -> rows, the engine call replaced by a sink.
// 3. End to end: `llm-finops start` in a child process; CLIENTS concurrent clients post OTLP
//    protobuf batches of realistic GenAI spans over loopback; we count stored calls via the API.
// Prints rates, CPU per span (user + system, every thread: the figures to compare on a shared
// machine) and their ratios, and request latency p50/p99. The baseline's CPU is split by thread
// name too, so what the collector pays beyond the raw insert shows thread by thread (the engine's
// `ThreadPool` and `libuv-worker`, where chDB's insert runs, are paid by both). Environment knobs:
//   BENCH_SPANS (default 200000), BENCH_BATCH (spans per request, 500), BENCH_CLIENTS (8),
//   BENCH_FLUSH_MS (the collector's writer flush interval), BENCH_SKIP_BASELINE=1,
//   BENCH_INSERT_MODE=raw|file (storage.insert_mode of the collector; the baseline stays raw),
//   BENCH_INSERT_FORMAT=rowbinary|tsv (storage.insert_format of the collector; the goal's baseline stays TSV,
//   the second baseline is the collector's default path: RowBinary through file()),
//   BENCH_SCHEDULER=1 (run the alert scheduler too: its queries run on a clock, so by default
//   they are left out of a per-span figure), BENCH_SHAPES=1 (the raw insert also at 10k and 2k rows an insert, each with a dedup token),
//   BENCH_NODE_ARGS (e.g. --cpu-prof for the collector child), BENCH_CHILD_STDOUT=<file> (the
//   child's stdout there, e.g. with BENCH_NODE_ARGS=--trace-gc), BENCH_WARMUP (spans the collector
//   takes and writes before its CPU is counted, default 0: a long-running collector's steady state,
//   with V8's compilation and heap sizing done; the baseline's timed insert always follows a
//   JSONEachRow insert of the same rows, so the engine is warm on that side either way).
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../helpers/cli.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { baseline, type Baseline } from './ingest-baseline.js';
import { measureJsPath } from './ingest-js.js';
import {
  mainThreadCpuSeconds,
  processCpuSeconds,
  threadCpuSeconds,
  topThreads,
} from './proc-cpu.js';
import { makeSpans } from './spans.js';

const TOTAL = Number(process.env.BENCH_SPANS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
/** Extra node flags for the collector child, e.g. --cpu-prof to profile it. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const SKIP_BASELINE = process.env.BENCH_SKIP_BASELINE === '1';
/** collector.writer.flush_interval_ms for the collector under test (default: the config's). */
const FLUSH_MS = process.env.BENCH_FLUSH_MS;
/** BENCH_INSERT_MODE=raw|file: storage.insert_mode of the collector under test (default: the config's). */
const INSERT_MODE = process.env.BENCH_INSERT_MODE;
/** BENCH_INSERT_FORMAT=rowbinary|tsv: storage.insert_format of the collector (default: the config's). */
const INSERT_FORMAT = process.env.BENCH_INSERT_FORMAT;
/** BENCH_SCHEDULER=1: the collector also runs its scheduler (alert evaluation, routing feed). */
const SCHEDULER = process.env.BENCH_SCHEDULER === '1';
/** BENCH_SHAPES=1: also time the raw insert in the collector's shape (smaller, with tokens). */
const SHAPES = process.env.BENCH_SHAPES === '1';
/** BENCH_CHILD_STDOUT=<file>: keep the collector child's stdout (V8's --trace-gc writes there). */
const CHILD_STDOUT = process.env.BENCH_CHILD_STDOUT;
/** BENCH_WARMUP=N: N spans sent and written before the collector's CPU is counted. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 0);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function storedCalls(apiUrl: string): Promise<number> {
  const from = new Date(Date.now() - 86_400_000).toISOString();
  const to = new Date(Date.now() + 86_400_000).toISOString();
  const res = await fetch(`${apiUrl}/v1/costs?from=${from}&to=${to}`);
  const body = (await res.json()) as { rows: { calls: number }[] };
  return body.rows[0]?.calls ?? 0;
}

/** The `storage:` block of the collector's config, '' when no knob sets one. */
function storageYaml(): string {
  const keys = [
    ...(INSERT_MODE !== undefined ? [`  insert_mode: ${INSERT_MODE}\n`] : []),
    ...(INSERT_FORMAT !== undefined ? [`  insert_format: ${INSERT_FORMAT}\n`] : []),
  ];
  return keys.length > 0 ? `storage:\n${keys.join('')}` : '';
}

async function endToEnd(
  requests: Uint8Array[],
  warmup: Uint8Array[],
): Promise<{
  rate: number;
  p50: number;
  p99: number;
  rejected: number;
  collectorCpuUsPerSpan: number;
  mainThreadCpuUsPerSpan: number;
  clientCpuUsPerSpan: number;
  rowsPerInsert: number;
  threads: string;
}> {
  const [otlpPort, apiPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-e2e-'));
  const configFile = join(dataDir, 'bench.yaml');
  writeFileSync(
    configFile,
    (FLUSH_MS !== undefined ? `collector:\n  writer:\n    flush_interval_ms: ${FLUSH_MS}\n` : '') +
      storageYaml() || '{}\n',
  );
  const child = spawn(
    process.execPath,
    [
      ...NODE_ARGS,
      join(ROOT, 'bin/llm-finops.js'),
      'start',
      '--config',
      configFile,
      '--data-dir',
      dataDir,
      '--otlp-port',
      String(otlpPort),
      '--otlp-grpc-port',
      '0',
      '--api-port',
      String(apiPort),
      // Alert evaluation and the routing feed run on a clock, not per span: left out unless asked.
      ...(SCHEDULER ? [] : ['--no-scheduler']),
    ],
    {
      cwd: ROOT,
      stdio: [
        'ignore',
        CHILD_STDOUT !== undefined ? openSync(CHILD_STDOUT, 'w') : 'ignore',
        'inherit',
      ],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    },
  );
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  for (let i = 0; i < 300; i += 1) {
    if (
      await fetch(`${apiUrl}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const latencies: number[] = [];
  let next = 0;
  let rejected = 0;
  let sending = warmup;
  const url = `http://127.0.0.1:${otlpPort}/v1/traces`;
  const client = async (): Promise<void> => {
    while (next < sending.length) {
      const body = sending[next++];
      if (body === undefined) return;
      for (;;) {
        const t = performance.now();
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-protobuf' },
          body,
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        if (res.status === 200) break;
        rejected += 1;
        await new Promise((resolve) =>
          setTimeout(resolve, Number(res.headers.get('retry-after') ?? 1) * 100),
        );
      }
    }
  };
  if (warmup.length > 0) {
    await Promise.all(Array.from({ length: CLIENTS }, () => client()));
    while ((await metricsCounters(apiUrl)).rows < WARMUP)
      await new Promise((resolve) => setTimeout(resolve, 20));
    latencies.length = 0;
    rejected = 0;
  }
  const before = await metricsCounters(apiUrl);
  sending = requests;
  next = 0;
  const childCpu = processCpuSeconds(child.pid ?? 0);
  const childMain = mainThreadCpuSeconds(child.pid ?? 0);
  const childThreads = threadCpuSeconds(child.pid ?? 0);
  const clientCpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, () => client()));
  // Wait on the writer's counter (no engine query, and no read barrier forcing small inserts).
  while ((await metricsCounters(apiUrl)).rows < WARMUP + TOTAL)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  const threads = topThreads(childThreads, threadCpuSeconds(child.pid ?? 0), TOTAL);
  const collectorCpuUsPerSpan = ((processCpuSeconds(child.pid ?? 0) - childCpu) * 1e6) / TOTAL;
  const mainThreadCpuUsPerSpan = ((mainThreadCpuSeconds(child.pid ?? 0) - childMain) * 1e6) / TOTAL;
  const used = process.cpuUsage(clientCpu);
  const counters = await metricsCounters(apiUrl);
  const stored = await storedCalls(apiUrl);
  if (stored !== WARMUP + TOTAL)
    throw new Error(`stored ${stored} calls, expected ${WARMUP + TOTAL}`);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const q = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    rate: TOTAL / seconds,
    p50: q(0.5),
    p99: q(0.99),
    rejected,
    collectorCpuUsPerSpan,
    mainThreadCpuUsPerSpan,
    clientCpuUsPerSpan: (used.user + used.system) / TOTAL,
    rowsPerInsert: (counters.rows - before.rows) / (counters.inserts - before.inserts),
    threads,
  };
}

/** Rows and inserts the collector's writer committed (its /metrics counters; NaN if unread). */
async function metricsCounters(apiUrl: string): Promise<{ rows: number; inserts: number }> {
  const text = await fetch(`${apiUrl}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const counter = (name: string): number =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return {
    rows: counter('llm_finops_collector_rows_written_total'),
    inserts: counter('llm_finops_collector_inserts_written_total'),
  };
}

async function main(): Promise<void> {
  const requests: Uint8Array[] = [];
  for (let i = 0; i < TOTAL; i += BATCH)
    requests.push(encodeProtoRequest(makeSpans(Math.min(BATCH, TOTAL - i))));
  process.stdout.write(
    `bench:ingest  spans=${TOTAL} batch=${BATCH} clients=${CLIENTS}${WARMUP > 0 ? ` (collector warmed with ${WARMUP} spans first)` : ''}\n`,
  );
  const none: Baseline = { rate: Number.NaN, cpuUsPerRow: Number.NaN };
  const { tsv, json, rowBinary } = SKIP_BASELINE
    ? { tsv: none, json: none, rowBinary: none }
    : await baseline(requests, SHAPES);
  process.stdout.write(
    `baseline  raw chDB rawInsert (TSV, 50k rows/insert): ${tsv.rate.toFixed(0)} rows/s, ${tsv.cpuUsPerRow.toFixed(1)} µs cpu/row (JSONEachRow: ${json.rate.toFixed(0)} rows/s, ${json.cpuUsPerRow.toFixed(1)} µs cpu/row)\n`,
  );
  if (tsv.threads !== undefined)
    process.stdout.write(
      `baseline  threads, µs a row: main ${tsv.mainUsPerRow?.toFixed(1)}, ${tsv.threads}\n`,
    );
  process.stdout.write(
    `baseline  the collector's own path (RowBinary through file(), 50k rows/insert): ${rowBinary.rate.toFixed(0)} rows/s, ${rowBinary.cpuUsPerRow.toFixed(1)} µs cpu/row${rowBinary.threads === undefined ? '' : `; threads, µs a row: main ${rowBinary.mainUsPerRow?.toFixed(1)}, ${rowBinary.threads}`}\n`,
  );
  const warmup: Uint8Array[] = [];
  for (let i = 0; i < WARMUP; i += BATCH)
    warmup.push(encodeProtoRequest(makeSpans(Math.min(BATCH, WARMUP - i))));
  const js = await measureJsPath(requests);
  const e2e = await endToEnd(requests, warmup);
  process.stdout.write(
    `end-to-end OTLP protobuf -> collector -> chDB:   ${e2e.rate.toFixed(0)} spans/s\n`,
  );
  process.stdout.write(
    `request latency p50=${e2e.p50.toFixed(1)} ms p99=${e2e.p99.toFixed(1)} ms; 429/503 answers=${e2e.rejected}; rows per insert ${e2e.rowsPerInsert.toFixed(0)} (flush_interval_ms ${FLUSH_MS ?? 'default'}${SCHEDULER ? ', scheduler on' : ''})\n`,
  );
  // Where the CPU goes, all threads included: on a 2-core machine the collector, the engine inside
  // it and this load generator share the cores, so the ratio is bounded by the sum.
  process.stdout.write(
    `cpu per span: baseline insert ${tsv.cpuUsPerRow.toFixed(1)} µs; collector (all of it) ${e2e.collectorCpuUsPerSpan.toFixed(1)} µs; load generator ${e2e.clientCpuUsPerSpan.toFixed(1)} µs; collector JS path (decode -> rows, no engine) ${js.cpuUsPerSpan.toFixed(1)} µs; collector main thread ${e2e.mainThreadCpuUsPerSpan.toFixed(1)} µs, other threads (engine, GC helpers, I/O) ${(e2e.collectorCpuUsPerSpan - e2e.mainThreadCpuUsPerSpan).toFixed(1)} µs\n`,
  );
  process.stdout.write(`collector threads other than main, µs a span by name: ${e2e.threads}\n`);
  process.stdout.write(
    `ratio collector cpu / baseline insert cpu = ${(e2e.collectorCpuUsPerSpan / tsv.cpuUsPerRow).toFixed(2)} (goal <= 1.6); JS path ${js.cpuUsPerSpan.toFixed(1)} µs (goal <= 20)\n`,
  );
  // The goal's baseline is the TSV rawInsert the issue measured; against the engine's cheapest
  // path for the same rows (the collector's own) the engine's share is smaller, so the ratio is
  // printed too: what the collector costs over the engine's least work.
  process.stdout.write(
    `ratio collector cpu / the collector's own insert path's cpu (RowBinary through file()) = ${(e2e.collectorCpuUsPerSpan / rowBinary.cpuUsPerRow).toFixed(2)} (not the goal's baseline; shown so the engine's cheaper path is not mistaken for the collector's)\n`,
  );
  process.stdout.write(
    `ratio end-to-end / baseline = ${(e2e.rate / tsv.rate).toFixed(2)} (goal >= 0.80, p99 < 250 ms)\n`,
  );
}

await main();
