// npm run bench:cost-model — what the cost model (reservations applied at query time) costs a
// /v1/costs question, against the read it replaced, in the same run on the same data.
// Generates BENCH_ROWS calls (default 2M) over 30 days in embedded chDB (analytics-gen.ts: dep-0
// and dep-1 are provisioned), then times, median of BENCH_REPEAT runs after one warm-up (round-robin across variants):
//   baseline      the pre-model read: buildCostSql (rollups + raw edges), one SQL query
//   raw           the question asked of llm_calls with no split at all (one GROUP BY over the
//                 range's rows): a lower bound of the raw-table answer, so `raw / engine` is the
//                 least the model gains over reading raw rows (goal 3: >= 10x)
//   no-reservations  queryCosts without reservations (one read, rows merged in JS)
//   reservations  queryCosts with two reservations on dep-0 and dep-1 active all 30 days, the hours
//                 split in JS (`split: 'js'`, the reference: every group-hour read out, per
//                 reservation) and in the engine (cost-model-sql.ts: both reservations and their
//                 covered measures in one query, only output rows come back), with the
//                 closed-day split cache (cost-model-cache.ts) warm, as a repeated question finds
//                 it, and cold (cleared before every run: the first question after a restart)
// and prints ms and the ratio to the baseline for group_by=tenant and group_by=route, wall clock
// and CPU (this process's, which includes the embedded engine's threads: on a shared 2-core
// machine the wall clock follows the other processes' load, the CPU much less). The rollups are
// merged once after generation (OPTIMIZE FINAL), as background merges leave them in production.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearSplitCache } from '../../src/analytics/queries/cost-model-cache.js';
import { buildCostSql, queryCosts, type CostQuery } from '../../src/analytics/queries/costs.js';
import { parseConfig } from '../../src/shared/config.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { DAYS, generate, settleRollups } from './analytics-gen.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 2_000_000);
// BENCH_BASE_SRC: a src/ tree of an earlier commit (`git archive <commit> src | tar -x -C .tmp/base`):
// its queryCosts (engine split) is timed in the same rounds, for a before/after in one run.
const BASE_SRC = process.env.BENCH_BASE_SRC;
const baseCosts: typeof queryCosts | undefined =
  BASE_SRC === undefined
    ? undefined
    : (
        (await import(join(process.cwd(), BASE_SRC, 'analytics/queries/costs.ts'))) as {
          queryCosts: typeof queryCosts;
        }
      ).queryCosts;
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const HOUR = 3_600_000;
// BENCH_DATA: a directory to keep the generated calls in and reuse on the next run (its end.txt
// holds the series' end): 10M calls take minutes to generate, and A/B rounds want the same data.
const DATA = process.env.BENCH_DATA;
const reuse = DATA !== undefined && existsSync(join(DATA, 'end.txt'));
const END = reuse
  ? Number(readFileSync(join(DATA, 'end.txt'), 'utf8'))
  : Math.floor(Date.now() / HOUR) * HOUR;
// The clock of every question: five minutes into the hour after the data, as a live system asks
// shortly after its last calls (a reused data set's age would otherwise close every hour).
const NOW = new Date(END + 5 * 60_000);
const FROM = new Date(END - DAYS * 86_400_000 + 17_300);
const TO = new Date(END - 42_100);

// BENCH_SKIP=js,cold: leave out the JS split and the cold question (seconds of CPU each, whose
// garbage and engine work spill into the next variant's CPU) for a cleaner cached A/B.
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter((x) => x !== ''));
const skipped = async (): Promise<undefined> => undefined;

/** The same question of llm_calls, without reservations (analytics.bench.ts' raw costs read). */
const rawSql = (dim: string): string =>
  `SELECT ${dim}, count() AS calls, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
      sum(cost_total) AS cost_usd, sum(list_cost) AS list_cost_usd, countIf(NOT priced) AS unpriced_calls
    FROM llm_calls WHERE start_time >= fromUnixTimestamp64Milli(toInt64(${FROM.getTime()}), 'UTC')
      AND start_time < fromUnixTimestamp64Milli(toInt64(${TO.getTime()}), 'UTC') AND kind IN ('inference', 'embeddings')
    GROUP BY ${dim}`;
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
async function medians(
  fns: readonly (() => Promise<unknown>)[],
): Promise<{ wall: number; cpu: number }[]> {
  for (const fn of fns) await fn();
  const walls = fns.map((): number[] => []);
  const cpus = fns.map((): number[] => []);
  for (let i = 0; i < REPEAT; i++)
    for (const [k, fn] of fns.entries()) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fn();
      walls[k]?.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpus[k]?.push((c.user + c.system) / 1000);
    }
  const median = (ts: number[]): number => ts.sort((a, b) => a - b)[Math.floor(ts.length / 2)] ?? 0;
  return walls.map((w, k) => ({ wall: median(w), cpu: median(cpus[k] ?? []) }));
}

