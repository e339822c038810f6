// npm run bench:latency — request latency at 80% of the collector's maximum sustained rate,
// against a bare HTTP server doing the same decode (latency-baseline.ts), in the same run.
//
// 1. Ramp: open-loop load (latency-load.ts) on `llm-finops start`, the offered rate times 1.4
//    every LAT_STEP_S from LAT_START spans/s, until a step is not sustained: under 97 %
//    acknowledged, any 429/503, the client behind its schedule, or the store not keeping up
//    (nothing committed for 2 s past the writer's longest planned wait, 4 flush intervals while
//    rows flow, at the step's end, from /metrics).
// 2. LAT_SECONDS at 80 % of the highest sustained step: request p50 / p95 / p99, and the
//    collector's event-loop delay over that phase (/metrics).
// 3. The same rate, client and duration against the baseline server: the ratio of the p99s.
// Knobs: LAT_START (500), LAT_STEP_S (12), LAT_SECONDS (60), LAT_BUSY_MS (the collector's
// writer.busy_flush_interval_ms), LAT_FLUSH_MS (the collector's
// writer.flush_interval_ms), LAT_NODE_FLAGS (node flags for the collector, e.g. --trace-gc;
// --trace-gc-nvp logs each scavenge's promoted bytes), LAT_LOG (file for the collector's
// stdout), LAT_RATE (skip the ramp: measure at this rate, e.g. to compare two flush intervals
// at one rate). The GC pauses printed are prom-client's histogram, scraped around the phase.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BATCH, makeTemplates, percentiles, runPhase, type PhaseResult } from './latency-load.js';
import { freePort } from '../helpers/cli.js';

