// Chaos: SIGTERM while the store refuses every insert. `llm-finops start` runs as a real child
// process; the table refuses inserts for real (TOO_MANY_PARTS: parts_to_throw_insert = 1 on a
// partition that has a part). The process must exit within its drain bound, and the next start,
// with the store healthy again, must commit every acknowledged call exactly once.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nsToDateTime64 } from '../../src/storage/rows.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { postJson, requestJson } from '../helpers/otlp.js';
import { E2E_PRICES } from '../helpers/runtime.js';
import { callId, callSpan, ROOT, until } from '../helpers/chaos.js';

const DRAIN_S = 3;

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

async function start(dataDir: string, configFile: string) {
  const [otlpPort, apiPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
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
      '--prices',
      E2E_PRICES,
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info' } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const api = `http://127.0.0.1:${apiPort}`;
  const up = await until(
    () =>
      fetch(`${api}/healthz`).then(
        (r) => r.ok,
        () => false,
      ),
    (ok) => ok || child.exitCode !== null,
    60_000,
  );
  if (!up) throw new Error(`llm-finops did not start: ${stderr}`);
  return {
    child,
    exited,
    api,
    otlp: `http://127.0.0.1:${otlpPort}/v1/traces`,
    stderr: () => stderr,
  };
}

/** Open the embedded store in this process (the child has exited), run `fn`, close it. */
async function withStore<T>(
  dataDir: string,
  fn: (s: Awaited<ReturnType<typeof createStorage>>) => Promise<T>,
) {
  const storage = await createStorage({ database: 'default', dataDir });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

describe('SIGTERM while the store refuses everything', () => {
  it('exits within the drain bound; the next start commits the spooled work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-sigterm-'));
    const dataDir = join(dir, 'data');
    const configFile = join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      `collector:\n  drain_timeout_s: ${DRAIN_S}\n  writer:\n    stall_timeout_s: 1\n    max_backoff_ms: 200\n`,
    );
    await withStore(dataDir, async (s) => {
      await migrate(s, { ttl_days: 400 });
      const now = nsToDateTime64(BigInt(Date.now()) * 1_000_000n);
      await s.insert(
        'llm_calls',
        JSON.stringify({ call_id: 'seed', tenant: 'seed', start_time: now }),
      );
      await s.command('ALTER TABLE llm_calls MODIFY SETTING parts_to_throw_insert = 1');
    });

    const first = await start(dataDir, configFile);
    const acked: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const spans = Array.from({ length: 10 }, () => callSpan('sigterm'));
      const res = await postJson(first.otlp, requestJson(spans));
      expect(res.status).toBe(200);
      acked.push(...spans.map(callId));
    }
    // The refusal is real: the process says it is stalled.
    const ready = await until(
      () => fetch(`${first.api}/readyz`).then((r) => r.status),
      (status) => status === 503,
    );
    expect(ready).toBe(503);
    const said = await until(
      () => Promise.resolve(first.stderr()),
      (text) => text.includes('ingest is stalled'),
    );
    expect(said).toMatch(
      /"msg":"ingest is stalled: the store commits nothing".*TOO_MANY_PARTS \(252\)/,
    );

    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const code = await first.exited;
    const took = Date.now() - signalled;
    expect(code, first.stderr()).toBe(0);
    // The drain bound plus the receiver's cut-off and the store's close, never an endless retry.
    expect(took).toBeLessThan((DRAIN_S + 4) * 1000);
    expect(first.stderr()).toContain('drain time is up: uncommitted rows stay in the spool');

    // Someone fixes the store; the next start replays the spool and commits it.
    await withStore(dataDir, async (s) => {
      expect(await s.query("SELECT count() AS n FROM llm_calls WHERE tenant = 'sigterm'")).toEqual([
        { n: '0' },
      ]);
      await s.command('ALTER TABLE llm_calls MODIFY SETTING parts_to_throw_insert = 3000');
    });
    const second = await start(dataDir, configFile);
    expect(
      await until(
        () => fetch(`${second.api}/readyz`).then((r) => r.status),
        (s) => s === 200,
      ),
    ).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited, second.stderr()).toBe(0);

    const stored = await withStore(dataDir, async (s) => {
      const rows = await s.query<{ call_id: string }>(
        "SELECT call_id FROM llm_calls WHERE tenant = 'sigterm' ORDER BY call_id",
      );
      return rows.map((r) => r.call_id);
    });
    expect(stored).toEqual([...acked].sort());
  }, 300_000);
});
