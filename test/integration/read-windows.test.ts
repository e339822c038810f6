// Several windows of one question read together (planner/sql.ts windowsSql): one SELECT per table,
// rows tagged with their window, on real chDB. Each window's rows must equal the window read alone,
// and drift and cache regressions over ragged windows (raw edges, minutes, hours) must equal the
// raw answer. Rows come from the benchmark generator, so the views fill every rollup as inserts do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryCacheRegressions } from '../../src/analytics/queries/cache-regressions.js';
import { queryTtftDrift, trailingWindows } from '../../src/analytics/queries/drift.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { planRead, type Read } from '../../src/storage/planner/plan.js';
import { readMany, readRows } from '../../src/storage/planner/read.js';
import { windowsSql } from '../../src/storage/planner/sql.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { generateSql } from '../bench/analytics-gen.js';
import { hourStartMs } from '../helpers/clock.js';
import { canonicalRows } from '../helpers/canonical.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const END = hourStartMs();
// 120k calls over 30 days: ~170 an hour, a few a minute.
const TOTAL = 120_000;
// Not on a minute: every window has raw edges, minutes and (the baseline) hours.
const NOW = new Date(END - 3 * HOUR - 42_100);
const windows = trailingWindows(NOW, 15 * MIN, 24 * HOUR);

let dir: string;
let storage: QueryRunner;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'read-windows-'));
  storage = await createStorage({ database: 'default', dataDir: dir });
  await migrate(storage, { ttl_days: 400 });
  await storage.command(generateSql(0, TOTAL, TOTAL, END));
}, 120_000);

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

const perf = (w: { from: Date; to: Date }): Read => ({
  subject: 'perf',
  ...w,
  dims: ['provider', 'model', 'region', 'capacity_tier'],
  measures: ['ttft_h', 'attempts'],
});
const cache = (w: { from: Date; to: Date }): Read => ({
  subject: 'cache',
  ...w,
  dims: ['route', 'cache_layer', 'model', 'prompt_version'],
  measures: ['rows', 'hits', 'prompt_calls', 'read_calls', 'prompt_tokens', 'read_tokens'],
});