const START = Number(process.env.LAT_START ?? 500);
const STEP_S = Number(process.env.LAT_STEP_S ?? 12);
const SECONDS = Number(process.env.LAT_SECONDS ?? 60);
const FLUSH_MS = process.env.LAT_FLUSH_MS;
/** LAT_BUSY_MS: the collector's writer.busy_flush_interval_ms (default: 4 flush intervals). */
const BUSY_MS = process.env.LAT_BUSY_MS;
const NODE_FLAGS = (process.env.LAT_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
const LOG = process.env.LAT_LOG;
const FIXED_RATE = process.env.LAT_RATE !== undefined ? Number(process.env.LAT_RATE) : undefined;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GOAL_P99_MS = 250;
/** The writer's longest planned wait (busy_flush_interval_ms: 4 flush intervals), in seconds. */
const BUSY_S = Number(BUSY_MS ?? 4 * Number(FLUSH_MS ?? 1000)) / 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function startCollector(): Promise<{ child: ChildProcess; base: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-latency-'));
  const config = join(dataDir, 'config.yaml');
  const flush =
    FLUSH_MS !== undefined || BUSY_MS !== undefined
      ? `  writer:\n${FLUSH_MS !== undefined ? `    flush_interval_ms: ${FLUSH_MS}\n` : ''}${BUSY_MS !== undefined ? `    busy_flush_interval_ms: ${BUSY_MS}\n` : ''}`
      : '';
  writeFileSync(config, `collector:\n${flush || '  {}\n'}`);
  const port = await freePort();
  const args = [
    ...NODE_FLAGS,
    join(ROOT, 'bin/llm-finops.js'),
    'start',
    ...['--data-dir', dataDir, '--config', config, '--otlp-port', String(port)],
    ...['--otlp-grpc-port', '0', '--no-api', '--no-scheduler'],
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', LOG !== undefined ? openSync(LOG, 'a') : 'ignore', 'inherit'],
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i += 1) {
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { child, base };
    await sleep(100);
  }
  throw new Error('the collector did not start');
}

async function startBaseline(): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = fork(join(ROOT, 'test/bench/latency-baseline.ts'), [String(port)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => child.once('message', resolve));
  return { child, url: `http://127.0.0.1:${port}/v1/traces` };
}

/** Values of one /metrics scrape (one scrape: reading the event-loop figures resets them). */
async function metrics(base: string): Promise<Map<string, number>> {
  const text = await fetch(`${base}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, value] = line.split(' ');
    if (name !== undefined && value !== undefined && !name.startsWith('#'))
      values.set(name, Number(value));
  }
  return values;
}

async function metric(base: string, name: string): Promise<number> {
  return (await metrics(base)).get(name) ?? NaN;
}

/** CPU seconds (user + system, every thread) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Wait until the store has committed what was acknowledged (at most 30 s). */
async function drained(base: string): Promise<void> {
  for (let i = 0; i < 60; i += 1) {
    if ((await metric(base, 'llm_finops_collector_queued_rows')) === 0) return;
    await sleep(500);
  }
}

function describe(r: PhaseResult): string {
  const p = percentiles(r.histogram);
  const codes = JSON.stringify(Object.fromEntries(r.statuses));
  return `offered ${Math.round(r.offered)} -> acknowledged ${Math.round(r.acknowledged)} spans/s, p50 ${p.p50} / p99 ${p.p99} ms, statuses ${codes}${r.behind ? ', client behind' : ''}`;
}

async function ramp(base: string, templates: ReturnType<typeof makeTemplates>): Promise<number> {
  const url = `${base}/v1/traces`;
  let best = 0;
  for (let rate = START; ; rate = Math.round(rate * 1.4)) {
    const r = await runPhase(url, templates, rate, STEP_S);
    const lag = await metric(base, 'llm_finops_collector_uncommitted_seconds');
    const refused = (r.statuses.get(429) ?? 0) + (r.statuses.get(503) ?? 0);
    const ok = r.acknowledged >= 0.97 * rate && refused === 0 && !r.behind && !(lag > 2 + BUSY_S);
    console.log(
      `  ramp: ${describe(r)}, uncommitted ${lag} s: ${ok ? 'sustained' : 'not sustained'}`,
    );
    if (!ok) return best;
    best = rate;
    await drained(base);
  }
}

async function main(): Promise<void> {
  console.log(`load average at start: ${load()}`);
  const templates = makeTemplates(200);
  const collector = await startCollector();
  // A failed step must not leave the collector running (it holds its port and a core).
  process.on('exit', () => collector.child.kill('SIGKILL'));
  const max = FIXED_RATE !== undefined ? FIXED_RATE / 0.8 : await ramp(collector.base, templates);
  if (max === 0) throw new Error(`not even ${START} spans/s was sustained (LAT_START lower?)`);
  const rate = Math.round(max * 0.8);
  if (FIXED_RATE === undefined)
    console.log(`maximum sustained: ${max} spans/s (${(max / BATCH).toFixed(1)} requests/s)`);
  await drained(collector.base);
  const before = await metrics(collector.base); // also resets the event-loop delay histogram
  const cpuBefore = cpuSeconds(collector.child.pid);
  const measured = await runPhase(`${collector.base}/v1/traces`, templates, rate, SECONDS);
  const after = await metrics(collector.base); // the event-loop figures of the phase
  await drained(collector.base);
  const cpuUs =
    ((cpuSeconds(collector.child.pid) - cpuBefore) * 1e6) / (measured.acknowledged * SECONDS);
  const final = await metrics(collector.base);
  const delta = (name: string): number => (final.get(name) ?? NaN) - (before.get(name) ?? 0);
  const rowsPerInsert =
    delta('llm_finops_collector_rows_written_total') /
    delta('llm_finops_collector_inserts_written_total');
  // prom-client's GC histogram: pauses of the collector's main thread over the measured phase.
  const gc = (kind: string, what: 'sum' | 'count'): number =>
    (after.get(`llm_finops_nodejs_gc_duration_seconds_${what}{kind="${kind}"}`) ?? NaN) -
    (before.get(`llm_finops_nodejs_gc_duration_seconds_${what}{kind="${kind}"}`) ?? 0);
  const lagP99 = after.get('llm_finops_nodejs_eventloop_lag_p99_seconds') ?? NaN;
  const lagMax = after.get('llm_finops_nodejs_eventloop_lag_max_seconds') ?? NaN;
  console.log(`collector at 80 %: ${describe(measured)}; load average ${load()}`);
  console.log(
    `collector over that phase and its drain: ${cpuUs.toFixed(1)} µs cpu per acknowledged span (all threads), ${rowsPerInsert.toFixed(0)} rows per insert (flush_interval_ms ${FLUSH_MS ?? 'default'}, busy_flush_interval_ms ${BUSY_MS ?? 'default'})`,
  );
  collector.child.kill('SIGTERM');
  const baseline = await startBaseline();
  const base = await runPhase(baseline.url, templates, rate, SECONDS);
  console.log(`baseline at the same rate: ${describe(base)}; load average ${load()}`);
  baseline.child.kill('SIGTERM');
  const c = percentiles(measured.histogram);
  const b = percentiles(base.histogram);
  const ratio = (x: number, y: number): string => (x / Math.max(y, 0.1)).toFixed(1);
  console.log(
    `request latency at ${rate} spans/s (80 % of ${max}), ${SECONDS} s, ${BATCH} spans a request: ` +
      `collector p50 ${c.p50} / p95 ${c.p95} / p99 ${c.p99} ms (max ${c.max}); ` +
      `baseline p50 ${b.p50} / p95 ${b.p95} / p99 ${b.p99} ms; ratio p50 ${ratio(c.p50, b.p50)}x, p99 ${ratio(c.p99, b.p99)}x; ` +
      `goal p99 < ${GOAL_P99_MS} ms: ${c.p99 < GOAL_P99_MS ? 'met' : 'not met'}`,
  );
  console.log(
    `collector event-loop delay over that phase: p99 ${(lagP99 * 1000).toFixed(1)} ms, max ${(lagMax * 1000).toFixed(1)} ms; ` +
      `GC pauses: ${gc('minor', 'count')} scavenges ${(gc('minor', 'sum') * 1000).toFixed(0)} ms, ` +
      `${gc('major', 'count')} full ${(gc('major', 'sum') * 1000).toFixed(0)} ms, incremental marking ${(gc('incremental', 'sum') * 1000).toFixed(0)} ms`,
  );
}

await main();
