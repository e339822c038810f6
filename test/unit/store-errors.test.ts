// Store error classification against what the clients really throw: chDB errors come from a
// real embedded engine refusing real inserts; server errors are built by @clickhouse/client's
// own parser from the error text a ClickHouse server sends, and transport errors by Node.
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseError } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyCall } from '../../src/collector/call.js';
import { callRow } from '../../src/storage/rows.js';
import { classifyStoreError, describeStoreError } from '../../src/storage/errors.js';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import {
  StoreConnectionError,
  StoreQueryError,
  toStoreError,
} from '../../src/storage/runner-errors.js';
import { migrate } from '../../src/storage/migrate.js';

let storage: QueryRunner;

beforeAll(async () => {
  storage = await createStorage({
    database: 'default',
    dataDir: join(mkdtempSync(join(tmpdir(), 'store-errors-')), 'data'),
  });
  await migrate(storage, { ttl_days: 3650 });
});
afterAll(async () => {
  await storage.close();
});

const row = (ms: number, id: string) => {
  const ns = BigInt(ms) * 1_000_000n;
  return callRow({ ...emptyCall(), call_id: id, start_time_ns: ns, end_time_ns: ns });
};

async function thrownBy(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the store to refuse');
}

describe('chDB errors (a real embedded engine)', () => {
  it('a year-2500 DateTime64 is permanent, names the row it stopped at', async () => {
    const lines = [
      row(Date.now(), 'ok-1'),
      row(Date.UTC(2500, 0, 1), 'bad'),
      row(Date.now(), 'ok-2'),
    ];
    const err = await thrownBy(() => storage.insert('llm_calls', lines.join('\n')));
    // The runner hands on a typed error with the engine's number as clickhouse-js does; chDB's
    // own error (code 'CHDB_INSERT', the failing row on `failedAtRow`) stays on `cause`.
    expect(err).toBeInstanceOf(StoreQueryError);
    expect((err as StoreQueryError).code).toBe('41');
    expect(((err as StoreQueryError).cause as { code: unknown }).code).toBe('CHDB_INSERT');
    // chDB's failedAtRow (1-based) is read once, by the runner, onto its typed error.
    expect((err as StoreQueryError).row).toBe(1);
    expect(classifyStoreError(err)).toMatchObject({
      kind: 'permanent',
      code: 41,
      name: 'CANNOT_PARSE_DATETIME',
      row: 1,
    });
    expect(describeStoreError(classifyStoreError(err))).toMatch(
      /^CANNOT_PARSE_DATETIME \(41\): Cannot read DateTime/,
    );
  });

  it('101 months in one insert is permanent (split it), not an outage', async () => {
    const lines = Array.from({ length: 101 }, (_, m) => row(Date.UTC(2019, m, 2), `m${m}`));
    const err = await thrownBy(() => storage.insert('llm_calls', lines.join('\n')));
    expect(classifyStoreError(err)).toMatchObject({
      kind: 'permanent',
      code: 252,
      name: 'TOO_MANY_PARTS',
    });
  });

  it('a value out of range and a negative unsigned are permanent', async () => {
    const tooBig = await thrownBy(() =>
      storage.insert('llm_calls', '{"call_id":"d","cost_total":"1e400"}'),
    );
    expect(classifyStoreError(tooBig)).toMatchObject({ kind: 'permanent', code: 69 });
    const negative = await thrownBy(() =>
      storage.insert('llm_calls', '{"call_id":"n","input_tokens":-1}'),
    );
    expect(classifyStoreError(negative)).toMatchObject({
      kind: 'permanent',
      code: 72,
      name: 'CANNOT_PARSE_NUMBER',
    });
  });

  it('merges behind (TOO_MANY_PARTS, parts) is retryable', async () => {
    await storage.command(
      'CREATE TABLE parts_probe (x UInt8) ENGINE = MergeTree ORDER BY x SETTINGS parts_to_throw_insert = 1',
    );
    await storage.insert('parts_probe', '{"x":1}');
    const err = await thrownBy(() => storage.insert('parts_probe', '{"x":2}'));
    expect(classifyStoreError(err)).toMatchObject({ kind: 'retryable', code: 252 });
  });

  it('a missing table is retryable (an operator fixes the schema; rows wait in the spool)', async () => {
    const err = await thrownBy(() => storage.insert('no_such_table', '{"x":1}'));
    expect(classifyStoreError(err)).toMatchObject({
      kind: 'retryable',
      code: 60,
      name: 'UNKNOWN_TABLE',
    });
  });
});

