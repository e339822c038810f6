// Partial units read as whole units minus their rest (plan.ts cutRange `complement`, signed.ts):
// the signed segments must cover every instant of [from, to) exactly once and nothing outside it,
// the rest is used only when shorter, and only tenant-scoped reads of subtractable measures use it.
import { describe, expect, it } from 'vitest';
import { CATALOG } from '../../src/storage/catalog/catalog.js';
import type { RollupTable } from '../../src/storage/catalog/types.js';
import { cutRange, planRead, type Read, type Segment } from '../../src/storage/planner/plan.js';
import { readSql, windowsSql } from '../../src/storage/planner/sql.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const D = Date.parse('2026-01-10T00:00:00Z');
const tables = (family: string): RollupTable[] =>
  [...CATALOG.families.find((f) => f.name === family)!.tables].sort(
    (a, b) =>
      ['day', 'hour', 'minute'].indexOf(a.grain) - ['day', 'hour', 'minute'].indexOf(b.grain),
  );

/** How many times the signed segments count instant t. */
const cover = (segments: readonly Segment[], t: number): number =>
  segments.reduce((n, s) => n + (s.fromMs <= t && t < s.toMs ? (s.sign ?? 1) : 0), 0);

/** Instants around every boundary of the range and of the segments, and inside each. */
function probes(from: number, to: number, segments: readonly Segment[]): number[] {
  const edges = [from, to, ...segments.flatMap((s) => [s.fromMs, s.toMs])];
  return [...new Set(edges.flatMap((e) => [e - 1, e, e + 1, e + 997, e - 61_001]))];
}

const ranges: [string, number, number][] = [
  ['ragged both ends, rests shorter', D + 3 * HOUR + 17_300, D + 5 * DAY + 21 * HOUR - 42_100],
  ['ragged both ends, parts shorter', D + 20 * HOUR + 17_300, D + 5 * DAY + 2 * HOUR - 42_100],
  ['inside one day', D + HOUR + 500, D + 23 * HOUR - 500],
  ['inside one hour', D + 5 * HOUR + 1_000, D + 6 * HOUR - 2_000],
  ['across one midnight', D + 16 * HOUR + 17_300, D + DAY + 15 * HOUR + 45 * 60_000],
  ['aligned', D, D + 3 * DAY],
];

describe('cutRange with complements', () => {
  for (const family of [
    'perf_tenant',
    'cache_tenant',
    'costs_tenant',
    'capacity_tenant_deployment',
  ])
    for (const [name, from, to] of ranges)
      it(`${family}: ${name} covers [from, to) exactly once`, () => {
        const segments = cutRange(from, to, tables(family), true);
        for (const t of probes(from, to, segments))
          expect(cover(segments, t), new Date(t).toISOString()).toBe(from <= t && t < to ? 1 : 0);
        // A row's sign is found by the one segment of its table it falls in: they never overlap.
        for (const a of segments)
          for (const b of segments)
            if (a !== b && a.table === b.table)
              expect(a.toMs <= b.fromMs || b.toMs <= a.fromMs).toBe(true);
      });

  it('subtracts only the shorter rest', () => {
    const perf = tables('perf_tenant');
    // 20h43m of the first day is in the range: its day minus 3h17m; the last day's 21 h likewise.
    const [from, to] = [ranges[0]![1], ranges[0]![2]];
    const signed = cutRange(from, to, perf, true);
    expect(signed.filter((s) => s.sign === -1).map((s) => [s.fromMs, s.toMs])).toEqual([
      [D, from],
      [to, D + 6 * DAY],
    ]);
    // 4 h and 2 h of the edge days are in the range: read as they are.
    const [f2, t2] = [ranges[1]![1], ranges[1]![2]];
    expect(cutRange(f2, t2, perf, true)).toEqual(cutRange(f2, t2, perf, false));
  });

  it('leaves the plan alone unless asked (unscoped reads, windows, unmerged rows)', () => {
    const read: Read = {
      subject: 'perf',
      from: new Date(ranges[0]![1]),
      to: new Date(ranges[0]![2]),
      dims: ['route'],
      measures: ['attempts', 'duration_h', 'spend'],
      filters: { tenant: 't0' },
    };
    expect(planRead(read).segments.some((s) => s.sign === -1)).toBe(false);
    const scoped = readSql(read, '', undefined, { flat: true });
    expect(scoped.plan.segments.some((s) => s.sign === -1)).toBe(true);
    expect(scoped.sql).toContain('HAVING sum(toInt64(planner_rows) * planner_sign) != 0');
    expect(scoped.sql).toContain('mapFilter((k, v) -> v != 0, sumMap(mapApply(');
    // One SELECT per table, added and subtracted rows told apart by planner_sign.
    expect(scoped.sql.match(/FROM llm_calls/g)).toHaveLength(1);
    // Here every raw segment is subtracted: a constant sign, no grouping by it.
    expect(scoped.sql).toContain('toInt8(-1) AS planner_sign');
    expect(scoped.sql).not.toContain('GROUP BY route, planner_sign');
    // An added first edge (8 h of its day) and a subtracted rest after `to` (8 h 15 min).
    const [f5, t5] = [ranges[4]![1], ranges[4]![2]];
    const mixed = readSql({ ...read, from: new Date(f5), to: new Date(t5) }, '', undefined, {
      flat: true,
    });
    expect(mixed.sql.match(/FROM llm_calls/g)).toHaveLength(1);
    expect(mixed.sql).toContain('GROUP BY route, planner_sign');
    const unscoped = readSql({ ...read, filters: {} }, '', undefined, { flat: true });
    expect(unscoped.sql).not.toContain('planner_rows');
    // Without the outer GROUP BY nothing nets the subtracted rows out.
    expect(readSql(read, '', undefined, { merge: false }).sql).not.toContain('planner_rows');
    const before = { ...read, from: new Date(ranges[0]![1] - DAY), to: new Date(ranges[0]![1]) };
    expect(windowsSql([before, read])?.sql).not.toContain('planner_rows');
    // An ungrouped read answers one row even when empty: no HAVING to drop it.
    expect(readSql({ ...read, dims: [] }, '', undefined, { flat: true }).sql).not.toContain(
      'planner_rows',
    );
  });
});
