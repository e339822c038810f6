// npm run bench:read-under-ingest — API read latency while the collector ingests, with the
// embedded engine's inserts on a chDB connection of their own (storage.insert_connection: own,
// the default) against inserts on the reads' connection (shared), alternating in one run.
//
// Each round starts `llm-finops start` with one variant, ingests RUI_RATE spans/s for RUI_WARM_S
// (rows to read), then one reader asks the API question after question (a closed loop: each
// answer before the next question) for RUI_SECONDS with no ingest (the baseline, same process),
// then again for RUI_SECONDS while RUI_RATE spans/s arrive (latency-load.ts's open-loop client).
// Printed: p50 / p95 / p99 of the reads, idle and under ingest, their ratio, and the reads
// answered. A chDB connection runs one statement at a time, so with `shared` a read waits for
// the insert in flight (tens of thousands of rows through every view); with `own` it competes
// for the cores only. Every read first waits (up to collector.writer.read_wait_ms, 2 s by
// default) for the rows acknowledged so far to commit, so under ingest a read also waits for a
// flush and its insert: RUI_READ_WAIT_MS=0 leaves that wait out and times the connection alone.
// Knobs: RUI_RATE (6000), RUI_SECONDS (30), RUI_WARM_S (15), RUI_ROUNDS (2), RUI_VARIANTS
// (own,shared), RUI_READ_WAIT_MS (the config's default).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { makeTemplates, percentiles, runPhase } from './latency-load.js';
import { freePort } from '../helpers/cli.js';

const RATE = Number(process.env.RUI_RATE ?? 6000);
const SECONDS = Number(process.env.RUI_SECONDS ?? 30);
const WARM_S = Number(process.env.RUI_WARM_S ?? 15);
const ROUNDS = Number(process.env.RUI_ROUNDS ?? 2);
const VARIANTS = (process.env.RUI_VARIANTS ?? 'own,shared').split(',');
const READ_WAIT_MS = process.env.RUI_READ_WAIT_MS;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Collector {
  child: ChildProcess;
  otlp: string;
  api: string;
  dataDir: string;
}

async function start(variant: string): Promise<Collector> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-read-ingest-'));
  const config = join(dataDir, 'config.yaml');
  const wait =
    READ_WAIT_MS !== undefined
      ? `collector:\n  writer:\n    read_wait_ms: ${Number(READ_WAIT_MS)}\n`
      : '';
  writeFileSync(config, `storage:\n  insert_connection: ${variant}\n${wait}`);
  const [o, a] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/llm-finops.js'),
      'start',
      ...['--data-dir', dataDir, '--config', config, '--otlp-port', String(o)],
      ...['--otlp-grpc-port', '0', '--api-port', String(a), '--no-scheduler'],
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    },
  );
  const api = `http://127.0.0.1:${a}`;
  for (let i = 0; i < 600; i += 1) {
    const up = await fetch(`${api}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return { child, otlp: `http://127.0.0.1:${o}/v1/traces`, api, dataDir };
    await sleep(100);
  }
  throw new Error('the collector did not start');
}

/** The questions the reader cycles through: the last hour, as a dashboard refresh asks them. */
function questions(api: string): string[] {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 600_000).toISOString();
  const range = `from=${from}&to=${to}`;
  return [
    `${api}/v1/costs?${range}&group_by=tenant,route`,
    `${api}/v1/latency?${range}&group_by=model`,
    `${api}/v1/cache?${range}`,
  ];
}

/** One reader, question after question, until `until()`; latency in µs, failures counted. */
async function readLoop(
  urls: string[],
  until: () => boolean,
): Promise<{ histogram: hdr.Histogram; reads: number; failed: number }> {
  const histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000 });
  let reads = 0;
  let failed = 0;
  while (!until()) {
    const t0 = performance.now();
    const ok = await fetch(urls[reads % urls.length]!).then(
      async (r) => (await r.arrayBuffer(), r.status === 200),
      () => false,
    );
    histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
    reads += 1;
    if (!ok) failed += 1;
  }
  return { histogram, reads, failed };
}

