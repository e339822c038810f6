// `llm-finops spool status | replay` as an operator runs it on the volume of a collector that will
// not start again (a replica scaled away): every span that collector acknowledged is committed,
// once, and a second replay (or a later start) adds nothing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStorage } from '../../src/storage/client.js';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { E2E_PRICES } from '../helpers/runtime.js';
import { runCli, startCli } from '../helpers/cli.js';
import { newSpanId, newTraceId, postJson, requestJson, spanJson } from '../helpers/otlp.js';

const TENANT = 'spool-replay';

function spans(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, () =>
    spanJson({
      traceId: newTraceId(),
      spanId: newSpanId(),
      attributes: {
        [GEN_AI.OPERATION_NAME]: 'chat',
        [GEN_AI.PROVIDER_NAME]: 'openai',
        [GEN_AI.REQUEST_MODEL]: 'gpt-4o-mini',
        [GEN_AI.USAGE_INPUT_TOKENS]: 11,
        [GEN_AI.USAGE_OUTPUT_TOKENS]: 5,
        [FINOPS.TENANT]: TENANT,
      },
    }),
  );
}

async function storedCalls(dataDir: string): Promise<Map<string, number>> {
  const storage = await createStorage({ database: 'default', dataDir });
  try {
    const rows = await storage.query<{ call_id: string; n: string }>(
      `SELECT call_id, count() AS n FROM llm_calls WHERE tenant = '${TENANT}' GROUP BY call_id`,
    );
    return new Map(rows.map((r) => [r.call_id, Number(r.n)]));
  } finally {
    await storage.close();
  }
}

describe('llm-finops spool replay', () => {
  it('commits what a killed collector acknowledged, exactly once', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-spool-cli-'));
    // The writer waits an hour before an insert: everything acknowledged stays in the spool.
    const config = join(dataDir, 'config.yaml');
    writeFileSync(config, 'collector:\n  writer:\n    flush_interval_ms: 3600000\n');
    const common = ['--config', config, '--data-dir', dataDir, '--prices', E2E_PRICES];
    const server = await startCli([
      ...common,
      '--otlp-port',
      '0',
      '--otlp-grpc-port',
      '0',
      '--api-port',
      '0',
    ]);
    const acknowledged: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const batch = spans(30);
      const res = await postJson(
        `http://127.0.0.1:${server.otlpPort}/v1/traces`,
        requestJson(batch),
      );
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      for (const s of batch) acknowledged.push(`${String(s.traceId)}-${String(s.spanId)}`);
    }
    // Beside the live collector: status reads without touching it, replay is refused.
    const live = await runCli(['spool', 'status', ...common]);
    expect(live.code).toBe(0);
    expect(live.stdout).toContain(`held by pid ${String(server.child.pid)}`);
    const refused = await runCli(['spool', 'replay', ...common]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`in use by pid ${String(server.child.pid)}`);

    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('close', resolve));

    // Nothing was committed before the kill: what follows comes from the spool alone.
    expect((await storedCalls(dataDir)).size).toBe(0);
    const status = await runCli(['spool', 'status', '--json', ...common]);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ requests: 5 });

    const replayed = await runCli(['spool', 'replay', ...common]);
    expect(replayed.stderr).not.toMatch(/"level":"error"/);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('replayed 5 of 5 request(s)');
    const stored = await storedCalls(dataDir);
    expect(acknowledged.filter((id) => stored.get(id) !== 1)).toEqual([]);
    expect(stored.size).toBe(acknowledged.length);

    // Nothing is left, and replaying or starting again adds no row.
    const again = await runCli(['spool', 'replay', ...common]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to replay');
    const after = await storedCalls(dataDir);
    expect([...after.values()].every((n) => n === 1)).toBe(true);
    expect(after.size).toBe(acknowledged.length);
  }, 180_000);
});
