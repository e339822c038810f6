// kill -9 during ingest, repeatedly: every span acknowledged with 200 is stored exactly once
// after the collector restarts (the spool is replayed; replays never count twice).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createStorage } from '../../src/storage/client.js';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { E2E_PRICES } from '../helpers/runtime.js';
import { newSpanId, newTraceId, postJson, requestJson, spanJson } from '../helpers/otlp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const KILLS = 3;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      );
    });
  });
}

function startCollector(
  dataDir: string,
  otlpPort: number,
  apiPort: number,
): { child: ChildProcess; exited: Promise<unknown> } {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'bin/llm-finops.js'),
      'start',
      '--data-dir',
      dataDir,
      '--otlp-port',
      String(otlpPort),
      '--otlp-grpc-port',
      '0',
      '--api-port',
      String(apiPort),
      '--prices',
      E2E_PRICES,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { ...process.env, LOG_LEVEL: 'error' },
    },
  );
  return { child, exited: new Promise((resolve) => child.on('exit', resolve)) };
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('collector did not start');
}

/** Clients post batches until told to stop or the server goes away; collect acknowledged ids. */
async function load(
  otlpUrl: string,
  acknowledged: Set<string>,
  stop: { now: boolean },
): Promise<void> {
  const client = async (): Promise<void> => {
    while (!stop.now) {
      const spans = Array.from({ length: 40 }, () =>
        spanJson({
          traceId: newTraceId(),
          spanId: newSpanId(),
          attributes: {
            [GEN_AI.OPERATION_NAME]: 'chat',
            [GEN_AI.PROVIDER_NAME]: 'openai',
            [GEN_AI.REQUEST_MODEL]: 'gpt-4o-mini',
            [GEN_AI.USAGE_INPUT_TOKENS]: 7,
            [GEN_AI.USAGE_OUTPUT_TOKENS]: 3,
            [FINOPS.TENANT]: 'crash',
          },
        }),
      );
      try {
        const res = await postJson(otlpUrl, requestJson(spans));
        await res.arrayBuffer();
        if (res.status === 200)
          for (const s of spans) acknowledged.add(`${String(s.traceId)}-${String(s.spanId)}`);
      } catch {
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, () => client()));
}

describe('crash safety', () => {
  it(`keeps every acknowledged span, exactly once, across ${KILLS} kill -9 restarts`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-crash-'));
    const acknowledged = new Set<string>();
    for (let round = 0; round <= KILLS; round += 1) {
      const [otlpPort, apiPort] = [await freePort(), await freePort()];
      const { child, exited } = startCollector(dataDir, otlpPort, apiPort);
      await waitHealthy(`http://127.0.0.1:${apiPort}/healthz`);
      const stop = { now: false };
      const running = load(`http://127.0.0.1:${otlpPort}/v1/traces`, acknowledged, stop);
      await new Promise((resolve) => setTimeout(resolve, 400 + Math.floor(Math.random() * 800)));
      child.kill(round < KILLS ? 'SIGKILL' : 'SIGTERM');
      await exited;
      stop.now = true;
      await running;
    }
    // One more start replays whatever the last SIGKILL left, then a clean stop.
    const [otlpPort, apiPort] = [await freePort(), await freePort()];
    const { child, exited } = startCollector(dataDir, otlpPort, apiPort);
    await waitHealthy(`http://127.0.0.1:${apiPort}/healthz`);
    child.kill('SIGTERM');
    await exited;

    const storage = await createStorage({ database: 'default', dataDir });
    const rows = await storage.query<{ call_id: string; n: string }>(
      "SELECT call_id, count() AS n FROM llm_calls WHERE tenant = 'crash' GROUP BY call_id",
    );
    await storage.close();
    const stored = new Map(rows.map((r) => [r.call_id, Number(r.n)]));
    expect(acknowledged.size).toBeGreaterThan(200);
    expect([...acknowledged].filter((id) => !stored.has(id))).toEqual([]);
    expect(rows.filter((r) => Number(r.n) > 1)).toEqual([]);
  }, 120_000);
});