interface RoundResult {
  variant: string;
  idle: ReturnType<typeof percentiles>;
  loaded: ReturnType<typeof percentiles>;
  reads: [number, number];
  failed: number;
  acknowledged: number;
}

async function round(variant: string, templates: ReturnType<typeof makeTemplates>) {
  const c = await start(variant);
  try {
    await runPhase(c.otlp, templates, RATE, WARM_S);
    await sleep(3000); // the warm-up's last insert committed
    const urls = questions(c.api);
    const idleEnd = Date.now() + SECONDS * 1000;
    const idle = await readLoop(urls, () => Date.now() > idleEnd);
    let ingesting = true;
    const [ingest, loaded] = await Promise.all([
      runPhase(c.otlp, templates, RATE, SECONDS).finally(() => {
        ingesting = false;
      }),
      readLoop(urls, () => !ingesting),
    ]);
    const result: RoundResult = {
      variant,
      idle: percentiles(idle.histogram),
      loaded: percentiles(loaded.histogram),
      reads: [idle.reads, loaded.reads],
      failed: idle.failed + loaded.failed,
      acknowledged: ingest.acknowledged,
    };
    return result;
  } finally {
    c.child.kill('SIGTERM');
    await new Promise((resolve) => c.child.once('exit', resolve));
    rmSync(c.dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const load = (): string => loadavg()[0]!.toFixed(1);
  console.log(
    `bench:read-under-ingest  ${RATE} spans/s, ${SECONDS} s a phase, variants ${VARIANTS.join(', ')} x ${ROUNDS}, read_wait_ms ${READ_WAIT_MS ?? 'default'}  load ${load()}`,
  );
  const templates = makeTemplates(200);
  const all: RoundResult[] = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    // Alternate which variant goes first, so neither always meets the warmer machine.
    const order = r % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
    for (const variant of order) {
      const x = await round(variant, templates);
      all.push(x);
      console.log(
        `  ${variant.padEnd(7)} reads idle p50 ${x.idle.p50} / p95 ${x.idle.p95} / p99 ${x.idle.p99} ms (${x.reads[0]} reads); ` +
          `under ingest p50 ${x.loaded.p50} / p95 ${x.loaded.p95} / p99 ${x.loaded.p99} ms, max ${x.loaded.max} (${x.reads[1]} reads); ` +
          `p99 ${(x.loaded.p99 / Math.max(x.idle.p99, 0.1)).toFixed(2)}x idle; ingest ${Math.round(x.acknowledged)} spans/s acknowledged; ${x.failed} failed  load ${load()}`,
      );
    }
  }
  const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 === 1
      ? s[(s.length - 1) / 2]!
      : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const ms = (x: number): string => x.toFixed(1);
  for (const variant of VARIANTS) {
    const mine = all.filter((x) => x.variant === variant);
    console.log(
      `${variant}: median under ingest p50 ${ms(median(mine.map((x) => x.loaded.p50)))} / p99 ${ms(median(mine.map((x) => x.loaded.p99)))} ms, slowest ${ms(median(mine.map((x) => x.loaded.max)))} ms; idle p99 ${ms(median(mine.map((x) => x.idle.p99)))} ms`,
    );
  }
  if (VARIANTS.length === 2) {
    const [a, b] = VARIANTS as [string, string];
    const p = (v: string, k: 'p50' | 'p99' | 'max'): number =>
      median(all.filter((x) => x.variant === v).map((x) => x.loaded[k]));
    console.log(
      `${a} / ${b} under ingest: p50 ${(p(a, 'p50') / p(b, 'p50')).toFixed(2)}x, p99 ${(p(a, 'p99') / p(b, 'p99')).toFixed(2)}x, slowest read ${(p(a, 'max') / p(b, 'max')).toFixed(2)}x`,
    );
  }
}

await main();