async function run(storage: QueryRunner): Promise<void> {
  for (const dim of ['tenant', 'route'] as const) {
    const q: CostQuery = { from: FROM, to: TO, groupBy: [dim], now: NOW };
    const { sql, params } = buildCostSql(q);
    const zero = { wall: 0, cpu: 0 };
    const engineQ: CostQuery = { ...q, reservations: RESERVATIONS, split: 'engine' };
    const [base = zero, raw = zero, plain = zero, js = zero, reserved = zero, cold = zero, before] =
      await medians([
        () => storage.query(sql, params),
        () => storage.query(rawSql(dim)),
        () => queryCosts(storage, q),
        SKIP.has('js')
          ? skipped
          : () => queryCosts(storage, { ...q, reservations: RESERVATIONS, split: 'js' }),
        () => queryCosts(storage, engineQ),
        SKIP.has('cold')
          ? skipped
          : () => {
              clearSplitCache(storage);
              return queryCosts(storage, engineQ);
            },
        ...(baseCosts !== undefined ? [() => baseCosts(storage, engineQ)] : []),
      ]);
    const line = (name: string, t: { wall: number; cpu: number }): string =>
      (name.includes('JS split') && SKIP.has('js')) || (name.endsWith('cold') && SKIP.has('cold'))
        ? `  ${name.padEnd(38)} skipped`
        : `  ${name.padEnd(38)} ${t.wall.toFixed(1).padStart(8)} ms  ${(t.wall / base.wall).toFixed(2)}x baseline` +
          `  | cpu ${t.cpu.toFixed(1).padStart(8)} ms  ${(t.cpu / base.cpu).toFixed(2)}x`;
    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(', ');
    process.stdout.write(
      `group_by=${dim} (${DAYS} days, ${ROWS.toLocaleString()} calls; load average ${load})\n`,
    );
    process.stdout.write(`${line('baseline (buildCostSql, one query)', base)}\n`);
    process.stdout.write(`${line('raw llm_calls GROUP BY, no split', raw)}\n`);
    process.stdout.write(`${line('queryCosts, no reservations', plain)}\n`);
    process.stdout.write(`${line('2 reservations x 720 h, JS split', js)}\n`);
    process.stdout.write(`${line('2 reservations x 720 h, engine, cached', reserved)}\n`);
    process.stdout.write(`${line('2 reservations x 720 h, engine, cold', cold)}\n`);
    if (before !== undefined) {
      process.stdout.write(`${line(`engine split at ${BASE_SRC}`, before)}\n`);
      process.stdout.write(
        `  this tree ${(before.wall / reserved.wall).toFixed(2)}x faster than ${BASE_SRC} (cpu ${(before.cpu / reserved.cpu).toFixed(2)}x)\n`,
      );
    }
    if (!SKIP.has('js'))
      process.stdout.write(
        `  engine split ${(js.wall / reserved.wall).toFixed(2)}x faster than the JS split (cpu ${(js.cpu / reserved.cpu).toFixed(2)}x)\n`,
      );
    const ranked: [string, { wall: number; cpu: number }][] = [
      ['engine split (closed days cached)', reserved],
      ...(SKIP.has('cold') ? [] : [['engine split, cold', cold] as [string, typeof cold]]),
    ];
    for (const [name, t] of ranked)
      process.stdout.write(
        `  ${name} vs raw: ${(raw.wall / t.wall).toFixed(2)}x faster (cpu ${(raw.cpu / t.cpu).toFixed(2)}x); ` +
          `< 300 ms: ${t.wall < 300 ? 'yes' : 'NO'}, >= 10x raw: ${raw.wall / t.wall >= 10 ? 'yes' : 'NO'}\n`,
      );
  }
}

const dir = DATA ?? mkdtempSync(join(tmpdir(), 'llm-finops-bench-cost-model-'));
if (DATA !== undefined) mkdirSync(DATA, { recursive: true });
const storage = await createStorage({ database: 'default', dataDir: DATA ? join(dir, 'db') : dir });
try {
  if (!reuse) {
    await migrate(storage, { ttl_days: 400 });
    await generate(storage, ROWS, END, ROWS, () => undefined);
    await settleRollups(storage, DATA ? join(dir, 'db') : dir, 'current');
    if (DATA !== undefined) writeFileSync(join(DATA, 'end.txt'), String(END));
  }
  process.stdout.write(`${reuse ? 'reused' : 'generated'} ${ROWS.toLocaleString()} calls\n`);
  await run(storage);
} finally {
  await storage.close();
  if (DATA === undefined) rmSync(dir, { recursive: true, force: true });
}
