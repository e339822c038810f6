// npm run bench:grpc — OTLP/gRPC against OTLP/HTTP protobuf on one collector, same run: the
// same realistic GenAI spans, batches and concurrency, in four rounds ordered HTTP, gRPC, gRPC,
// HTTP (so a drift over the run, such as the store merging earlier rounds' parts, weighs on
// both alike); each round waits until its spans are stored before the next starts. Prints per
// protocol: spans/s acknowledged and stored, collector CPU per span (the whole process: receiver,
// pipeline and the embedded store), p50/p99 latency, and the gRPC/HTTP ratios.
// Knobs: BENCH_SPANS per protocol (100000, split over its two rounds), BENCH_BATCH (500),
// BENCH_CLIENTS (8).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { freePort } from '../helpers/cli.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { rawClient } from '../helpers/grpc.js';
import { makeSpans } from './spans.js';

const TOTAL = Number(process.env.BENCH_SPANS ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Phase {
  spans: number;
  ackSeconds: number;
  storedSeconds: number;
  cpuSeconds: number;
  latencies: number[];
  retries: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux only). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function stored(apiUrl: string): Promise<number> {
  const from = new Date(Date.now() - 86_400_000).toISOString();
  const to = new Date(Date.now() + 86_400_000).toISOString();
  const res = await fetch(`${apiUrl}/v1/costs?from=${from}&to=${to}`);
  const body = (await res.json()) as { rows: { calls: number }[] };
  return body.rows[0]?.calls ?? 0;
}

/** Send every request with CLIENTS in flight; `send` answers true when acknowledged. */
async function phase(
  pid: number,
  apiUrl: string,
  expected: number,
  requests: Uint8Array[],
  send: (body: Uint8Array) => Promise<boolean>,
): Promise<Phase> {
  const latencies: number[] = [];
  let next = 0;
  let retries = 0;
  const worker = async (): Promise<void> => {
    for (let body = requests[next++]; body !== undefined; body = requests[next++]) {
      for (;;) {
        const t = performance.now();
        const ok = await send(body);
        latencies.push(performance.now() - t);
        if (ok) break;
        retries += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  const cpu = cpuSeconds(pid);
  const started = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, () => worker()));
  const ackSeconds = (performance.now() - started) / 1000;
  while ((await stored(apiUrl)) < expected) await new Promise((r) => setTimeout(r, 20));
  return {
    spans: TOTAL / 2,
    ackSeconds,
    storedSeconds: (performance.now() - started) / 1000,
    cpuSeconds: cpuSeconds(pid) - cpu,
    latencies,
    retries,
  };
}

/** Two rounds of one protocol, summed. */
function sum(a: Phase, b: Phase): Phase {
  return {
    spans: a.spans + b.spans,
    ackSeconds: a.ackSeconds + b.ackSeconds,
    storedSeconds: a.storedSeconds + b.storedSeconds,
    cpuSeconds: a.cpuSeconds + b.cpuSeconds,
    latencies: [...a.latencies, ...b.latencies].sort((x, y) => x - y),
    retries: a.retries + b.retries,
  };
}

const batches = (): Uint8Array[] => {
  const out: Uint8Array[] = [];
  const round = TOTAL / 2;
  for (let i = 0; i < round; i += BATCH)
    out.push(encodeProtoRequest(makeSpans(Math.min(BATCH, round - i))));
  return out;
};

async function main(): Promise<void> {
  const [otlpPort, grpcPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const args = ['start', '--data-dir', mkdtempSync(join(tmpdir(), 'bench-grpc-'))];
  args.push('--otlp-port', String(otlpPort), '--otlp-grpc-port', String(grpcPort));
  args.push('--api-port', String(apiPort));
  const child = spawn(process.execPath, [join(ROOT, 'bin/llm-finops.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  for (let i = 0; i < 300; i += 1) {
    const up = await fetch(`${apiUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.stdout.write(`bench:grpc  spans/phase=${TOTAL} batch=${BATCH} clients=${CLIENTS}\n`);
  const pid = child.pid ?? 0;
  const url = `http://127.0.0.1:${otlpPort}/v1/traces`;
  const viaHttp = async (body: Uint8Array): Promise<boolean> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    await res.arrayBuffer();
    return res.status === 200;
  };
  const client = rawClient(`127.0.0.1:${grpcPort}`);
  const viaGrpc = async (body: Uint8Array): Promise<boolean> => (await client.export(body)).ok;
  let expected = 0;
  const round = (send: (body: Uint8Array) => Promise<boolean>): Promise<Phase> => {
    expected += TOTAL / 2;
    return phase(pid, apiUrl, expected, batches(), send);
  };
  const h1 = await round(viaHttp);
  const g1 = await round(viaGrpc);
  const g2 = await round(viaGrpc);
  const h2 = await round(viaHttp);
  client.close();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  const http = sum(h1, h2);
  const grpc = sum(g1, g2);
  const q = (p: Phase, at: number): number =>
    p.latencies[Math.floor(at * (p.latencies.length - 1))] ?? 0;
  const line = (name: string, p: Phase): string =>
    `${name}  acknowledged ${(p.spans / p.ackSeconds).toFixed(0)} spans/s  stored ${(p.spans / p.storedSeconds).toFixed(0)} spans/s  collector cpu ${((p.cpuSeconds * 1e6) / p.spans).toFixed(1)} us/span  p50 ${q(p, 0.5).toFixed(1)} ms  p99 ${q(p, 0.99).toFixed(1)} ms  retries ${p.retries}\n`;
  process.stdout.write(line('http/protobuf (baseline)', http));
  process.stdout.write(line('grpc                    ', grpc));
  const ratio = (f: (p: Phase) => number): string => (f(grpc) / f(http)).toFixed(2);
  process.stdout.write(
    `ratio grpc/http  acknowledged ${ratio((p) => p.spans / p.ackSeconds)}x  stored ${ratio((p) => p.spans / p.storedSeconds)}x  cpu/span ${ratio((p) => p.cpuSeconds / p.spans)}x\n`,
  );
  process.stdout.write(
    `rounds (cpu us/span)  http ${[h1, h2].map((p) => ((p.cpuSeconds * 1e6) / p.spans).toFixed(0)).join(' / ')}  grpc ${[g1, g2].map((p) => ((p.cpuSeconds * 1e6) / p.spans).toFixed(0)).join(' / ')}\n`,
  );
}

await main();
