// The time-ordered projection of llm_calls (migration 0038) on real chDB: the exact edges of a
// planned read (partial hours at either end) must read through it, and every answer must equal
// the same read with projections turned off (llm_calls by its tenant-first key alone), so a
// projection that missed or altered rows would show. Rows come from the benchmark generator, so
// the projection is built by real inserts; a second insert leaves two parts, as production does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLABLE_KINDS, COST_MEASURES, SUBJECTS } from '../../src/storage/catalog/measures.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { readSql } from '../../src/storage/planner/sql.js';
import type { Read } from '../../src/storage/planner/plan.js';
import type { QueryRunner, Row } from '../../src/storage/runner.js';
import { queryOutcomeSpend } from '../../src/analytics/queries/outcomes-spend.js';
import { generateSql, outcomesSql } from '../bench/analytics-gen.js';
import { hourStartMs } from '../helpers/clock.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END = hourStartMs();
// Enough rows that an hour is a small share of the tenant-first granules (the engine picks the
// projection only when it reads fewer granules).
const TOTAL = 400_000;
const FROM = new Date(END - 9 * DAY - 5 * HOUR + 17_300);
const TO = new Date(END - 3 * HOUR - 42_100);

// Explicit on every query: the embedded engine keeps a query's settings for the session.
const ON = { settings: { optimize_use_projections: 1 } };
const OFF = { settings: { optimize_use_projections: 0 } };

let dir: string;
let storage: QueryRunner;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'calls-by-time-'));
  storage = await createStorage({ database: 'default', dataDir: dir });
  await migrate(storage, { ttl_days: 400 });
  await storage.command(generateSql(0, TOTAL / 2, TOTAL, END));
  await storage.command(generateSql(TOTAL / 2, TOTAL / 2, TOTAL, END));
}, 400_000);

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Float sums depend on the order rows are added in: compared to 12 significant digits. */
const FLOATS = new Set(['duration_ms_sum']);

function canonical(rows: Row[]): string[] {
  return rows
    .map((r) =>
      JSON.stringify(
        Object.entries(r)
          .map(([k, v]) => [k, FLOATS.has(k) ? Number(v).toPrecision(12) : v])
          .sort(),
      ),
    )
    .sort();
}

/** The tables and projections the engine reads for a query (EXPLAIN's ReadFromMergeTree lines). */
async function readsFrom(sql: string, params: Record<string, unknown>): Promise<string[]> {
  const rows = await storage.query(`EXPLAIN indexes = 1, projections = 1 ${sql}`, params, ON);
  return rows
    .map((r) => String(Object.values(r)[0]))
    .flatMap((l) => /ReadFromMergeTree \(([^)]+)\)/.exec(l)?.[1] ?? []);
}

async function withAndWithout(read: Read): Promise<{ on: Row[]; off: Row[]; reads: string[] }> {
  const { sql, params } = readSql(read);
  const on = await storage.query(sql, params, ON);
  const off = await storage.query(sql, params, OFF);
  return { on, off, reads: await readsFrom(sql, params) };
}

