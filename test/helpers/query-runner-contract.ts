// The QueryRunner contract (hono-style: one suite, run against every implementation). Whatever the
// engine, a caller gets the same row shapes (exact decimals and 64-bit integers as strings), the
// same parameter binding, deduplicated retries, typed errors and streamed output formats.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryRunner } from '../../src/storage/runner.js';
import {
  StoreConnectionError,
  StoreQueryError,
  type StoreError,
} from '../../src/storage/runner-errors.js';

export interface RunnerImplementation {
  name: string;
  open: () => Promise<QueryRunner>;
}

async function text(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

async function rejection(p: Promise<unknown>): Promise<StoreError> {
  try {
    await p;
  } catch (err) {
    return err as StoreError;
  }
  throw new Error('expected a rejection');
}

export function queryRunnerContract(impl: RunnerImplementation): void {
  describe(`QueryRunner contract: ${impl.name}`, () => {
    let runner: QueryRunner;
    const table = `contract_${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      runner = await impl.open();
      await runner.command(
        `CREATE TABLE ${table} (id String, at DateTime64(3, 'UTC'), n UInt64, cost Decimal(38, 18),
          ratio Float64, ok Bool, tags Array(String), attrs Map(String, String))
        ENGINE = MergeTree ORDER BY id SETTINGS non_replicated_deduplication_window = 100`,
      );
    });
    afterAll(async () => {
      await runner.command(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
      await runner.close();
    });

    it('inserts row objects and JSONEachRow bodies, ISO timestamps included', async () => {
      await runner.insert(table, [
        {
          id: 'a',
          at: '2026-03-01T10:00:00.250Z',
          n: '18446744073709551615',
          cost: '0.000000000000000001',
          ratio: 0.5,
          ok: true,
          tags: ['x', 'y'],
          attrs: { k: 'v' },
        },
      ]);
      await runner.insert(
        table,
        `${JSON.stringify({ id: 'b', at: '2026-03-01 10:00:01', n: 2, cost: '12345678901234567890.123456789012345678', ratio: 1, ok: false, tags: [], attrs: {} })}\n`,
      );
      const rows = await runner.query(`SELECT * FROM ${table} ORDER BY id`);
      expect(rows).toEqual([
        {
          id: 'a',
          at: '2026-03-01 10:00:00.250',
          n: '18446744073709551615',
          cost: '0.000000000000000001',
          ratio: 0.5,
          ok: true,
          tags: ['x', 'y'],
          attrs: { k: 'v' },
        },
        {
          id: 'b',
          at: '2026-03-01 10:00:01.000',
          n: '2',
          cost: '12345678901234567890.123456789012345678',
          ratio: 1,
          ok: false,
          tags: [],
          attrs: {},
        },
      ]);
    });

    it('inserts a UTF-8 byte body (a view into a larger buffer) as its text would', async () => {
      const line = (id: string): string =>
        JSON.stringify({
          id,
          at: '2026-03-01 12:00:00',
          n: 3,
          cost: '0.5',
          ratio: 0,
          ok: true,
          tags: ['é'],
          attrs: { ü: '€' },
        });
      // The body sits in the middle of a larger buffer, as a queued batch sits in a slab.
      const slab = Buffer.from(`garbage\n${line('u1')}\n${line('u2')}\ntrailing garbage`);
      const start = slab.indexOf('{');
      const end = slab.lastIndexOf('}') + 1;
      await runner.insert(table, slab.subarray(start, end));
      const rows = await runner.query(
        `SELECT id, tags, attrs FROM ${table} WHERE id IN ('u1', 'u2') ORDER BY id`,
      );
      expect(rows).toEqual([
        { id: 'u1', tags: ['é'], attrs: { ü: '€' } },
        { id: 'u2', tags: ['é'], attrs: { ü: '€' } },
      ]);
    });

    it('keeps money exact in sums: decimals and 64-bit integers come back as strings', async () => {
      const [row] = await runner.query<{ total: unknown; big: unknown }>(
        `SELECT sum(cost) AS total, sum(n) AS big FROM ${table} WHERE id IN ('a', 'b')`,
      );
      expect(row?.total).toBe('12345678901234567890.123456789012345679');
      expect(typeof row?.big).toBe('string');
    });

    it('binds parameters as values, never as SQL', async () => {
      const hostile = "a' OR 1 = 1 --";
      expect(
        await runner.query(`SELECT count() AS c FROM ${table} WHERE id = {id:String}`, {
          id: hostile,
        }),
      ).toEqual([{ c: '0' }]);
      expect(
        await runner.query(`SELECT id FROM ${table} WHERE id IN {ids:Array(String)} ORDER BY id`, {
          ids: ['b', 'zz'],
        }),
      ).toEqual([{ id: 'b' }]);
    });

    it('writes a retried batch with the same dedup token once', async () => {
      const batch = [
        { id: 'd1', at: '2026-03-01 11:00:00', n: 1, cost: '1', ratio: 0, ok: true },
        { id: 'd2', at: '2026-03-01 11:00:00', n: 1, cost: '1', ratio: 0, ok: true },
      ];
      await runner.insert(table, batch, { dedupToken: 'batch-1' });
      await runner.insert(table, batch, { dedupToken: 'batch-1' });
      await runner.insert(table, batch.slice(0, 1), { dedupToken: 'batch-2' });
      expect(
        await runner.query(
          `SELECT id, count() AS c FROM ${table} WHERE id LIKE 'd%' GROUP BY id ORDER BY id`,
        ),
      ).toEqual([
        { id: 'd1', c: '2' },
        { id: 'd2', c: '1' },
      ]);
    });

    it('runs commands with parameters and per-statement settings', async () => {
      await runner.command(
        `INSERT INTO ${table} (id, at, n, cost) SELECT {id:String}, now64(3), 7, toDecimal128('0.5', 18)`,
        { id: 'cmd' },
      );
      expect(await runner.query(`SELECT n FROM ${table} WHERE id = 'cmd'`)).toEqual([{ n: '7' }]);
      expect(
        await runner.query(
          `SELECT toString(getSetting('max_threads')) AS t`,
          {},
          { settings: { max_threads: 3 } },
        ),
      ).toEqual([{ t: '3' }]);
    });

    it("scopes a statement's settings to that statement (embedded chDB applies them with SET)", async () => {
      const read = async (o?: { settings: Record<string, number> }) =>
        (
          await runner.query<{ v: string }>(
            `SELECT toString(getSetting('join_use_nulls')) AS v`,
            {},
            o,
          )
        )[0]?.v;
      const before = await read();
      expect(await read({ settings: { join_use_nulls: before === '1' ? 0 : 1 } })).not.toBe(before);
      // The next statement without settings runs with the engine's value, not the last one's.
      expect(await read()).toBe(before);
      await runner.command(
        `SELECT 1`,
        {},
        { settings: { join_use_nulls: before === '1' ? 0 : 1 } },
      );
      expect(await read()).toBe(before);
    });

    it('streams output formats ClickHouse writes itself', async () => {
      const csv = await text(
        await runner.stream(
          `SELECT id, n FROM ${table} WHERE id IN ('a', 'b') ORDER BY id`,
          'CSVWithNames',
        ),
      );
      expect(csv.toString()).toBe('"id","n"\n"a",18446744073709551615\n"b",2\n');
      const parquet = await text(await runner.stream(`SELECT id FROM ${table}`, 'Parquet'));
      expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    });

    it('throws typed errors with the ClickHouse code and name', async () => {
      const syntax = await rejection(runner.query('SELEC 1'));
      expect(syntax).toBeInstanceOf(StoreQueryError);
      expect([(syntax as StoreQueryError).code, (syntax as StoreQueryError).type]).toEqual([
        '62',
        'SYNTAX_ERROR',
      ]);
      const unknown = await rejection(runner.query('SELECT * FROM no_such_table_here'));
      expect((unknown as StoreQueryError).code).toBe('60');
      const missing = await rejection(runner.insert('no_such_table_here', [{ a: 1 }]));
      expect(missing).toBeInstanceOf(StoreQueryError);
      expect(missing.operation).toBe('insert');
      const bad = await rejection(runner.insert(table, '{"id":"x","n":"not a number"}\n'));
      expect(bad).toBeInstanceOf(StoreQueryError);
      expect((bad as StoreQueryError).code).toMatch(/^\d+$/);
      const cmd = await rejection(runner.command('DROP TABLE no_such_table_here'));
      expect([cmd.operation, (cmd as StoreQueryError).code]).toEqual(['command', '60']);
      // Nothing of the refused insert was stored.
      expect(await runner.query(`SELECT count() AS c FROM ${table} WHERE id = 'x'`)).toEqual([
        { c: '0' },
      ]);
    });

    it('refuses work after close with a connection error', async () => {
      await runner.command(`DROP TABLE IF EXISTS ${table}`);
      // An operation already running when close() is called finishes first (a drain that gave
      // up waiting must not close the engine under a running insert).
      let settled = false;
      const running = runner
        .query<{ n: string }>('SELECT count() AS n FROM numbers(20000000) WHERE number % 7 = 0')
        .finally(() => {
          settled = true;
        });
      await runner.close();
      expect(settled).toBe(true);
      expect(await running).toEqual([{ n: '2857143' }]);
      await runner.close();
      const err = await rejection(runner.query('SELECT 1'));
      expect(err).toBeInstanceOf(StoreConnectionError);
      expect((await rejection(runner.insert(table, [{ id: 'late' }]))).name).toBe(
        'StoreConnectionError',
      );
    });
  });
}
