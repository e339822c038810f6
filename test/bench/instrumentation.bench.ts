// Per-call overhead of the llm-finops wrapper vs no instrumentation vs the official
// @opentelemetry/instrumentation-openai, on the same local mock (a separate process), plain
// and streamed chat calls, measured in one run with warmup and interleaved rounds.
// Run: npm run bench:instrumentation   (tsx test/bench/instrumentation.bench.ts [calls] [rounds]; BENCH_MODES=stream)
//
// @opentelemetry/instrumentation-openai 0.21.0 declares `openai >=4.19.0 <7`; this repo has
// openai 7, which its require/import hooks skip. To compare on the same client we apply its
// own module patch (the function its hook would run) to openai 7's prototypes for the official
// blocks only, and check that it really produced spans.
import { metrics, trace } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import {
  instrumentOpenAI,
  startTelemetry,
  withAttribution,
} from '../../src/instrumentation/index.js';

const CALLS = Number(process.argv[2] ?? 300);
const ROUNDS = Number(process.argv[3] ?? 10);
/** BENCH_MODES=stream (or plain) runs one mode only. */
const MODES = (process.env.BENCH_MODES ?? 'plain,stream')
  .split(',')
  .filter((m): m is Mode => m === 'plain' || m === 'stream');
type Variant = 'none' | 'llm-finops' | 'official';
type Mode = 'plain' | 'stream';

/** Counts exported spans per instrumentation scope, then drops them (no I/O in the loop). */
class CountingExporter implements SpanExporter {
  readonly byScope = new Map<string, number>();
  export(spans: ReadableSpan[], done: (r: { code: number }) => void): void {
    for (const s of spans) {
      const name = s.instrumentationScope.name;
      this.byScope.set(name, (this.byScope.get(name) ?? 0) + 1);
    }
    done({ code: 0 });
  }
  shutdown = async (): Promise<void> => undefined;
  forceFlush = async (): Promise<void> => undefined;
}

async function startMock(): Promise<{ url: string; stop: () => void }> {
  const main = fileURLToPath(
    new URL('../fixtures/instrumentation/mock-server-main.ts', import.meta.url),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  return { url: (JSON.parse(line) as { url: string }).url, stop: () => child.kill('SIGTERM') };
}

function makeCall(client: OpenAI, mode: Mode): () => Promise<void> {
  const messages = [{ role: 'user' as const, content: 'bench' }];
  if (mode === 'plain')
    return async () =>
      void (await client.chat.completions.create({ model: 'gpt-4o-mini', messages }));
  // include_usage set explicitly for every variant, so all receive identical bytes.
  return async () => {
    const s = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of s) void _;
  };
}

async function block(
  call: () => Promise<void>,
  n: number,
): Promise<{ wallUs: number; cpuUs: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await withAttribution({ tenant: `t${i % 10}` }, call);
  const wallUs = ((performance.now() - t0) * 1000) / n;
  const cpu = process.cpuUsage(cpu0);
  return { wallUs, cpuUs: (cpu.user + cpu.system) / n };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const mock = await startMock();
  const exporter = new CountingExporter();
  const telemetry = startTelemetry({
    serviceName: 'bench',
    spanProcessor: new BatchSpanProcessor(exporter, {
      maxQueueSize: 65536,
      maxExportBatchSize: 2048,
      scheduledDelayMillis: 100,
    }),
  });
  const opts = { apiKey: 'sk-bench', baseURL: `${mock.url}/v1`, maxRetries: 0 };
  // Wrapped before the official patch is ever applied, so it holds the unpatched method.
  const clients: Record<Variant, OpenAI> = {
    none: new OpenAI(opts),
    'llm-finops': instrumentOpenAI(new OpenAI(opts)),
    official: new OpenAI(opts),
  };
  const official = new OpenAIInstrumentation({ enabled: false });
  official.setTracerProvider(trace.getTracerProvider());
  // Creates its histogram instruments (no-op meter here; llm-finops records no metrics either).
  official.setMeterProvider(metrics.getMeterProvider());
  official.enable(); // marks it enabled; its hooks never fire for openai 7
  const def = official.getModuleDefinitions()[0]!;
  const patched = { OpenAI } as unknown as Parameters<NonNullable<typeof def.patch>>[0];
  const results: Record<string, { wall: number[]; cpu: number[] }> = {};
  const variants: Variant[] = ['none', 'llm-finops', 'official'];
  for (const mode of MODES) {
    for (let round = -2; round < ROUNDS; round++) {
      // 2 warmup rounds
      const order = variants.map((_, i) => variants[(i + round + 3) % variants.length]!);
      for (const v of order) {
        if (v === 'official') def.patch?.(patched, '7');
        const r = await block(makeCall(clients[v], mode), CALLS);
        if (v === 'official') def.unpatch?.(patched, '7');
        if (round < 0) continue;
        const key = `${mode}/${v}`;
        results[key] ??= { wall: [], cpu: [] };
        results[key].wall.push(r.wallUs);
        results[key].cpu.push(r.cpuUs);
      }
    }
  }
  await telemetry.forceFlush();
  report(results, exporter.byScope);
  await telemetry.shutdown();
  mock.stop();
}

function report(
  results: Record<string, { wall: number[]; cpu: number[] }>,
  byScope: Map<string, number>,
): void {
  console.log(
    `node ${process.version}, openai 7.x (official instrumentation patch applied manually), ${CALLS} calls x ${ROUNDS} interleaved rounds (+2 warmup); medians`,
  );
  console.log(
    'mode    variant       wall us/call  cpu us/call  wall ratio  cpu ratio  cpu overhead us',
  );
  for (const mode of MODES) {
    const base = results[`${mode}/none`]!;
    for (const v of ['none', 'llm-finops', 'official']) {
      const r = results[`${mode}/${v}`]!;
      const [w, c, bw, bc] = [median(r.wall), median(r.cpu), median(base.wall), median(base.cpu)];
      console.log(
        `${mode.padEnd(7)} ${v.padEnd(13)} ${w.toFixed(1).padStart(12)} ${c.toFixed(1).padStart(12)} ${(w / bw).toFixed(3).padStart(11)} ${(c / bc).toFixed(3).padStart(10)} ${(c - bc).toFixed(1).padStart(16)}`,
      );
    }
  }
  console.log('spans exported per scope (sanity check):', Object.fromEntries(byScope));
}

await main();
// Sockets kept alive by the clients would hold the event loop open.
process.exit(0);
