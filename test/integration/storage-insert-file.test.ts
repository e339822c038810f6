// storage.insert_mode 'file' on real chDB: the writer's TSV bodies inserted through a file under
// the data directory keep exactly-once. A retry of the same rows under the same token is written
// once into llm_calls and every rollup (the token reaches the views as it does on rawInsert), an
// insert that failed part-way through the views and is retried counts once, a failed file write
// is a retryable store error that loses nothing, and no file outlives its insert.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Writer } from '../../src/collector/writer.js';
import type { CallFormat } from '../../src/collector/writer-rows.js';
import { createStorage } from '../../src/storage/client.js';
import { classifyStoreError } from '../../src/storage/errors.js';
import { migrate } from '../../src/storage/migrate.js';
import { CALL_COLUMNS, callTsv } from '../../src/storage/rows-tsv.js';
import type { InsertOptions, QueryRunner } from '../../src/storage/runner.js';
import { spreadCalls } from '../bench/insert-memory-calls.js';
import { retryingWriter } from '../helpers/retry-writer.js';
import { rollupTotals } from '../helpers/rollup-totals.js';
import { countRows, truncateAll } from '../helpers/store-tables.js';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'insert-file-'));
const dataDir = join(dir, 'data');
const filesDir = join(dataDir, 'insert-files');
let storage: QueryRunner;

beforeAll(async () => {
  // A file left by a process that stopped mid-insert (its rows are still in the spool): cleared
  // at start (every test below expects the directory empty after its inserts).
  mkdirSync(filesDir, { recursive: true });
  writeFileSync(join(filesDir, 'stale-1.tsv'), 'left over');
  storage = await createStorage({ database: 'default', dataDir, insertMode: 'file' });
  await migrate(storage, { ttl_days: 400 });
});
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => truncateAll(storage));

const count = (table: string): Promise<number> => countRows(storage, table);

/** Every rollup's counts and money equal llm_calls' (none missed, none counted twice). */
async function expectRollupsEqual(): Promise<void> {
  const totals = await rollupTotals(storage);
  expect(totals.length).toBeGreaterThan(10);
  for (const t of totals) expect({ ...t, stored: t.raw }).toEqual(t);
}

function writer(sink: Pick<QueryRunner, 'insert'>, callFormat: CallFormat = 'tsv'): Writer {
  return retryingWriter(sink, dir, { callFormat });
}

