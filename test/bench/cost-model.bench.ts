// npm run bench:cost-model — what the cost model (reservations applied at query time) costs a
// /v1/costs question, against the read it replaced, in the same run on the same data.
// Generates BENCH_ROWS calls (default 2M) over 30 days in embedded chDB (analytics-gen.ts: dep-0
// and dep-1 are provisioned), then times, median of BENCH_REPEAT runs after one warm-up (round-robin across variants):
//   baseline      the pre-model read: buildCostSql (rollups + raw edges), one SQL query
//   no-reservations  queryCosts without reservations (one read, rows merged in JS)
//   reservations  queryCosts with two reservations on dep-0 and dep-1 active all 30 days, the hours
//                 split in JS (`split: 'js'`, the reference: every group-hour read out) and in
//                 the engine (the default: cost-model-sql.ts, only output rows come back)
// and prints ms and the ratio to the baseline for group_by=tenant and group_by=route.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildCostSql, queryCosts, type CostQuery } from '../../src/analytics/queries/costs.js';
import { parseConfig } from '../../src/shared/config.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { DAYS, generate } from './analytics-gen.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 2_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const HOUR = 3_600_000;
const END = Math.floor(Date.now() / HOUR) * HOUR;
const FROM = new Date(END - DAYS * 86_400_000 + 17_300);
const TO = new Date(END - 42_100);
const RESERVATIONS = parseConfig({
  finops: {
    reservations: ['dep-0', 'dep-1'].map((deployment) => ({
      deployment,
      units: 100,
      price_per_unit_hour: '1',
      tokens_per_minute_per_unit: 50_000,
      weights: { input: 1, cached_input: 0, cache_write: 1, output: 4 },
    })),
  },
}).finops.reservations;

/**
 * Medians of the variants, timed round-robin (one run of each per round, after one warm-up run
 * of each): on a shared 2-core machine the load swings within seconds, and timing one variant's
 * runs after the other's made their ratio follow the load more than the code.
 */
async function medians(fns: readonly (() => Promise<unknown>)[]): Promise<number[]> {
  for (const fn of fns) await fn();
  const times = fns.map((): number[] => []);
  for (let i = 0; i < REPEAT; i++)
    for (const [k, fn] of fns.entries()) {
      const t0 = performance.now();
      await fn();
      times[k]?.push(performance.now() - t0);
    }
  return times.map((ts) => ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)] ?? 0);
}

async function run(storage: QueryRunner): Promise<void> {
  for (const dim of ['tenant', 'route'] as const) {
    const q: CostQuery = { from: FROM, to: TO, groupBy: [dim] };
    const { sql, params } = buildCostSql(q);
    const [base = 1, plain = 0, js = 0, reserved = 1] = await medians([
      () => storage.query(sql, params),
      () => queryCosts(storage, q),
      () => queryCosts(storage, { ...q, reservations: RESERVATIONS, split: 'js' }),
      () => queryCosts(storage, { ...q, reservations: RESERVATIONS, split: 'engine' }),
    ]);
    const line = (name: string, ms: number): string =>
      `  ${name.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / base).toFixed(2)}x baseline`;
    process.stdout.write(`group_by=${dim} (${DAYS} days, ${ROWS.toLocaleString()} calls)\n`);
    process.stdout.write(`${line('baseline (buildCostSql, one query)', base)}\n`);
    process.stdout.write(`${line('queryCosts, no reservations', plain)}\n`);
    process.stdout.write(`${line('2 reservations x 720 h, JS split', js)}\n`);
    process.stdout.write(`${line('2 reservations x 720 h, engine split', reserved)}\n`);
    process.stdout.write(
      `  engine split ${(js / reserved).toFixed(2)}x faster than the JS split\n`,
    );
  }
}

const dir = mkdtempSync(join(tmpdir(), 'llm-finops-bench-cost-model-'));
const storage = await createStorage({ database: 'default', dataDir: dir });
try {
  await migrate(storage, { ttl_days: 400 });
  await generate(storage, ROWS, END, ROWS, () => undefined);
  await run(storage);
} finally {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
