// Migrations 0048 and 0049 serve spend per outcome, which reads trace_id and conversation_id for
// every call of its range: 0048 stores both with LZ4, 0049 adds both to the time-ordered
// projection. On real chDB: a data directory holding calls from before them keeps every value,
// through the ALTERs and through a merge that rewrites its parts; the two columns (and only they)
// carry the new codec; a time range's link keys are read through the projection; spend per
// outcome links the old calls as before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryOutcomeSpend } from '../../src/analytics/queries/outcomes-spend.js';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { migrate } from '../../src/storage/migrate.js';
import { hourStartMs } from '../helpers/clock.js';
import { migrateBefore } from '../helpers/migrate-before.js';

const HOUR = 3_600_000;
const T0 = hourStartMs() - 6 * HOUR;
let storage: QueryRunner;
let dataDir: string;
let before: string[];

const ids = async (): Promise<string[]> =>
  (
    await storage.query<{ call_id: string; trace_id: string; conversation_id: string }>(
      'SELECT call_id, trace_id, conversation_id FROM llm_calls ORDER BY call_id',
    )
  ).map((r) => `${r.call_id}|${r.trace_id}|${r.conversation_id}`);

const codecs = async (): Promise<Record<string, string>> =>
  Object.fromEntries(
    (
      await storage.query<{ name: string; compression_codec: string }>(
        `SELECT name, compression_codec FROM system.columns
          WHERE database = currentDatabase() AND table = 'llm_calls'
            AND name IN ('call_id', 'trace_id', 'span_id', 'conversation_id')`,
      )
    ).map((r) => [r.name, r.compression_codec]),
  );

function calls(from: number, n: number): string {
  const out: string[] = [];
  for (let i = from; i < from + n; i++)
    out.push(
      JSON.stringify({
        call_id: `c${String(i).padStart(4, '0')}`,
        // 32 hex digits like an OTel trace id; every third call in a conversation instead.
        trace_id: i % 3 === 0 ? '' : (i * 2654435761).toString(16).padStart(32, '0'),
        conversation_id: i % 3 === 0 ? `conv-${i % 7}` : '',
        span_id: `s${i}`,
        kind: 'inference',
        tenant: 'acme',
        start_time: new Date(T0 + i * 1000).toISOString().replace('T', ' ').replace('Z', ''),
        cost_total: '0.25',
        priced: true,
      }),
    );
  return out.join('\n');
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-link-keys-'));
  storage = await createStorage({ database: 'default', dataDir });
  await migrateBefore(storage, 48);
  await storage.insert('llm_calls', calls(0, 300));
  before = await ids();
  const result = await migrate(storage, { ttl_days: 400 });
  // Later migrations may follow; these two must come first.
  expect(result.applied.slice(0, 2)).toEqual([
    '0048_link_keys_lz4',
    '0049_calls_by_time_link_keys',
  ]);
}, 120_000);

afterAll(async () => {
  await storage?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('migrations 0048 and 0049: the link keys in LZ4 and in the time projection', () => {
  it('gives trace_id and conversation_id LZ4 and leaves the other ids as they were', async () => {
    expect(await codecs()).toEqual({
      call_id: 'CODEC(ZSTD(1))',
      trace_id: 'CODEC(LZ4)',
      span_id: 'CODEC(ZSTD(1))',
      conversation_id: 'CODEC(LZ4)',
    });
  });

  it('adds the link keys to the time projection, built for the old rows too', async () => {
    await storage.command('ALTER TABLE llm_calls MATERIALIZE PROJECTION calls_by_time', undefined, {
      settings: { mutations_sync: 1 },
    });
    const [create] = await storage.query<{ statement: string }>('SHOW CREATE TABLE llm_calls');
    expect(create?.statement).toMatch(
      /PROJECTION calls_by_time\s*\(\s*SELECT[^)]*\btrace_id,\s*conversation_id\s+ORDER BY start_time/,
    );
    // Reads through the projection (the engine picks it on larger tables: calls-by-time.test.ts)
    // see every old row once, each its own stored row (the links' identity).
    const range = `start_time >= fromUnixTimestamp64Milli(${T0 + 60_000})
      AND start_time < fromUnixTimestamp64Milli(${T0 + 120_000})`;
    const [n] = await storage.query<{ n: string; u: string }>(
      `SELECT count() AS n, uniqExact(_part, _part_offset) AS u FROM llm_calls WHERE ${range}`,
      undefined,
      { settings: { force_optimize_projection: 1 } },
    );
    expect(n).toEqual({ n: '60', u: '60' });
  });

  it('keeps every stored value, before and after a merge rewrites the old parts', async () => {
    expect(before).toHaveLength(300);
    expect(await ids()).toEqual(before);
    await storage.insert('llm_calls', calls(300, 100));
    await storage.command('OPTIMIZE TABLE llm_calls FINAL');
    const after = await ids();
    expect(after.slice(0, 300)).toEqual(before);
    expect(after).toHaveLength(400);
  });

  it('links the calls stored before it to outcomes as it links new ones', async () => {
    const trace = (7 * 2654435761).toString(16).padStart(32, '0');
    await storage.insert(
      'outcomes',
      [
        { outcome_id: 'o-old', trace_id: trace, time: T0 + 10_000, tenant: 'acme', name: 'done' },
        {
          outcome_id: 'o-conv',
          conversation_id: 'conv-3',
          time: T0 + 400_000,
          tenant: 'acme',
          name: 'done',
        },
      ]
        .map((o) =>
          JSON.stringify({
            ...o,
            time: new Date(o.time).toISOString().replace('T', ' ').replace('Z', ''),
            success: true,
            source: 'api',
          }),
        )
        .join('\n'),
    );
    const answer = await queryOutcomeSpend(storage, {
      from: new Date(T0),
      to: new Date(T0 + HOUR),
      windowHours: 24,
    });
    // o-old: call 7 (its trace); o-conv: calls 3*k with k*3 % 7 = 3 up to call 400 (in its window).
    const convCalls = Array.from({ length: 400 }, (_, i) => i).filter(
      (i) => i % 3 === 0 && i % 7 === 3 && T0 + i * 1000 <= T0 + 400_000,
    ).length;
    expect(answer.rows).toHaveLength(1);
    expect(answer.rows[0]?.linked_calls).toBe(1 + convCalls);
    expect(Number(answer.rows[0]?.spend_usd)).toBe(0.25 * (1 + convCalls));
    expect(answer.unlinked.calls).toBe(400 - 1 - convCalls);
  });
});