describe("storage.insert_mode 'file'", () => {
  it('writes a retried batch once into llm_calls and every rollup, and leaves no file', async () => {
    const body = spreadCalls('f', 3000).map(callTsv).join('\n');
    const tsv: InsertOptions = { format: 'TSV', columns: CALL_COLUMNS };
    await storage.insert('llm_calls', body, { ...tsv, dedupToken: 'file-1' });
    await storage.insert('llm_calls', body, { ...tsv, dedupToken: 'file-1' });
    expect(await count('llm_calls')).toBe(3000);
    // A rollup's call count, stored (merged) against the 3000 calls sent: once, not twice.
    const counts = (await rollupTotals(storage)).filter((t) => t.raw === '3000');
    expect(counts.length).toBeGreaterThan(0);
    for (const t of counts) expect(t.stored).toBe('3000');
    await expectRollupsEqual();
    // A different token is another batch: written again (the token is what deduplicates).
    await storage.insert('llm_calls', body, { ...tsv, dedupToken: 'file-2' });
    expect(await count('llm_calls')).toBe(6000);
    expect(readdirSync(filesDir)).toEqual([]);
  });

  it('counts once an insert that failed part-way through the views and was retried', async () => {
    // Per-insert memory caps around what 2000 calls take through the views: some attempts fail
    // while parsing, some after llm_calls and a few views committed (writer-memory-retry.test.ts).
    const caps = [24, 18, 14, 12];
    let failures = 0;
    for (const [k, cap] of caps.entries()) {
      let first = true;
      const sink: Pick<QueryRunner, 'insert'> = {
        async insert(table, rows, options?: InsertOptions) {
          if (table !== 'llm_calls' || !first) return storage.insert(table, rows, options);
          first = false;
          const settings = { ...options?.settings, max_memory_usage: cap * MiB };
          return storage.insert(table, rows, { ...options, settings });
        },
      };
      const w = writer(sink);
      w.enqueue(spreadCalls(`mem${k}`, 2000), []);
      await w.flush();
      failures += w.stats.insertFailures;
    }
    expect(failures).toBeGreaterThan(0);
    expect(await count('llm_calls')).toBe(2000 * caps.length);
    // The same rows again through the writer (an answer lost after a commit): the same token.
    const again = writer(storage);
    again.enqueue(spreadCalls('mem0', 2000), []);
    await again.flush();
    expect(await count('llm_calls')).toBe(2000 * caps.length);
    await expectRollupsEqual();
    expect(readdirSync(filesDir)).toEqual([]);
  }, 120_000);

  it('writes RowBinary rows once when an insert failed part-way through the views', async () => {
    // The writer's RowBinary rows (storage.insert_format's default), the first attempt under a
    // memory cap that fails it, then the same rows again: every row once, rollups equal.
    let first = true;
    let format: string | undefined;
    const sink: Pick<QueryRunner, 'insert'> = {
      async insert(table, rows, options?: InsertOptions) {
        if (table === 'llm_calls') format = options?.format;
        if (table !== 'llm_calls' || !first) return storage.insert(table, rows, options);
        first = false;
        const settings = { ...options?.settings, max_memory_usage: 14 * MiB };
        return storage.insert(table, rows, { ...options, settings });
      },
    };
    const w = writer(sink, 'rowbinary');
    w.enqueue(spreadCalls('rb', 3000), []);
    await w.flush();
    expect(format).toBe('RowBinary');
    expect(w.stats.insertFailures).toBeGreaterThan(0);
    const again = writer(storage, 'rowbinary');
    again.enqueue(spreadCalls('rb', 3000), []);
    await again.flush();
    expect(await count('llm_calls')).toBe(3000);
    await expectRollupsEqual();
    expect(readdirSync(filesDir)).toEqual([]);
  }, 120_000);

  it('makes a failed file write a retryable store error and loses no row', async () => {
    let caught: unknown;
    const sink: Pick<QueryRunner, 'insert'> = {
      async insert(table, rows, options?: InsertOptions) {
        if (caught !== undefined) return storage.insert(table, rows, options);
        // The directory the bodies go to is a plain file for this attempt: the write fails
        // (ENOTDIR here; a full disk's ENOSPC takes the same path) before the engine is asked.
        rmSync(filesDir, { recursive: true, force: true });
        writeFileSync(filesDir, 'not a directory');
        try {
          return await storage.insert(table, rows, options);
        } catch (err) {
          caught = err;
          throw err;
        } finally {
          rmSync(filesDir, { force: true });
          mkdirSync(filesDir);
        }
      },
    };
    const w = writer(sink);
    w.enqueue(spreadCalls('disk', 2000), []);
    await w.flush();
    expect(caught).toBeDefined();
    expect(classifyStoreError(caught).kind).toBe('retryable');
    expect(w.stats.insertFailures).toBe(1);
    expect(w.stats.rowsWritten).toBe(2000);
    expect(await count('llm_calls')).toBe(2000);
    await expectRollupsEqual();
  });

  it('refuses a bad row as rawInsert does: permanent, with the row, nothing committed', async () => {
    const lines = spreadCalls('bad', 3000).map(callTsv);
    const cells = (lines[1500] ?? '').split('\t');
    cells[CALL_COLUMNS.indexOf('input_tokens')] = 'x12';
    lines[1500] = cells.join('\t');
    const failed = await storage
      .insert('llm_calls', lines.join('\n'), {
        format: 'TSV',
        columns: CALL_COLUMNS,
        dedupToken: 'bad',
      })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    // The committer splits the batch at this row and dead-letters it alone (insert-policy.ts).
    expect(classifyStoreError(failed)).toMatchObject({ kind: 'permanent', row: 1500 });
    expect(await count('llm_calls')).toBe(0);
    expect(readdirSync(filesDir)).toEqual([]);
  });

  it('classifies a full disk (ENOSPC) from the file write as retryable', () => {
    const full = Object.assign(new Error("ENOSPC: no space left on device, write '/d/x.tsv'"), {
      code: 'ENOSPC',
      errno: -28,
    });
    expect(classifyStoreError(full).kind).toBe('retryable');
  });
});
