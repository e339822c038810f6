// When the writer inserts, against a real embedded store: an insert goes as soon as
// `minInsertRows` rows (or the byte share) wait, otherwise when the oldest row has waited
// `flushIntervalMs`, or `busyFlushIntervalMs` while rows flow (on the writer's own clock,
// injected here so no assertion depends on how busy the machine is).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyCall, type LlmCall } from '../../src/collector/call.js';
import { Writer, type WriterOptions } from '../../src/collector/writer.js';
import { RowQueues } from '../../src/collector/writer-rows.js';
import { createLogger } from '../../src/shared/logger.js';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { migrate } from '../../src/storage/migrate.js';

let storage: QueryRunner;
const dir = mkdtempSync(join(tmpdir(), 'writer-flush-'));

beforeAll(async () => {
  storage = await createStorage({ database: 'default', dataDir: join(dir, 'data') });
  await migrate(storage, { ttl_days: 400 });
});
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

function calls(tenant: string, from: number, n: number): LlmCall[] {
  const startNs = BigInt(Date.now()) * 1_000_000n;
  return Array.from({ length: n }, (_, i) => ({
    ...emptyCall(),
    call_id: `${tenant}-${from + i}`,
    trace_id: `${tenant}-trace`,
    span_id: String(from + i),
    tenant,
    start_time_ns: startNs,
    end_time_ns: startNs + 1_000_000n,
    model: 'gpt-4o',
    kind: 'inference' as const,
    cost_total: '0.001',
  }));
}

async function stored(tenant: string): Promise<number> {
  const [row] = await storage.query<{ n: string }>(
    'SELECT count() AS n FROM llm_calls WHERE tenant = {t:String}',
    { t: tenant },
  );
  return Number(row?.n);
}

/** A writer on a clock the test moves; its timer checks every 10 ms of real time. */
function clocked(minInsertRows: number, extra: Partial<WriterOptions> = {}) {
  let now = 1_000_000;
  const settled: number[] = [];
  const w = new Writer(
    storage,
    {
      batchRows: 50_000,
      flushIntervalMs: 40,
      minInsertRows,
      maxRetries: 1,
      deadLetterDir: join(dir, 'dl'),
      onCommitted: (s) => settled.push(...s),
      now: () => now,
      ...extra,
    },
    createLogger('silent'),
  );
  return { w, settled, advance: (ms: number) => (now += ms) };
}

/** Real time for the writer's timer to run several times (it ticks every 10 ms here). */
const ticks = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 120));

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
}

describe('writer flush policy', () => {
  it('holds a small batch until the oldest row has waited the flush interval', async () => {
    const { w, settled, advance } = clocked(1_000);
    w.start();
    w.enqueue(
      calls('hold', 0, 5),
      [],
      Array.from({ length: 5 }, () => 1),
    );
    advance(20);
    w.enqueue(
      calls('hold', 5, 5),
      [],
      Array.from({ length: 5 }, () => 2),
    );
    await ticks();
    expect(w.stats.inserts).toBe(0);
    expect(w.queued).toBe(10);
    // The first rows' age decides, not the last ones': 20 + 20 = 40 ms since the oldest.
    advance(20);
    await until(() => settled.length === 10);
    expect(w.stats.inserts).toBe(1);
    expect(await stored('hold')).toBe(10);
    expect(settled.sort()).toEqual([...Array(5).fill(1), ...Array(5).fill(2)]);
    await w.stop();
  });

  it('inserts as soon as minInsertRows wait, without waiting for the interval', async () => {
    const { w, settled } = clocked(100);
    w.start();
    w.enqueue(calls('size', 0, 99), [], []);
    await ticks();
    expect(w.stats.inserts).toBe(0);
    w.enqueue(calls('size', 99, 1), [], []);
    await until(() => settled.length === 100);
    expect(w.stats.inserts).toBe(1);
    expect(await stored('size')).toBe(100);
    await w.stop();
  });

  it('the clock restarts with the next row after a flush took everything', async () => {
    const { w, settled, advance } = clocked(1_000);
    w.start();
    w.enqueue(calls('restart', 0, 3), [], []);
    advance(100);
    await until(() => settled.length === 3);
    // Queued long after the previous rows: young, so they wait again.
    w.enqueue(calls('restart', 3, 3), [], []);
    await ticks();
    expect(w.stats.inserts).toBe(1);
    advance(40);
    await until(() => settled.length === 6);
    expect(w.stats.inserts).toBe(2);
    expect(await stored('restart')).toBe(6);
    await w.stop();
  });

  it('flush() and stop() commit what waits whatever its age or size', async () => {
    const { w } = clocked(1_000);
    w.start();
    w.enqueue(calls('forced', 0, 7), [], []);
    await w.flush();
    expect(await stored('forced')).toBe(7);
    w.enqueue(calls('forced', 7, 2), [], []);
    await w.stop();
    expect(await stored('forced')).toBe(9);
    expect(w.queued).toBe(0);
  });

  it('holds flowing rows past the flush interval until the busy interval', async () => {
    const { w, settled, advance } = clocked(1_000, { busyFlushIntervalMs: 160, busyRows: 10 });
    w.start();
    w.enqueue(
      calls('flow', 0, 20),
      [],
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    advance(40);
    await ticks();
    // 20 rows an interval is a flow (10 or more): it waits for a full insert.
    expect(w.stats.inserts).toBe(0);
    w.enqueue(
      calls('flow', 20, 20),
      [],
      Array.from({ length: 20 }, (_, i) => i + 21),
    );
    advance(119);
    await ticks();
    expect(w.stats.inserts).toBe(0);
    advance(1);
    await until(() => settled.length === 40);
    expect(w.stats.inserts).toBe(1);
    expect(await stored('flow')).toBe(40);
    expect(settled.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // A trickle (fewer than 10 an interval) goes at the flush interval.
    w.enqueue(calls('flow', 40, 5), [], []);
    advance(40);
    await until(() => settled.length === 45);
    expect(w.stats.inserts).toBe(2);
    await w.stop();
  });

  it('cuts inserts at the byte share; what queued past it waits for the next', async () => {
    const sample = new RowQueues();
    sample.add(calls('bytes', 10, 1), [], [], []);
    const row = sample.callBytes;
    // Room for 5 of these rows an insert (their ids have the same length: 10-21).
    const { w, settled, advance } = clocked(1_000, { maxInsertBytes: row * 5 + row / 2 });
    w.start();
    w.enqueue(
      calls('bytes', 10, 12),
      [],
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    // 12 rows are more than a share: full inserts of 5 go at once, the last 2 wait.
    await until(() => settled.length === 10);
    await ticks();
    expect(w.stats.inserts).toBe(2);
    expect(w.queued).toBe(2);
    advance(40);
    await until(() => settled.length === 12);
    expect(w.stats.inserts).toBe(3);
    expect(await stored('bytes')).toBe(12);
    expect(settled.sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    await w.stop();
  });
});