describe('windows read together', () => {
  it('one SELECT per table for a ragged current and baseline window, merged once outside', () => {
    const sql = windowsSql([perf(windows.current), perf(windows.baseline)])?.sql ?? '';
    const from = (t: string) => sql.split(`FROM ${t} `).length - 1;
    // The drift dimensions and TTFT come from the narrow drift family (0047, 0050).
    expect([from('llm_calls'), from('llm_drift_1m'), from('llm_drift_1h')]).toEqual([1, 1, 1]);
    expect(from('llm_perf_1m') + from('llm_perf_1h')).toBe(0);
    // The rollups' rows are merged by the outer GROUP BY only; llm_calls' are grouped (calls).
    const union = sql.slice(sql.indexOf(' FROM (') + 7, sql.lastIndexOf(') GROUP BY '));
    const selects = union.split('\nUNION ALL\n');
    expect(selects).toHaveLength(3);
    expect(selects.map((s) => /FROM llm_calls /.test(s) === / GROUP BY /.test(s))).toEqual(
      selects.map(() => true),
    );
  });

  it('the drift family answers every window as llm_calls does (fails if the rollup disagrees)', async () => {
    const dims = ['provider', 'model', 'region', 'capacity_tier'];
    const spans: { from: Date; to: Date }[] = [
      windows.current,
      windows.baseline,
      // Whole hours and days, ragged at both ends: minutes, hours and days of the family, raw edges.
      { from: new Date(END - 9 * 24 * HOUR - 17_300), to: new Date(END - HOUR - 42_100) },
      trailingWindows(new Date(END), 15 * MIN, 24 * HOUR).baseline,
    ];
    for (const w of spans) {
      for (const groupBy of [dims, ['model'], ['provider', 'capacity_tier']]) {
        const read: Read = { ...perf(w), dims: groupBy };
        expect(planRead({ ...read, source: 'rollup' }).family?.name).toBe('drift');
        const rollup = await readRows(storage, { ...read, source: 'rollup' });
        expect(rollup.length).toBeGreaterThan(0);
        expect(canonicalRows(rollup)).toEqual(
          canonicalRows(await readRows(storage, { ...read, source: 'raw' })),
        );
      }
    }
    // Every call the perf minutes hold is in the family's minutes, hours and days (the cascades).
    const sums = await storage.query<{ t: string; a: string; n: string }>(
      `SELECT 'm' AS t, toString(sum(attempts)) AS a, toString(sumMap(ttft_h)) AS n FROM llm_drift_1m
       UNION ALL SELECT 'h', toString(sum(attempts)), toString(sumMap(ttft_h)) FROM llm_drift_1h
       UNION ALL SELECT 'd', toString(sum(attempts)), toString(sumMap(ttft_h)) FROM llm_drift_1d
       UNION ALL SELECT 'p', toString(sum(attempts)), toString(sumMap(ttft_h)) FROM llm_perf_1m`,
    );
    const [p] = sums.filter((r) => r.t === 'p');
    expect(Number(p?.a)).toBeGreaterThan(0);
    for (const r of sums) expect([r.a, r.n]).toEqual([p?.a, p?.n]);
  });

  it('joins adjacent ranges of one table and tests each row against window starts only', () => {
    const aligned = trailingWindows(new Date(END - 3 * HOUR), HOUR, 24 * HOUR);
    const sql = windowsSql([cache(aligned.current), cache(aligned.baseline)])?.sql ?? '';
    const hours = (ms: number) => `toDateTime(${ms / 1000}, 'UTC')`;
    const [from, to] = [aligned.baseline.from.getTime(), aligned.current.to.getTime()];
    expect(sql).toContain(`WHERE hour >= ${hours(from)} AND hour < ${hours(to)} GROUP BY`);
    const split = aligned.current.from.getTime();
    expect(sql).toContain(`toUInt8(multiIf(hour >= ${hours(split)}, 0, 1)) AS read_index`);
  });

  it('is not used for overlapping windows, other shapes, or reads grouping nothing', () => {
    const { current, baseline } = windows;
    const wide = { from: baseline.from, to: current.to };
    expect(windowsSql([perf(current), perf(wide)])).toBeUndefined();
    expect(windowsSql([perf(current), cache(baseline)])).toBeUndefined();
    expect(
      windowsSql([
        { ...perf(current), dims: [] },
        { ...perf(baseline), dims: [] },
      ]),
    ).toBe(undefined);
    expect(windowsSql([perf(current), perf(baseline)])).toBeDefined();
  });

  it('gives each window the rows it has read alone, overlapping or not, from rollups or raw', async () => {
    const { current, baseline } = windows;
    const overlap = { from: new Date(baseline.to.getTime() - HOUR), to: current.to };
    // On the hour: both windows from the hour tables, adjacent (one range, one window test).
    const aligned = trailingWindows(new Date(END - 3 * HOUR), HOUR, 24 * HOUR);
    // A gap between the windows: a row of the gap must be in neither.
    const gapped = { from: new Date(current.from.getTime() + 2 * MIN), to: current.to };
    for (const source of ['rollup', 'raw'] as const) {
      for (const make of [perf, cache]) {
        for (const pair of [
          [current, baseline],
          [overlap, baseline],
          [aligned.current, aligned.baseline],
          [gapped, baseline],
        ]) {
          const reads = pair.map((w) => ({ ...make(w), source }));
          const together = await readMany(storage, reads);
          const alone = await Promise.all(reads.map((r) => readRows(storage, r)));
          expect(alone[0]!.length, `${source} ${reads[0]!.subject}`).toBeGreaterThan(0);
          expect(together.map(canonicalRows)).toEqual(alone.map(canonicalRows));
        }
      }
    }
  });

  it('drift and cache regressions over ragged windows equal the raw answer', async () => {
    const thresholds = {
      warning_median_ratio: 1.2,
      critical_p95_ratio: 1.5,
      min_current_samples: 5,
      min_baseline_samples: 20,
    };
    const drift = await queryTtftDrift(storage, { ...windows, thresholds, source: 'rollup' });
    expect(drift.some((r) => r.current.count > 0 && r.baseline.count > 0)).toBe(true);
    expect(drift).toEqual(await queryTtftDrift(storage, { ...windows, thresholds, source: 'raw' }));
    const config = { alpha: 0.01, min_samples: 5, min_drop_pct_points: 1 };
    const hourly = trailingWindows(NOW, HOUR, 24 * HOUR);
    const regressions = await queryCacheRegressions(storage, { ...hourly, config });
    expect(regressions.length).toBeGreaterThan(0);
    expect(regressions).toEqual(
      await queryCacheRegressions(storage, { ...hourly, config, source: 'raw' }),
    );
  });
});
