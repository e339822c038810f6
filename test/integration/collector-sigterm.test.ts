// SIGTERM during load: `llm-finops start` runs as a real child process; clients keep posting
// while it is told to stop; every span it acknowledged with 200 must be in llm_calls afterwards.
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
import { postJson, requestJson, spanJson, newSpanId, newTraceId } from '../helpers/otlp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function waitHealthy(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) throw new Error(`collector exited early with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('collector did not start');
}

describe('graceful shutdown', () => {
  it('loses no acknowledged span when SIGTERM arrives during load', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-sigterm-'));
    const [otlpPort, apiPort] = [await freePort(), await freePort()];
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
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'warn' },
      },
    );
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    await waitHealthy(`http://127.0.0.1:${apiPort}/healthz`, child);

    const acknowledged = new Set<string>();
    let stop = false;
    const client = async (): Promise<void> => {
      while (!stop) {
        const spans = Array.from({ length: 50 }, () => {
          const traceId = newTraceId();
          const spanId = newSpanId();
          return spanJson({
            traceId,
            spanId,
            attributes: {
              [GEN_AI.OPERATION_NAME]: 'chat',
              [GEN_AI.PROVIDER_NAME]: 'openai',
              [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
              [GEN_AI.USAGE_INPUT_TOKENS]: 10,
              [GEN_AI.USAGE_OUTPUT_TOKENS]: 2,
              [FINOPS.TENANT]: 'sigterm',
            },
          });
        });
        try {
          const res = await postJson(`http://127.0.0.1:${otlpPort}/v1/traces`, requestJson(spans));
          await res.arrayBuffer();
          if (res.status === 200)
            for (const s of spans) acknowledged.add(`${String(s.traceId)}-${String(s.spanId)}`);
        } catch {
          return; // the server closed: stop this client
        }
      }
    };
    const clients = Array.from({ length: 4 }, () => client());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    child.kill('SIGTERM');
    const code = await exited;
    stop = true;
    await Promise.all(clients);
    expect(code, stderr).toBe(0);
    expect(acknowledged.size).toBeGreaterThan(100);

    const storage = await createStorage({ database: 'default', dataDir });
    const rows = await storage.query<{ call_id: string }>(
      "SELECT call_id FROM llm_calls WHERE tenant = 'sigterm'",
    );
    const stored = new Set(rows.map((r) => r.call_id));
    await storage.close();
    const missing = [...acknowledged].filter((id) => !stored.has(id));
    expect(missing).toEqual([]);
    expect(stored.size).toBe(acknowledged.size);
  }, 60_000);
});