describe('llm_calls time-ordered projection', () => {
  it('the partial-hour edges of cost per tenant read it, with the same answer as without it', async () => {
    const read: Read = {
      subject: 'calls',
      from: FROM,
      to: TO,
      dims: ['tenant'],
      measures: COST_MEASURES,
      filters: { kind: BILLABLE_KINDS },
    };
    const { on, off, reads } = await withAndWithout(read);
    // Both partial-hour edges are one SELECT of llm_calls (ranges ORed), read through it.
    expect(reads.filter((r) => r === 'calls_by_time')).toHaveLength(1);
    expect(reads).not.toContain('default.llm_calls');
    expect(on.length).toBeGreaterThan(100);
    expect(canonical(on)).toEqual(canonical(off));
  });

  it('every subject read only from llm_calls over an hour equals the tenant-first read', async () => {
    for (const subject of Object.keys(SUBJECTS) as (keyof typeof SUBJECTS)[]) {
      const read: Read = {
        subject,
        from: new Date(END - 30 * HOUR + 1_234),
        to: new Date(END - 29 * HOUR - 5_678),
        dims: subject === 'capacity' ? ['deployment'] : ['route'],
        measures: Object.keys(SUBJECTS[subject].measures).filter((m) => !m.endsWith('_q')),
        source: 'raw',
      };
      const { on, off, reads } = await withAndWithout(read);
      expect(reads, subject).toEqual(['calls_by_time']);
      expect(on.length, subject).toBeGreaterThan(0);
      expect(canonical(on), subject).toEqual(canonical(off));
    }
  });

  it('a tenant-scoped edge keeps the tenant-first key when that reads fewer granules', async () => {
    const { sql, params } = readSql({
      subject: 'calls',
      from: new Date(END - 30 * HOUR + 1_234),
      to: new Date(END - 29 * HOUR - 5_678),
      dims: ['route'],
      measures: ['calls', 'cost_total'],
      filters: { tenant: 't0' },
      source: 'raw',
    });
    const on = await storage.query(sql, params, ON);
    const off = await storage.query(sql, params, OFF);
    expect(on.length).toBeGreaterThan(0);
    expect(canonical(on)).toEqual(canonical(off));
  });

  it('after a lightweight delete (reprice) reads through it no longer count the deleted rows', async () => {
    const read: Read = {
      subject: 'calls',
      from: new Date(END - 30 * HOUR),
      to: new Date(END - 29 * HOUR),
      dims: [],
      measures: ['calls'],
      source: 'raw',
    };
    const { sql, params } = readSql(read);
    const before = Number((await storage.query<{ calls: string }>(sql, params, ON))[0]?.calls);
    await storage.command(
      `DELETE FROM llm_calls WHERE start_time >= fromUnixTimestamp64Milli({a:Int64}, 'UTC') AND start_time < fromUnixTimestamp64Milli({b:Int64}, 'UTC') AND route = '/route-0'`,
      { a: read.from.getTime(), b: read.to.getTime() },
    );
    // The touched part dropped its projection: read by the tenant-first key, deleted rows gone.
    const after = await withAndWithout(read);
    expect(after.reads).toEqual(['default.llm_calls']);
    expect(Number(after.on[0]?.calls)).toBeLessThan(before);
    expect(canonical(after.on)).toEqual(canonical(after.off));
    // A merge builds it again from the remaining rows.
    await storage.command('OPTIMIZE TABLE llm_calls FINAL');
    const merged = await withAndWithout(read);
    expect(merged.reads).toEqual(['calls_by_time']);
    expect(canonical(merged.on)).toEqual(canonical(after.off));
  });

  // Last: it drops the projection to get the answer without it.
  it('spend per outcome reads its calls and their link keys through it, with the same answers', async () => {
    await storage.command(outcomesSql(TOTAL, END));
    const from = new Date(END - 30 * HOUR - 17_000);
    const q = {
      from,
      to: new Date(END - 6 * HOUR + 4_000),
      windowHours: 24,
      groupBy: 'feature' as const,
    };
    // The links' read of the range's calls (outcomes-spend-sql.ts, c): what the engine picks.
    const plan = await storage.query<{ explain: string }>(
      `EXPLAIN SELECT trace_id, conversation_id, start_time, cost_total, tenant, _part, _part_offset
       FROM llm_calls WHERE start_time >= fromUnixTimestamp64Milli({a:Int64}, 'UTC')
         AND start_time < fromUnixTimestamp64Milli({b:Int64}, 'UTC')`,
      { a: from.getTime() - 24 * HOUR, b: q.to.getTime() },
    );
    expect(plan.map((r) => r.explain).join('\n')).toContain('ReadFromMergeTree (calls_by_time)');
    const through = await queryOutcomeSpend(storage, q);
    expect(through.rows.reduce((n, r) => n + r.linked_calls, 0)).toBeGreaterThan(10);
    await storage.command('ALTER TABLE llm_calls DROP PROJECTION calls_by_time', undefined, {
      settings: { mutations_sync: 1 },
    });
    expect(await queryOutcomeSpend(storage, q)).toEqual(through);
  });
});
