// storage.insert_connection on real chDB. A chDB connection runs one statement at a time, so
// with inserts on the reads' connection ('shared') an insert sent while a long read runs waits
// for it; on a connection of their own ('own', the default) it is stored while the read still
// runs. Asserted by order (which finished first), not by a time limit: the read takes ~2 s of
// sleeping, the insert a few ms. Both inserts paths (through a file and chdb's rawInsert) go
// on the insert connection, and close() waits for an insert in flight before it closes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStorage, type StorageOptions } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { CALL_COLUMNS, callTsv } from '../../src/storage/rows-tsv.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { spreadCalls } from '../bench/insert-memory-calls.js';
import { countRows } from '../helpers/store-tables.js';

const dir = mkdtempSync(join(tmpdir(), 'insert-connection-'));
// libchdb binds one data directory per process: every store below opens the same one.
const dataDir = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ~2 s of a read that holds its connection: 20 blocks of one row, 0.1 s each. */
const SLOW_READ = 'SELECT sum(sleepEachRow(0.1)) AS s FROM numbers(20) SETTINGS max_block_size = 1';

async function withStore<T>(
  options: Partial<StorageOptions>,
  fn: (s: QueryRunner) => Promise<T>,
): Promise<T> {
  const storage = await createStorage({ database: 'default', dataDir, ...options });
  try {
    await migrate(storage, { ttl_days: 400 });
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

/** Sends the slow read, then an insert of 500 calls while it runs; who ended first. */
async function race(storage: QueryRunner, prefix: string): Promise<string[]> {
  const order: string[] = [];
  const read = storage.query(SLOW_READ).then(() => order.push('read'));
  // Sent after the read (which holds its connection ~2 s): anything asked on the reads'
  // connection now, system.processes included, would wait for it, so the insert just follows.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const body = spreadCalls(prefix, 500).map(callTsv).join('\n');
  const insert = storage
    .insert('llm_calls', body, { format: 'TSV', columns: CALL_COLUMNS, dedupToken: prefix })
    .then(() => order.push('insert'));
  await Promise.all([read, insert]);
  return order;
}

describe('storage.insert_connection', () => {
  for (const insertMode of ['file', 'raw'] as const) {
    it(`own (default): an insert (${insertMode}) is stored while a long read runs`, async () => {
      await withStore({ insertMode }, async (storage) => {
        const before = await countRows(storage, 'llm_calls');
        expect(await race(storage, `own-${insertMode}`)).toEqual(['insert', 'read']);
        expect(await countRows(storage, 'llm_calls')).toBe(before + 500);
      });
    });
  }

  it('shared: the insert waits for the read (one connection, one statement at a time)', async () => {
    await withStore({ insertMode: 'file', insertConnection: 'shared' }, async (storage) => {
      const before = await countRows(storage, 'llm_calls');
      expect(await race(storage, 'shared')).toEqual(['read', 'insert']);
      expect(await countRows(storage, 'llm_calls')).toBe(before + 500);
    });
  });

  it('close() lets an insert in flight on its own connection finish, and stores it', async () => {
    let pending: Promise<void> | undefined;
    await withStore({ insertMode: 'file' }, async (storage) => {
      const body = spreadCalls('closing', 2000).map(callTsv).join('\n');
      pending = storage.insert('llm_calls', body, { format: 'TSV', columns: CALL_COLUMNS });
    });
    await expect(pending).resolves.toBeUndefined();
    await withStore({}, async (storage) => {
      const [row] = await storage.query<{ n: string | number }>(
        "SELECT count() AS n FROM llm_calls WHERE call_id LIKE 'closing%'",
      );
      expect(Number(row?.n)).toBe(2000);
    });
  });
});
