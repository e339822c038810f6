// Migration 0050 creates TTFT drift's rollups again (llm_drift_1m / _1h / _1d, the minute table
// with 1,024-row granules) and drops 0047's llm_ttft_*: a store holding calls from before it must
// come out with the same histograms in the new tables, the same drift answer, and views that keep
// filling all three grains afterwards. One real embedded store, migrated to 0049, then the rest.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryTtftDrift, trailingWindows } from '../../src/analytics/queries/drift.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { hourStartMs } from '../helpers/clock.js';
import { migrateBefore } from '../helpers/migrate-before.js';

const HOUR = 3_600_000;
const END = hourStartMs() - 2 * HOUR + 17_000;
const thresholds = {
  warning_median_ratio: 1.2,
  critical_p95_ratio: 1.5,
  min_current_samples: 1,
  min_baseline_samples: 1,
};
let storage: QueryRunner;

/** `n` streamed calls ending at `end`, spread over ~30 hours, four drift groups. */
function calls(prefix: string, n: number, end: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const at = new Date(end - (n - i) * 4 * 60_000 - 700);
    out.push(
      JSON.stringify({
        call_id: `${prefix}${i}`,
        trace_id: `${prefix}t${i}`,
        kind: 'inference',
        status: 'ok',
        http_status: 200,
        tenant: `tenant-${i % 3}`,
        route: i % 2 === 0 ? '/chat' : '/search',
        provider: i % 4 < 2 ? 'openai' : 'anthropic',
        model: i % 2 === 0 ? 'm-large' : 'm-small',
        deployment: 'paygo',
        capacity_tier: 'on_demand',
        region: 'eastus',
        start_time: at.toISOString().replace('T', ' ').replace('Z', ''),
        duration_ms: 300 + i,
        ttft_ms: 20 + ((i * 37) % 400),
        streaming: true,
        input_tokens: 100,
        output_tokens: 20,
        cost_total: '0.001',
        attempt: 1,
      }),
    );
  }
  return out.join('\n');
}

type Sums = { t: string; rows: string; a: string; n: string }[];
/** Rows, attempts and the merged TTFT histogram of each table, by grain (`1d`, `1h`, `1m`). */
const sums = async (tables: readonly string[]): Promise<Sums> => {
  const selects = tables.map(
    (t) => `SELECT '${t.slice(-2)}' AS t, toString(count()) AS rows, toString(sum(attempts)) AS a,
      toString(sumMap(ttft_h)) AS n FROM ${t}`,
  );
  const rows = await storage.query<Sums[number]>(selects.join(' UNION ALL '));
  return rows.sort((x, y) => x.t.localeCompare(y.t));
};
const drift = (source: 'rollup' | 'raw') =>
  queryTtftDrift(storage, {
    ...trailingWindows(new Date(END), HOUR, 24 * HOUR),
    thresholds,
    source,
  });

let before: Sums;
let answer: Awaited<ReturnType<typeof queryTtftDrift>>;

beforeAll(async () => {
  storage = await createStorage({
    database: 'default',
    dataDir: mkdtempSync(join(tmpdir(), 'llm-finops-drift-')),
  });
  await migrateBefore(storage, 50);
  await storage.insert('llm_calls', calls('a', 450, END));
  before = await sums(['llm_ttft_1m', 'llm_ttft_1h', 'llm_ttft_1d']);
  // The planner reads today's catalog (llm_drift_*), so before 0050 only the raw answer exists.
  answer = await drift('raw');
  const result = await migrate(storage, { ttl_days: 400 });
  expect(result.applied[0]).toBe('0050_drift_fine_granules');
}, 120_000);
afterAll(async () => storage.close());

describe('migration 0050 (drift rollups with fine minute granules)', () => {
  it('moves every stored histogram into llm_drift_* and drops llm_ttft_*', async () => {
    expect(Number(before[0]?.a)).toBe(450);
    expect(await sums(['llm_drift_1m', 'llm_drift_1h', 'llm_drift_1d'])).toEqual(before);
    const left = await storage.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'llm_ttft%'",
    );
    expect(left).toEqual([]);
  });

  it('gives the minute table 1,024-row granules and leaves the others at the default', async () => {
    const ddl = async (t: string) =>
      (await storage.query<{ statement: string }>(`SHOW CREATE TABLE ${t}`))[0]?.statement ?? '';
    expect(await ddl('llm_drift_1m')).toMatch(/index_granularity = 1024\b/);
    expect(await ddl('llm_drift_1h')).not.toMatch(/index_granularity = 1024\b/);
  });

  it('answers TTFT drift from the new tables as llm_calls did before the migration', async () => {
    expect(answer.some((r) => r.current.count > 0 && r.baseline.count > 0)).toBe(true);
    expect(await drift('rollup')).toEqual(answer);
  });

  it('keeps filling minutes, hours and days from new calls through the views', async () => {
    await storage.insert('llm_calls', calls('b', 120, END + HOUR));
    const perf = await storage.query<{ a: string; n: string }>(
      'SELECT toString(sum(attempts)) AS a, toString(sumMap(ttft_h)) AS n FROM llm_perf_1m',
    );
    expect(Number(perf[0]?.a)).toBe(570);
    for (const r of await sums(['llm_drift_1m', 'llm_drift_1h', 'llm_drift_1d']))
      expect([r.t, r.a, r.n]).toEqual([r.t, perf[0]?.a, perf[0]?.n]);
  });
});
