// storage.insert_format 'rowbinary' on real chDB, held to the TSV path: the same calls queued both
// ways (RowQueues) and committed (Committer: split at a refused row, as the writer does) into two
// tables of llm_calls' column types read back equal, and the same calls refused. The calls are
// generated (fast-check) around the edges of every type: timestamps inside and outside the
// encoder's domain, integers at and past their type, NaN and infinities, decimals at 20.18
// digits, in exponent form, signed, empty, strings non-ASCII, with lone surrogates, escapes.
// A table whose types are not the encoder's (schema drift) takes the rows as TSV, told once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emptyCall, type LlmCall } from '../../src/collector/call.js';
import { Committer } from '../../src/collector/committer.js';
import { insertOf } from '../../src/collector/row-slabs.js';
import { RowQueues, type CallFormat } from '../../src/collector/writer-rows.js';
import { createStorage } from '../../src/storage/client.js';
import { classifyStoreError } from '../../src/storage/errors.js';
import { migrate } from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { callGen, edgeCalls } from '../helpers/edge-calls.js';

const dir = mkdtempSync(join(tmpdir(), 'rowbinary-'));
let storage: QueryRunner;
const drift: string[][] = [];

beforeAll(async () => {
  storage = await createStorage({
    database: 'default',
    dataDir: join(dir, 'data'),
    insertMode: 'file',
    onFormatDrift: (_table, mismatches) => drift.push(mismatches),
  });
  await migrate(storage, { ttl_days: 400 });
  // llm_calls' columns and types, without its TTL (edge timestamps would be dropped) or views.
  for (const t of ['t_rowbinary', 't_tsv'])
    await storage.command(
      `CREATE TABLE ${t} ENGINE = MergeTree ORDER BY tuple() AS SELECT * FROM llm_calls WHERE 0`,
    );
  await storage.command(
    `CREATE TABLE t_drift ENGINE = MergeTree ORDER BY tuple() AS SELECT * REPLACE (toUInt32(http_status) AS http_status) FROM llm_calls WHERE 0`,
  );
});
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  for (const t of ['t_rowbinary', 't_tsv', 't_drift']) await storage.command(`TRUNCATE TABLE ${t}`);
});

/** Queue `calls` as the writer does in `format` and commit them into `table`; the refused ids. */
async function commit(table: string, calls: LlmCall[], format: CallFormat): Promise<string[]> {
  const queues = new RowQueues(format);
  queues.add(
    calls,
    [],
    calls.map((_, i) => i + 1),
    [],
  );
  const rows = queues.take(calls.length).llm_calls;
  const committer = new Committer(storage, {
    maxPartitions: 1000,
    maxRows: 100_000,
    backoff: { baseMs: 1, maxMs: 10 },
    maxAttempts: 1,
  });
  const result = await committer.commit(table, rows, queues.formats.llm_calls);
  expect(result.committed.length + result.refused.length).toBe(calls.length);
  return result.refused.map((r) => r.row.id.split('\u0000')[1] ?? '').sort();
}

async function stored(table: string): Promise<Record<string, unknown>[]> {
  return storage.query(`SELECT * EXCEPT ingested_at FROM ${table} ORDER BY call_id`);
}

/** Both ways; the refused ids and stored rows compared; how many rows each way stored. */
async function expectSame(calls: LlmCall[]): Promise<number> {
  const refusedBinary = await commit('t_rowbinary', calls, 'rowbinary');
  const refusedTsv = await commit('t_tsv', calls, 'tsv');
  expect(refusedBinary).toEqual(refusedTsv);
  const rows = await stored('t_rowbinary');
  expect(rows).toEqual(await stored('t_tsv'));
  expect(rows.length).toBe(calls.length - refusedTsv.length);
  return rows.length;
}

describe("storage.insert_format 'rowbinary'", () => {
  it('stores every edge value as the TSV path does, and refuses what it refuses', async () => {
    const calls = edgeCalls();
    const storedRows = await expectSame(calls);
    // The edges include values both ways refuse (a negative count, an 11-digit-second date).
    expect(storedRows).toBeGreaterThan(calls.length / 2);
    expect(storedRows).toBeLessThan(calls.length);
  }, 120_000);

  it('stores generated calls as the TSV path does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(callGen, { minLength: 1, maxLength: 60 }), async (generated) => {
        for (const t of ['t_rowbinary', 't_tsv']) await storage.command(`TRUNCATE TABLE ${t}`);
        const calls = generated.map((c, i) => ({ ...c, call_id: `g${i}-${c.call_id}` }));
        await expectSame(calls);
      }),
      { numRuns: 25 },
    );
  }, 300_000);

  it('inserts TSV into a table whose types drifted, and says so once', async () => {
    const calls = Array.from({ length: 50 }, (_, i) => ({
      ...emptyCall(),
      call_id: `d${i}`,
      start_time_ns: 1_790_000_000_000_000_000n + BigInt(i),
      end_time_ns: 1_790_000_000_000_000_000n,
      http_status: 200 + i,
      cost_total: `0.00${i}`,
    }));
    expect(await commit('t_drift', calls, 'rowbinary')).toEqual([]);
    expect(await commit('t_drift', calls, 'rowbinary')).toEqual([]);
    expect(drift).toHaveLength(1);
    expect(await storage.takesRowBinary?.('t_drift')).toBe(false);
    expect(await storage.takesRowBinary?.('llm_calls')).toBe(true);
    expect(drift[0]).toEqual(['http_status: table UInt32, encoder UInt16']);
    const rows = await storage.query<{ http_status: number; cost_total: string }>(
      `SELECT http_status, cost_total FROM t_drift WHERE call_id = 'd7' LIMIT 1`,
    );
    expect(rows).toEqual([{ http_status: 207, cost_total: '0.007' }]);
  });

  it('names the row a RowBinary body breaks at, as TSV errors do', async () => {
    const queues = new RowQueues('rowbinary');
    const calls = edgeCalls().filter((c) => c.call_id.startsWith('plain'));
    queues.add(calls, [], [], []);
    const rows = queues.take(calls.length).llm_calls;
    const { body, format } = insertOf(rows, queues.formats.llm_calls);
    expect(format.format).toBe('RowBinary');
    const cut = (body as Uint8Array).subarray(0, (body as Uint8Array).length - 3);
    const failed = await storage.insert('t_rowbinary', cut, format).then(
      () => undefined,
      (err: unknown) => err,
    );
    // "(at row 5)": the committer's split at the named row works for RowBinary too. A body cut
    // short is CANNOT_READ_ALL_DATA, left retryable (errors.ts): the encoder never writes one.
    expect(classifyStoreError(failed)).toMatchObject({ code: 33, row: calls.length - 1 });
    expect(await stored('t_rowbinary')).toEqual([]);
  });
});