describe('ClickHouse server errors (@clickhouse/client)', () => {
  // Error texts as a ClickHouse 24-26 server sends them in the HTTP response body.
  const server = (text: string) => parseError(text);

  it('reads code, name and row from a ClickHouseError', () => {
    const err = server(
      'Code: 41. DB::Exception: Cannot read DateTime: unexpected number of decimal digits: 11: (while reading the value of key start_time): (at row 3)\n: While executing ParallelParsingBlockInputFormat. (CANNOT_PARSE_DATETIME) (version 25.3.1.1)',
    );
    expect((err as { code: unknown }).code).toBe('41');
    expect(classifyStoreError(err)).toMatchObject({
      kind: 'permanent',
      code: 41,
      name: 'CANNOT_PARSE_DATETIME',
      row: 2,
    });
  });

  it('tells the partition limit (permanent) from merges behind (retryable)', () => {
    const limit = server(
      "Code: 252. DB::Exception: Too many partitions for single INSERT block (more than 100). The limit is controlled by 'max_partitions_per_insert_block' setting. (TOO_MANY_PARTS) (version 25.3.1.1)",
    );
    const merges = server(
      "Code: 252. DB::Exception: Too many parts (3001 with average size of 1.00 KiB) in table 'default.llm_calls'. Merges are processing significantly slower than inserts. (TOO_MANY_PARTS) (version 25.3.1.1)",
    );
    expect(classifyStoreError(limit).kind).toBe('permanent');
    expect(classifyStoreError(merges).kind).toBe('retryable');
  });

  it('overload, memory, read-only replicas and timeouts are retryable', () => {
    for (const text of [
      'Code: 202. DB::Exception: Too many simultaneous queries. Maximum: 100. (TOO_MANY_SIMULTANEOUS_QUERIES) (version 25.3.1.1)',
      'Code: 241. DB::Exception: Memory limit (total) exceeded: would use 9.31 GiB. (MEMORY_LIMIT_EXCEEDED) (version 25.3.1.1)',
      'Code: 242. DB::Exception: Table is in readonly mode. (TABLE_IS_READ_ONLY) (version 25.3.1.1)',
      'Code: 159. DB::Exception: Timeout exceeded: elapsed 30.0 seconds. (TIMEOUT_EXCEEDED) (version 25.3.1.1)',
    ]) {
      expect(classifyStoreError(server(text)).kind, text).toBe('retryable');
    }
  });

  it('a refused connection (a real socket error) is retryable', async () => {
    const err = await new Promise<unknown>((resolve) => {
      const socket = connect({ port: 1, host: '127.0.0.1' });
      socket.on('error', resolve);
    });
    expect(classifyStoreError(err)).toMatchObject({ kind: 'retryable', name: 'ECONNREFUSED' });
    expect(classifyStoreError(new Error('Timeout error.')).kind).toBe('retryable');
    expect(classifyStoreError('something odd').kind).toBe('retryable');
  });
});

describe('classification reads the runner’s typed errors', () => {
  it('a server error is typed once with code, name and row; the class decides', () => {
    const typed = toStoreError(
      parseError(
        'Code: 41. DB::Exception: Cannot read DateTime: (at row 3)\n: While executing ParallelParsingBlockInputFormat. (CANNOT_PARSE_DATETIME) (version 25.3.1.1)',
      ),
      'insert',
    );
    expect(typed).toBeInstanceOf(StoreQueryError);
    expect([(typed as StoreQueryError).code, (typed as StoreQueryError).type]).toEqual([
      '41',
      'CANNOT_PARSE_DATETIME',
    ]);
    expect((typed as StoreQueryError).row).toBe(2);
    expect(classifyStoreError(typed)).toMatchObject({ kind: 'permanent', code: 41, row: 2 });
  });

  it('a connection failure is an outage whatever its text says', () => {
    const lost = new StoreConnectionError(
      'Code: 41. DB::Exception: Cannot read DateTime (CANNOT_PARSE_DATETIME)',
      'insert',
      { errno: 'ECONNRESET' },
    );
    expect(classifyStoreError(lost)).toMatchObject({ kind: 'retryable', name: 'ECONNRESET' });
    expect(classifyStoreError(lost).code).toBeUndefined();
  });

  it('the engine name is the trailing one, not an upper-case word inside the message', () => {
    const typed = toStoreError(
      {
        message:
          'Code: 27. DB::Exception: bad value (ZSTD) in column x. (CANNOT_PARSE_INPUT_ASSERTION_FAILED)',
      },
      'insert',
    );
    expect((typed as StoreQueryError).type).toBe('CANNOT_PARSE_INPUT_ASSERTION_FAILED');
  });
});
