// The writer against a real embedded store. Faults are the engine's own where it can produce
// them (a year-2500 DateTime64 it cannot parse, more partitions than one insert may touch, a
// table that refuses inserts with TOO_MANY_PARTS); an outage is injected in front of the real
// store (ECONNREFUSED), since an in-process engine has no network to lose.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyCall, type LlmCall } from '../../src/collector/call.js';
import type { DeadLetterEntry } from '../../src/collector/dead-letter.js';
import { nsToDateTime64 } from '../../src/storage/rows.js';
import { Writer, type WriterOptions } from '../../src/collector/writer.js';
import { createLogger } from '../../src/shared/logger.js';
import { createStorage } from '../../src/storage/client.js';
import { jsonEachRow, type QueryRunner } from '../../src/storage/runner.js';
import { migrate } from '../../src/storage/migrate.js';

let storage: QueryRunner;
const dir = mkdtempSync(join(tmpdir(), 'writer-'));
const YEAR_2500 = BigInt(Date.UTC(2500, 0, 1)) * 1_000_000n;

beforeAll(async () => {
  storage = await createStorage({ database: 'default', dataDir: join(dir, 'data') });
  // Ten years of TTL: rows years back must stay (ClickHouse drops expired rows on insert; and
  // past ~29,000 days `toDateTime(start_time) + ttl` overflows DateTime and expires everything).
  await migrate(storage, { ttl_days: 3650 });
});
afterAll(async () => {
  await storage.close();
});

