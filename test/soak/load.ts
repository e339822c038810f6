// Soak, overload and fault runs against a real `llm-finops start` child process over loopback.
//
//   npm run soak                      # SOAK_MODE=soak: mixed ingest + API load, SOAK_MINUTES (10)
//   SOAK_MODE=overload npm run soak   # 512 clients resend refused batches at once (far above capacity)
//   SOAK_MODE=faults npm run soak     # FAULT_KILLS (10) kill -9 at random points, restart, replay
//   knobs: SOAK_CLIENTS, SOAK_SPOOL_MB (overload: 64), SOAK_POOL (overload: 4000 pre-encoded
//   batches of 200 spans), SOAK_SERVER_CPUS (e.g. 0: server on one core), SOAK_SERVER_LOG (file
//   for the server's stdout), SOAK_NODE_FLAGS (e.g. `--trace-gc`, into that log), SOAK_FLUSH_MS
//   (the server's collector.writer.flush_interval_ms), SOAK_SERVER_ENV (`NAME=value ...` for the
//   server's environment alone, e.g. `MALLOC_ARENA_MAX=2`)
//
// Prints throughput, RSS over time, status counts, acknowledged vs stored spans, duplicates.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { createStorage } from '../../src/storage/client.js';
import { makeSpans } from '../bench/spans.js';
import { freePort } from '../helpers/cli.js';
import {
  cpuSeconds,
  gcReport,
  memoryReport,
  rssMiB,
  sampleMemory,
  type MemorySample,
} from './memory.js';
import { smapsSummary } from './smaps.js';

