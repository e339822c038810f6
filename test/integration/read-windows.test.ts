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
import type { Read } from '../../src/storage/planner/plan.js';
import { readMany, readRows } from '../../src/storage/planner/read.js';
import { windowsSql } from '../../src/storage/planner/sql.js';
import type { QueryRunner, Row } from '../../src/storage/runner.js';
import { generateSql } from '../bench/analytics-gen.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const END = Math.floor(Date.now() / HOUR) * HOUR;
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

/** Rows sorted, measures as text. */
const canonical = (rows: Row[]): string[] =>
  rows.map((r) => JSON.stringify(Object.entries(r).sort())).sort();

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
  it('one SELECT per table for a ragged current and baseline window', () => {
    const sql = windowsSql([perf(windows.current), perf(windows.baseline)])?.sql ?? '';
    const from = (t: string) => sql.split(`FROM ${t} `).length - 1;
    expect([from('llm_calls'), from('llm_perf_1m'), from('llm_perf_1h')]).toEqual([1, 1, 1]);
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
          expect(together.map(canonical)).toEqual(alone.map(canonical));
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