function calls(tenant: string, n: number, startNs = BigInt(Date.now()) * 1_000_000n): LlmCall[] {
  return Array.from({ length: n }, (_, i) => ({
    ...emptyCall(),
    call_id: `${tenant}-${i}`,
    trace_id: `${tenant}-trace`,
    span_id: String(i),
    tenant,
    start_time_ns: startNs,
    end_time_ns: startNs + 1_000_000n,
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

function deadLetters(sub: string): DeadLetterEntry[] {
  const d = join(dir, sub);
  return readdirSync(d).flatMap((f) =>
    readFileSync(join(d, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DeadLetterEntry),
  );
}

function writer(sub: string, store: QueryRunner = storage, extra: Partial<WriterOptions> = {}) {
  const settled: number[] = [];
  const w = new Writer(
    store,
    {
      batchRows: 50_000,
      flushIntervalMs: 10,
      maxRetries: 2,
      deadLetterDir: join(dir, sub),
      backoff: { baseMs: 20, maxMs: 100 },
      onCommitted: (s) => settled.push(...s),
      ...extra,
    },
    createLogger('silent'),
  );
  return { w, settled };
}

const seqs = (n: number, seq: number) => Array.from({ length: n }, () => seq);

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
    const { w, settled } = writer('dl-outage', flaky);
    w.enqueue(calls('outage', 250), [], seqs(250, 7));
    await w.flush();
    expect(w.stats.insertFailures).toBe(4);
    expect(await countRows('outage')).toEqual({ rows: 250, distinct: 250 });
    expect(settled).toHaveLength(250);
    expect(w.stats.deadLettered).toBe(0);
  }, 60_000);

  it('dead-letters only a year-2500 row the engine refuses; every other row commits', async () => {
    const { w, settled } = writer('dl-2500');
    const mixed = [
      ...calls('tenant-a', 400),
      ...calls('poison', 1, YEAR_2500),
      ...calls('tenant-b', 599),
    ];
    w.enqueue(
      mixed,
      [],
      mixed.map((_, i) => 1 + Math.floor(i / 100)),
    );
    await w.flush();
    expect(await countRows('tenant-a')).toEqual({ rows: 400, distinct: 400 });
    expect(await countRows('tenant-b')).toEqual({ rows: 599, distinct: 599 });
    expect(await countRows('poison')).toEqual({ rows: 0, distinct: 0 });
    const [entry, ...rest] = deadLetters('dl-2500');
    expect(rest).toEqual([]);
    expect(entry?.id).toBe('poison-0');
    expect(entry?.table).toBe('llm_calls');
    expect(entry?.name).toBe('CANNOT_PARSE_DATETIME');
    expect(entry?.reason).toMatch(/^CANNOT_PARSE_DATETIME \(41\): /);
    expect(entry?.row.tenant).toBe('poison');
    expect(w.stats.deadLettered).toBe(1);
    // Every row is settled (committed or dead-lettered), so the spool may forget all records.
    expect(settled).toHaveLength(1000);
    // The engine named the row: isolating it took a handful of inserts, not a bisection.
    expect(w.stats.insertFailures).toBeLessThanOrEqual(2);
  }, 60_000);

  it('isolates several refused rows by splitting when the store does not name them', async () => {
    const refusing: QueryRunner = {
      ...storage,
      insert: async (table, body, options) => {
        // Whatever the row format (llm_calls goes as TSV), a batch holding such a row is refused.
        if (jsonEachRow(body).includes('refuse-me'))
          throw Object.assign(new Error('Cannot parse input: expected , before: x'), {
            code: '27',
            type: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
          });
        await storage.insert(table, body, options);
      },
    };
    const { w, settled } = writer('dl-split', refusing);
    const rows = [...calls('keep-1', 100), ...calls('refuse-me', 3), ...calls('keep-2', 100)].sort(
      (a, b) => a.span_id.localeCompare(b.span_id),
    ); // spread the refused rows out
    w.enqueue(rows, [], seqs(rows.length, 3));
    await w.flush();
    expect(await countRows('keep-1')).toEqual({ rows: 100, distinct: 100 });
    expect(await countRows('keep-2')).toEqual({ rows: 100, distinct: 100 });
    const dead = deadLetters('dl-split');
    expect(dead.map((e) => e.id).sort()).toEqual(['refuse-me-0', 'refuse-me-1', 'refuse-me-2']);
    expect(dead.every((e) => e.name === 'CANNOT_PARSE_INPUT_ASSERTION_FAILED')).toBe(true);
    expect(settled).toHaveLength(203);
  }, 60_000);

  it('writes 101 months in one batch without tripping the partition limit', async () => {
    const { w } = writer('dl-months');
    const rows = Array.from({ length: 101 }, (_, m) =>
      calls(`months`, 1, BigInt(Date.UTC(2019, m, 15)) * 1_000_000n).map((c) => ({
        ...c,
        call_id: `months-${m}`,
        span_id: String(m),
      })),
    ).flat();
    w.enqueue(rows, []);
    await w.flush();
    expect(w.stats.insertFailures).toBe(0);
    expect(await countRows('months')).toEqual({ rows: 101, distinct: 101 });
  }, 60_000);

  it('recovers by splitting when the engine allows fewer partitions than configured', async () => {
    // Configured above the engine's limit (100): the engine refuses, the writer splits.
    const { w } = writer('dl-limit', storage, { maxPartitionsPerInsert: 1000 });
    const rows = Array.from({ length: 101 }, (_, m) =>
      calls('limit', 1, BigInt(Date.UTC(2019, m, 16)) * 1_000_000n).map((c) => ({
        ...c,
        call_id: `limit-${m}`,
      })),
    ).flat();
    w.enqueue(rows, []);
    await w.flush();
    expect(w.stats.insertFailures).toBeGreaterThanOrEqual(1);
    expect(w.stats.deadLettered).toBe(0);
    expect(await countRows('limit')).toEqual({ rows: 101, distinct: 101 });
  }, 60_000);

  it('reports a stall while the store refuses every insert, and stops within its deadline', async () => {
    // A real refusal: the engine throws TOO_MANY_PARTS (retryable) once a partition has a part.
    const month = BigInt(Date.now()) * 1_000_000n;
    await storage.insert(
      'llm_calls',
      JSON.stringify({ call_id: 'seed', tenant: 'seed', start_time: nsToDateTime64(month) }),
    );
    await storage.command('ALTER TABLE llm_calls MODIFY SETTING parts_to_throw_insert = 1');
    const { w, settled } = writer('dl-stall', storage, { stallTimeoutMs: 200 });
    w.start();
    w.enqueue(calls('stalled', 20, month), [], seqs(20, 9));
    const deadline = Date.now() + 5_000;
    // Stalled, and after at least one refusal (on a busy machine the first attempt may be slow).
    while (!/last error/.test(w.stallReason() ?? '') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(w.failing).toBe(true);
    expect(w.stallReason()).toMatch(
      /nothing committed for \d+ s while 20 rows wait; last error: TOO_MANY_PARTS \(252\)/,
    );
    w.setDrainDeadline(Date.now() + 300);
    const started = Date.now();
    await w.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(settled).toEqual([]); // nothing reported done: the spool keeps the records
    expect(w.queued).toBe(20);
    expect(w.stats.deadLettered).toBe(0);

    await storage.command('ALTER TABLE llm_calls MODIFY SETTING parts_to_throw_insert = 3000');
    const next = writer('dl-stall');
    next.w.enqueue(calls('stalled', 20, month), [], seqs(20, 9));
    await next.w.flush();
    expect(await countRows('stalled')).toEqual({ rows: 20, distinct: 20 });
    expect(next.settled).toHaveLength(20);
  }, 60_000);
});
