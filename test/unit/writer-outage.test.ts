// The writer against a real embedded store whose insert path is made to fail for a while: an
// outage delays rows but loses none and writes none twice; a batch the store refuses (an
// engine error, not an outage) lands in the dead-letter directory instead of blocking the queue.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyCall, type LlmCall } from '../../src/collector/call.js';
import { Writer } from '../../src/collector/writer.js';
import { createLogger } from '../../src/shared/logger.js';
import { createStorage } from '../../src/storage/client.js';
import { jsonEachRow, type QueryRunner } from '../../src/storage/runner.js';
import { migrate } from '../../src/storage/migrate.js';

let storage: QueryRunner;
const dir = mkdtempSync(join(tmpdir(), 'writer-'));

beforeAll(async () => {
  storage = await createStorage({ database: 'default', dataDir: join(dir, 'data') });
  await migrate(storage, { ttl_days: 30 });
});
afterAll(async () => {
  await storage.close();
});

function calls(tenant: string, n: number): LlmCall[] {
  const now = BigInt(Date.now()) * 1_000_000n;
  return Array.from({ length: n }, (_, i) => ({
    ...emptyCall(),
    call_id: `${tenant}-${i}`,
    trace_id: `${tenant}-trace`,
    span_id: String(i),
    tenant,
    start_time_ns: now,
    end_time_ns: now + 1_000_000n,
    model: 'gpt-4o',
    kind: 'inference' as const,
    cost_total: '0.001',
  }));
}

async function countRows(tenant: string): Promise<{ rows: number; distinct: number }> {
  const [row] = await storage.query<{ rows: string; distinct: string }>(
    `SELECT count() AS rows, uniqExact(call_id) AS distinct FROM llm_calls WHERE tenant = {t:String}`,
    { t: tenant },
  );
  return { rows: Number(row?.rows), distinct: Number(row?.distinct) };
}

describe('writer under store faults', () => {
  it('retries through an outage and commits every row exactly once', async () => {
    let failuresLeft = 4;
    const flaky: QueryRunner = {
      ...storage,
      insert: async (table, body, options) => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          // Half the failures happen after the engine committed (a timeout on the way back).
          if (failuresLeft % 2 === 0) await storage.insert(table, body, options);
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        }
        await storage.insert(table, body, options);
      },
    };
    const committed: number[] = [];
    const writer = new Writer(
      flaky,
      {
        batchRows: 1000,
        flushIntervalMs: 10,
        maxRetries: 2,
        deadLetterDir: join(dir, 'dl1'),
        onCommitted: (s) => committed.push(...s),
      },
      createLogger('silent'),
    );
    writer.enqueue(
      calls('outage', 250),
      [],
      Array.from({ length: 250 }, () => 7),
    );
    await writer.flush();
    expect(writer.stats.insertFailures).toBe(4);
    expect(await countRows('outage')).toEqual({ rows: 250, distinct: 250 });
    expect(committed).toHaveLength(250);
  }, 60_000);

  it('moves a batch the store refuses to the dead-letter directory and carries on', async () => {
    const refusing: QueryRunner = {
      ...storage,
      insert: async (table, body, options) => {
        if (jsonEachRow(body).includes('refuse-me'))
          throw Object.assign(new Error('Cannot parse input'), { code: '27' });
        await storage.insert(table, body, options);
      },
    };
    const writer = new Writer(
      refusing,
      { batchRows: 10, flushIntervalMs: 10, maxRetries: 1, deadLetterDir: join(dir, 'dl2') },
      createLogger('silent'),
    );
    writer.enqueue(calls('refuse-me', 3), []);
    await writer.flush();
    writer.enqueue(calls('after-refusal', 3), []);
    await writer.flush();
    expect(writer.stats.deadLettered).toBe(1);
    const [file] = readdirSync(join(dir, 'dl2'));
    expect(
      readFileSync(join(dir, 'dl2', file ?? ''), 'utf8')
        .split('\n')
        .filter(Boolean),
    ).toHaveLength(3);
    expect(await countRows('after-refusal')).toEqual({ rows: 3, distinct: 3 });
  }, 60_000);
});
