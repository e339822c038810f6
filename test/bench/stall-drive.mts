// The lead's stall driver (/work/wt/stall/drive.mts) with the engine's memory account printed per phase.
// Drive a collector into 503s (small spool) then offer a moderate rate; report CPU and commits.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTemplates, runPhase } from './latency-load.js';
// ROOT: the checkout whose collector is driven (default: this one).
const ROOT = process.env.ROOT ?? process.cwd();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SPOOL = process.env.SPOOL_MB ?? '24';
const HIGH = Number(process.env.HIGH ?? 12000);
const LOW = Number(process.env.LOW ?? 1500);
const dataDir = mkdtempSync(join(tmpdir(), 'stall-'));
const config = join(dataDir, 'config.yaml');
writeFileSync(
  config,
  `storage:\n  max_memory: ${Number(process.env.MEM_MB ?? 1536) * 1024 * 1024}\ncollector:\n  spool:\n    max_bytes: ${Number(SPOOL) * 1024 * 1024}\n${process.env.EXTRA ?? ''}`,
);
const port = 4400 + Math.floor(Math.random() * 500);
const child = spawn(
  process.execPath,
  [
    join(ROOT, 'bin/llm-finops.js'),
    'start',
    '--data-dir',
    dataDir,
    '--config',
    config,
    '--otlp-port',
    String(port),
    '--otlp-grpc-port',
    '0',
    '--no-api',
    '--no-scheduler',
  ],
  {
    cwd: ROOT,
    stdio: [
      'ignore',
      openSync(process.env.COLLOG ?? join(dataDir, 'collector.log'), 'w'),
      'inherit',
    ],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  },
);
const base = `http://127.0.0.1:${port}`;
for (let i = 0; i < 600; i++) {
  if (
    await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    )
  )
    break;
  await sleep(100);
}
const cpu = () => {
  const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const metric = async (n: string) => {
  const t = await fetch(`${base}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  const l = t.split('\n').find((x) => x.startsWith(n + ' '));
  return l ? Number(l.split(' ')[1]) : NaN;
};
const templates = makeTemplates(20);
const url = `${base}/v1/traces`;
const phases: [number, number][] = [
  [HIGH, 20],
  ...Array.from({ length: Number(process.env.LOWS ?? 4) }, (): [number, number] => [LOW, 30]),
];
for (const [rate, secs] of phases) {
  const c0 = cpu();
  const r = await runPhase(url, templates, rate, secs);
  console.log(
    new Date().toISOString(),
    `rate ${rate}: acked ${Math.round(r.acknowledged)}/s statuses ${JSON.stringify(Object.fromEntries(r.statuses))} cpu ${(cpu() - c0).toFixed(1)} s; rows written ${await metric('llm_finops_collector_rows_written_total')} queued ${await metric('llm_finops_collector_queued_rows')} spool ${await metric('llm_finops_collector_spool_bytes')} engine ${await metric('llm_finops_engine_memory_bytes')}`,
  );
}
child.kill('SIGKILL');
await new Promise((r) => child.once('exit', r));
// KEEP=1 leaves the data directory (and the collector's log in it) for a look afterwards.
if (process.env.KEEP !== '1') rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
