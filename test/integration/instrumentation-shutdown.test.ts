// First-hour papercuts of the instrumentation: telemetry.shutdown() never rejects and always
// settles (collector down, or a flush that never ends), and the README's SIGTERM handler lets a
// service with an open HTTP server exit while the collector is down.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { propagation, trace } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { startTelemetry, traceLlmCall } from '../../src/instrumentation/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixture = fileURLToPath(
  new URL('../fixtures/instrumentation/sigterm-service.ts', import.meta.url),
);

/** A port that refuses connections: listened on once, then closed. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function processor(shutdown: () => Promise<void>): SpanProcessor {
  return {
    onStart: () => undefined,
    onEnd: (_s: ReadableSpan) => undefined,
    forceFlush: () => Promise.resolve(),
    shutdown,
  };
}

it('shutdown() resolves when the export fails (collector down) and unregisters globals', async () => {
  const telemetry = startTelemetry({ endpoint: `http://127.0.0.1:${await deadPort()}` });
  await traceLlmCall({ provider: 'openai', model: 'm' }, () => 'x');
  await expect(telemetry.shutdown()).resolves.toBeUndefined();
  expect(trace.getTracerProvider().constructor.name).toBe('ProxyTracerProvider');
  expect(propagation.fields()).toEqual([]);
});

it('shutdown() resolves when the processor rejects, and within timeoutMs when it hangs', async () => {
  const failing = startTelemetry({
    spanProcessor: processor(() => Promise.reject(new Error('export failed'))),
  });
  await expect(failing.shutdown()).resolves.toBeUndefined();
  const hanging = startTelemetry({ spanProcessor: processor(() => new Promise(() => undefined)) });
  const outcome = await Promise.race([
    hanging.shutdown({ timeoutMs: 100 }).then(() => 'settled'),
    new Promise((r) => setTimeout(() => r('still waiting'), 10_000)),
  ]);
  expect(outcome).toBe('settled');
});

it("the README's SIGTERM handler lets a service exit while the collector is down", async () => {
  const source = readFileSync(fixture, 'utf8');
  const handler =
    /\/\/ README: SIGTERM handler \(begin\)\n([\s\S]*?)\/\/ README: SIGTERM handler \(end\)/
      .exec(source)?.[1]
      ?.trim();
  expect(handler).toBeDefined();
  expect(readFileSync(`${root}/README.md`, 'utf8')).toContain(handler);

  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fixture, `http://127.0.0.1:${await deadPort()}`],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().startsWith('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const code = await Promise.race([
    exited,
    new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000)),
  ]);
  if (code === 'hung') child.kill('SIGKILL');
  expect(code).toBe(0);
  expect(stderr).not.toMatch(/Unhandled|UnhandledPromiseRejection/);
}, 40_000);
