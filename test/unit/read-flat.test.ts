// How a planned read's SELECTs return a rollup's rows (planner/sql.ts PartRows): merged per group
// inside each SELECT, or stored rows merged once by the outer GROUP BY (`flat`). The answers are
// compared to llm_calls on real chDB in test/integration/read-windows.test.ts and the analytics
// tests; this file pins the SQL shape each mode promises.
import { describe, expect, it } from 'vitest';
import type { Read } from '../../src/storage/planner/plan.js';
import { readSql, unmergedSql, windowsSql } from '../../src/storage/planner/sql.js';

const read = (over: Partial<Read> = {}): Read => ({
  subject: 'perf',
  // Ragged at both ends: raw edges, minutes, hours and days.
  from: new Date('2026-01-01T22:10:30Z'),
  to: new Date('2026-01-04T02:20:15Z'),
  dims: ['route'],
  measures: ['attempts', 'ttft_h'],
  ...over,
});

/** The SELECTs inside the outer `SELECT ... FROM (...) GROUP BY ...`, or the query itself. */
function selects(sql: string): string[] {
  const open = sql.indexOf(' FROM (SELECT ');
  if (open < 0) return [sql];
  return sql.slice(open + 7, sql.lastIndexOf(') GROUP BY ')).split('\nUNION ALL\n');
}

const grouped = (s: string): boolean => / GROUP BY /.test(s);
const raw = (s: string): boolean => / FROM llm_calls /.test(s);

describe('rollup rows in a planned read', () => {
  it('flat: stored rows from the rollups, llm_calls grouped, one outer merge', () => {
    const { sql } = readSql(read(), '', undefined, { flat: true });
    const parts = selects(sql);
    expect(parts.length).toBe(4);
    expect(parts.filter(raw)).toHaveLength(1);
    for (const part of parts) expect(grouped(part), part.slice(0, 80)).toBe(raw(part));
    expect(sql).toMatch(/sumMap\(ttft_h\) AS ttft_h FROM \(SELECT .*\) GROUP BY route$/s);
  });

  it('merged (the default, and what the cost questions keep): every SELECT groups', () => {
    const parts = selects(readSql(read()).sql);
    expect(parts.length).toBe(4);
    for (const part of parts) expect(grouped(part)).toBe(true);
  });

  it('flat with one table is that table grouped, with no outer query', () => {
    const aligned = read({
      from: new Date('2026-01-02T00:00:00Z'),
      to: new Date('2026-01-04T00:00:00Z'),
    });
    const { sql } = readSql(aligned, '', undefined, { flat: true });
    expect(selects(sql)).toEqual([sql]);
    expect(sql).toContain('FROM llm_perf_1d ');
    expect(grouped(sql)).toBe(true);
  });

  it('merge: false keeps each SELECT merged even when flat is asked', () => {
    const { sql } = readSql(read(), '', undefined, { flat: true, merge: false });
    for (const part of sql.split('\nUNION ALL\n')) expect(grouped(part)).toBe(true);
  });

  it('two windows read together are flat; stored rows only for measures summed on merge', () => {
    const current = read({
      from: new Date('2026-01-04T02:05:15Z'),
      to: new Date('2026-01-04T02:20:15Z'),
    });
    const baseline = read({ to: current.from });
    const sql = windowsSql([current, baseline])?.sql ?? '';
    const parts = selects(sql);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(grouped(part)).toBe(raw(part));
    expect(() => unmergedSql(read())).toThrow(/ttft_h is not summed on merge/);
    expect(unmergedSql(read({ measures: ['attempts'] })).sql).not.toMatch(
      /FROM llm_perf_1d .*GROUP BY/,
    );
  });
});
