// The committer retries through the shared retry policy (src/shared/retry.ts) against a real
// embedded engine: an outage (a missing table) is retried with backoff until it heals or the
// attempts run out; a refusal (a value the engine cannot hold) is never retried as is, only
// split until the refused row stands alone; a stop ends the wait at once.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byteChunks, Committer, StoreUnavailableError } from '../../src/collector/committer.js';
import type { QueuedRow } from '../../src/collector/insert-plan.js';
import type { StoreError } from '../../src/storage/errors.js';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';

let storage: QueryRunner;

beforeAll(async () => {
  storage = await createStorage({
    database: 'default',
    dataDir: join(mkdtempSync(join(tmpdir(), 'committer-retry-')), 'data'),
  });
});
afterAll(async () => {
  await storage.close();
});

const createTable = (table: string): Promise<void> =>
  storage.command(
    `CREATE TABLE ${table} (id String, at DateTime64(6, 'UTC')) ENGINE = MergeTree ORDER BY id`,
  );

const NOW_S = (Date.now() / 1000).toFixed(6);
/** Year 2500 as epoch seconds: 11 integer digits, which DateTime64 refuses (CANNOT_PARSE_DATETIME). */
const Y2500_S = (Date.UTC(2500, 0, 1) / 1000).toFixed(6);

function rows(ids: string[], at: (id: string) => string = () => NOW_S): QueuedRow[] {
  return ids.map((id) => ({
    id,
    line: JSON.stringify({ id, at: at(id) }),
    seq: 0,
    partition: 'p',
  }));
}

async function storedIds(table: string): Promise<string[]> {
  const got = await storage.query<{ id: string }>(`SELECT id FROM ${table} ORDER BY id`);
  return got.map((r) => r.id);
}

interface Failure {
  error: StoreError;
  attempt: number;
  rows: number;
}

function committer(
  failures: Failure[],
  extra: Partial<ConstructorParameters<typeof Committer>[1]> = {},
): Committer {
  return new Committer(storage, {
    maxPartitions: 100,
    maxRows: 1000,
    backoff: { baseMs: 1, maxMs: 4 },
    onFailure: ({ error, attempt, rows: n }) => failures.push({ error, attempt, rows: n }),
    ...extra,
  });
}

describe('Committer retries through the shared policy', () => {
  it('gives up on an outage after maxAttempts, each attempt seen once', async () => {
    const failures: Failure[] = [];
    const c = committer(failures, { maxAttempts: 3 });
    const err = await c.commit('missing_table', rows(['a', 'b'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect((err as StoreUnavailableError).error).toMatchObject({
      kind: 'retryable',
      name: 'UNKNOWN_TABLE',
    });
    expect(failures.map((f) => [f.attempt, f.error.kind, f.rows])).toEqual([
      [0, 'retryable', 2],
      [1, 'retryable', 2],
      [2, 'retryable', 2],
    ]);
  });

  it('commits once the outage heals, without writing anything twice', async () => {
    const failures: Failure[] = [];
    const c = committer(failures, {
      // The operator creates the table while the committer is backing off.
      onFailure: ({ error, attempt, rows: n }) => {
        failures.push({ error, attempt, rows: n });
        if (attempt === 1) void createTable('healed');
      },
    });
    const result = await c.commit('healed', rows(['a', 'b', 'c']));
    expect(result.committed.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(result.refused).toEqual([]);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(failures.every((f) => f.error.kind === 'retryable')).toBe(true);
    expect(await storedIds('healed')).toEqual(['a', 'b', 'c']);
  });

  it('never retries a refusal as is: splits to the refused row, commits the rest', async () => {
    await createTable('refusing');
    const failures: Failure[] = [];
    const c = committer(failures, { maxAttempts: 1 });
    const result = await c.commit(
      'refusing',
      rows(['r1', 'r2', 'bad', 'r4', 'r5'], (id) => (id === 'bad' ? Y2500_S : NOW_S)),
    );
    expect(result.refused.map((r) => [r.row.id, r.error.name])).toEqual([
      ['bad', 'CANNOT_PARSE_DATETIME'],
    ]);
    expect(result.committed.map((r) => r.id).sort()).toEqual(['r1', 'r2', 'r4', 'r5']);
    // Every failure was a first attempt of its own set of rows: permanent is final.
    expect(failures.every((f) => f.attempt === 0 && f.error.kind === 'permanent')).toBe(true);
    expect(await storedIds('refusing')).toEqual(['r1', 'r2', 'r4', 'r5']);
  });

  it('a stop during the backoff ends the commit with the abort, no further attempt', async () => {
    const failures: Failure[] = [];
    const stop = new AbortController();
    const c = committer(failures, {
      backoff: { baseMs: 600_000, maxMs: 600_000 },
      signal: stop.signal,
      onFailure: ({ error, attempt, rows: n }) => {
        failures.push({ error, attempt, rows: n });
        setImmediate(() => stop.abort());
      },
    });
    const err = await c.commit('still_missing', rows(['a'])).catch((e: unknown) => e);
    expect((err as Error).name).toBe('AbortError');
    expect(failures).toHaveLength(1);
  });
});

describe('byteChunks (an insert cut to the memory plan before its first attempt)', () => {
  const sized = (lengths: number[]): QueuedRow[] =>
    lengths.map((n, i) => ({ id: `r${i}`, line: 'x'.repeat(n - 1), seq: 0, partition: '' }));
  it('keeps rows in order, each run at most maxBytes of body, a larger row alone', () => {
    const input = sized([40, 40, 40, 150, 10, 10]);
    const chunks = byteChunks(input, 100);
    expect(chunks.map((c) => c.map((r) => r.id))).toEqual([
      ['r0', 'r1'],
      ['r2'],
      ['r3'],
      ['r4', 'r5'],
    ]);
    expect(chunks.flat()).toEqual(input);
    expect(byteChunks(input, Infinity)).toEqual([input]);
  });
});