const MODE = process.env.SOAK_MODE ?? 'soak';
const MINUTES = Number(process.env.SOAK_MINUTES ?? (MODE === 'soak' ? 10 : 1));
const KILLS = Number(process.env.FAULT_KILLS ?? 10);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? (MODE === 'overload' ? 512 : 4));
const BATCH = 200;
// Overload shows backpressure only once the spool fills: a small spool (MiB) makes that happen in
// a one-minute run on a 2-core machine, where the load generator cannot outrun a 1 GiB spool.
const SERVER_CPUS = process.env.SOAK_SERVER_CPUS;
/** collector.writer.flush_interval_ms for the server (default: the config's). */
const FLUSH_MS = process.env.SOAK_FLUSH_MS;
// The server's stdout (its log; with NODE_OPTIONS=--trace-gc, every collection) goes here.
const SERVER_LOG = process.env.SOAK_SERVER_LOG;
// Node flags for the server (e.g. `--trace-gc`, which NODE_OPTIONS does not take).
const NODE_FLAGS = (process.env.SOAK_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
const SERVER_ENV = Object.fromEntries(
  (process.env.SOAK_SERVER_ENV ?? '')
    .split(' ')
    .filter((kv) => kv.includes('='))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
const POOL = Number(process.env.SOAK_POOL ?? 4000);
const SPOOL_MB = Number(process.env.SOAK_SPOOL_MB ?? (MODE === 'overload' ? 64 : 1024));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Stats {
  sent: number;
  acked: Set<string>;
  statuses: Map<number, number>;
  apiCalls: number;
  apiErrors: number;
}

async function start(
  dataDir: string,
): Promise<{ child: ChildProcess; otlp: string; api: string; exited: Promise<unknown> }> {
  const [o, a] = [await freePort(), await freePort()];
  const config = join(dataDir, 'soak-config.yaml');
  const flush = FLUSH_MS !== undefined ? `  writer:\n    flush_interval_ms: ${FLUSH_MS}\n` : '';
  writeFileSync(config, `collector:\n  spool:\n    max_bytes: ${SPOOL_MB * 1024 * 1024}\n${flush}`);
  const args = [
    ...NODE_FLAGS,
    join(ROOT, 'bin/llm-finops.js'),
    'start',
    '--data-dir',
    dataDir,
    '--config',
    config,
    '--otlp-port',
    String(o),
    '--otlp-grpc-port',
    '0',
    '--api-port',
    String(a),
  ];
  // SOAK_SERVER_CPUS=0 pins the server to one core (taskset execs it: same pid), so the load
  // generator on the other core can send several times what the server commits.
  const [cmd, argv] =
    SERVER_CPUS !== undefined
      ? ['taskset', ['-c', SERVER_CPUS, process.execPath, ...args]]
      : [process.execPath, args];
  const child = spawn(cmd, argv, {
    cwd: ROOT,
    stdio: ['ignore', SERVER_LOG !== undefined ? openSync(SERVER_LOG, 'a') : 'ignore', 'inherit'],
    env: { ...process.env, ...SERVER_ENV, LOG_LEVEL: 'error' },
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const api = `http://127.0.0.1:${a}`;
  for (
    let i = 0;
    i < 300 &&
    !(await fetch(`${api}/healthz`).then(
      (r) => r.ok,
      () => false,
    ));
    i += 1
  )
    await sleep(100);
  return { child, otlp: `http://127.0.0.1:${o}/v1/traces`, api, exited };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function ids(request: object): string[] {
  const spans =
    (
      request as {
        resourceSpans: { scopeSpans: { spans: { traceId: Buffer; spanId: Buffer }[] }[] }[];
      }
    ).resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
  return spans.map((s) => `${s.traceId.toString('hex')}-${s.spanId.toString('hex')}`);
}

interface Batch {
  body: Buffer;
  ids: string[];
}

function makeBatch(): Batch {
  const request = makeSpans(BATCH);
  return { body: Buffer.from(encodeProtoRequest(request)), ids: ids(request) };
}

/**
 * Overload sends pre-encoded, distinct batches (SOAK_POOL of them): building and encoding spans
 * costs the load generator more than ingesting them costs the server, so a generator that
 * builds as it goes could never offer several times the server's capacity on two cores.
 */
interface BatchSource {
  next: () => Batch | undefined;
  refused: (batch: Batch) => void;
}

function batchSource(): BatchSource {
  if (MODE !== 'overload') return { next: makeBatch, refused: () => undefined };
  const pool = Array.from({ length: POOL }, makeBatch);
  // A refused batch goes to the back of the queue and is offered again at once (no Retry-After
  // wait: an overload client that ignores it), so the offered load stays far above capacity.
  return { next: () => pool.shift(), refused: (batch) => pool.push(batch) };
}

async function ingestLoop(
  otlp: string,
  stats: Stats,
  until: () => boolean,
  source: BatchSource,
): Promise<void> {
  while (!until()) {
    const batch = source.next();
    if (batch === undefined) return;
    try {
      const res = await fetch(otlp, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf' },
        body: batch.body,
      });
      await res.arrayBuffer();
      stats.sent += BATCH;
      stats.statuses.set(res.status, (stats.statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) for (const id of batch.ids) stats.acked.add(id);
      else if (MODE === 'overload') source.refused(batch);
      else await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
    } catch {
      return; // server gone (fault mode)
    }
  }
}

async function apiLoop(api: string, stats: Stats, until: () => boolean): Promise<void> {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  while (!until()) {
    const to = new Date(Date.now() + 60_000).toISOString();
    const res = await fetch(`${api}/v1/costs?from=${from}&to=${to}&group_by=tenant,route`).catch(
      () => undefined,
    );
    stats.apiCalls += 1;
    if (res === undefined || res.status >= 500) stats.apiErrors += 1;
    await res?.arrayBuffer();
    await sleep(200);
  }
}

/** Stored rows are read in this many slices by call_id hash: a 10-minute soak on a quiet
 * machine acknowledges ~10M spans, and all of them as JS objects at once ran the harness out of
 * heap after the run (the server was fine). */
const VERIFY_SLICES = 32;

async function verify(dataDir: string, stats: Stats): Promise<void> {
  const storage = await createStorage({ database: 'default', dataDir });
  let stored = 0;
  let found = 0;
  let duplicates = 0;
  for (let k = 0; k < VERIFY_SLICES; k++) {
    const rows = await storage.query<{ call_id: string; n: string }>(
      `SELECT call_id, count() AS n FROM llm_calls
        WHERE cityHash64(call_id) % ${VERIFY_SLICES} = ${k} GROUP BY call_id`,
    );
    stored += rows.length;
    for (const r of rows) {
      if (stats.acked.has(r.call_id)) found += 1;
      if (Number(r.n) > 1) duplicates += 1;
    }
  }
  await storage.close();
  const lost = stats.acked.size - found;
  console.log(
    `acknowledged=${stats.acked.size} stored=${stored} lost=${lost} duplicates=${duplicates}`,
  );
  console.log(
    `statuses ${JSON.stringify(Object.fromEntries(stats.statuses))}; api calls=${stats.apiCalls} api 5xx=${stats.apiErrors}`,
  );
}

async function runTimed(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), `soak-${MODE}-`));
  const source = batchSource();
  const { child, otlp, api, exited } = await start(dataDir);
  const stats: Stats = {
    sent: 0,
    acked: new Set(),
    statuses: new Map(),
    apiCalls: 0,
    apiErrors: 0,
  };
  const end = Date.now() + MINUTES * 60_000;
  const rss: number[] = [];
  const memory: MemorySample[] = [];
  const metricsUrl = otlp.replace('/v1/traces', '/metrics');
  const sampler = setInterval(() => {
    rss.push(rssMiB(child.pid));
    void sampleMemory(metricsUrl).then((s) => s !== undefined && memory.push(s));
  }, 5_000);
  // The resident pages by mapping at mid-run and at the end of the load (smaps.ts).
  const smaps: string[] = [];
  const half = setTimeout(
    () => smaps.push(`mid-run ${smapsSummary(child.pid)}`),
    end / 2 - Date.now() / 2,
  );
  const t0 = Date.now();
  await Promise.all([
    ...Array.from({ length: CLIENTS }, () =>
      ingestLoop(otlp, stats, () => Date.now() > end, source),
    ),
    apiLoop(api, stats, () => Date.now() > end),
  ]);
  clearInterval(sampler);
  clearTimeout(half);
  smaps.push(`end of load ${smapsSummary(child.pid)}`);
  const seconds = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds(child.pid);
  smaps.push(await gcReport(metricsUrl));
  const d0 = Date.now();
  child.kill('SIGTERM');
  await exited;
  // SIGTERM commits everything acknowledged first: the drain time is the backlog the load left.
  const drain = (Date.now() - d0) / 1000;
  console.log(
    `mode=${MODE} minutes=${MINUTES} clients=${CLIENTS} spool=${SPOOL_MB} MiB: acknowledged ${(stats.acked.size / seconds).toFixed(0)} spans/s, sent ${(stats.sent / seconds).toFixed(0)} spans/s; drain after SIGTERM ${drain.toFixed(1)} s`,
  );
  console.log(
    `server CPU ${cpu.toFixed(0)} s in the load: ${((cpu / Math.max(1, stats.acked.size)) * 1e6).toFixed(1)} µs a span acknowledged`,
  );
  console.log(`RSS MiB every 5 s: ${rss.join(' ')} (max ${Math.max(...rss, 0)})`);
  for (const line of [...memoryReport(memory), ...smaps]) console.log(line);
  const refused = [...stats.statuses]
    .filter(([s]) => s === 429 || s === 503)
    .reduce((n, [, c]) => n + c, 0);
  const total = [...stats.statuses.values()].reduce((n, c) => n + c, 0);
  console.log(`429/503 share: ${((refused / Math.max(1, total)) * 100).toFixed(1)}%`);
  await verify(dataDir, stats);
}

async function runFaults(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'soak-faults-'));
  const stats: Stats = {
    sent: 0,
    acked: new Set(),
    statuses: new Map(),
    apiCalls: 0,
    apiErrors: 0,
  };
  for (let kill = 0; kill < KILLS; kill += 1) {
    const { child, otlp, exited } = await start(dataDir);
    let stop = false;
    const loops = Promise.all(
      Array.from({ length: CLIENTS }, () =>
        ingestLoop(otlp, stats, () => stop, { next: makeBatch, refused: () => undefined }),
      ),
    );
    await sleep(300 + Math.floor(Math.random() * 1500));
    child.kill('SIGKILL');
    await exited;
    stop = true;
    await loops;
  }
  const { child, exited } = await start(dataDir);
  child.kill('SIGTERM');
  await exited;
  console.log(`mode=faults kills survived=${KILLS}`);
  await verify(dataDir, stats);
}

await (MODE === 'faults' ? runFaults() : runTimed());
