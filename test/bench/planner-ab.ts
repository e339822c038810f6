// BENCH_BASE=<commit> BENCH_DIR=<kept bench:analytics dir> BENCH_END_MS=<its end=> npx tsx
// test/bench/planner-ab.ts — the performance questions of this tree against another commit's on the
// same stored data, in one process and one engine, and the raw answer (llm_calls only) beside them:
// median wall and CPU ms of BENCH_REPEAT runs (default 7), base / after / raw alternating per
// question. CPU is the process's (chDB runs in it): on this shared machine it moves far less with
// the load than wall time does, so the after/base and raw/after ratios are read in CPU.
// Make the data with `BENCH_KEEP=1 BENCH_DIR=<dir> npm run bench:analytics` (it prints end=).
// The base is a detached worktree under .tmp/ (as bench:ingest-js-ab); BENCH_BASE_DIR=<dir> uses
// one already made. TENANTS (default t0,t250) are the tenant scopes timed after the unscoped ones
// (UNSCOPED=0: only them; every question a tenant can scope is timed per tenant; ROLLUP=1 adds
// the tenant's read from the rollups whatever its size);
// CASES=capacity,drift,... times only those questions. RANGE_DAYS (default 30) shortens the 30-day
// questions' range (same ragged ends) for data holding only the last days of a month.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { TARGETS } from './analytics-config.js';
import { baseDir } from './planner-base.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const REPEAT = Number(process.env.BENCH_REPEAT ?? 7);
const HOUR = 3_600_000;
const DAY = 86_400_000;

type Queries = Record<string, (storage: QueryRunner, query: never) => Promise<unknown>>;

async function queries(root: string): Promise<Queries> {
  const q = (m: string) => import(join(root, 'src/analytics/queries', m));
  const [latency, drift, cache, regressions, reliability, capacity] = await Promise.all(
    [
      'latency.ts',
      'drift.ts',
      'cache.ts',
      'cache-regressions.ts',
      'reliability.ts',
      'capacity.ts',
    ].map(q),
  );
  return {
    latency: latency.queryLatency,
    drift: drift.queryTtftDrift,
    cache: cache.queryCache,
    regressions: regressions.queryCacheRegressions,
    reliability: reliability.queryReliability,
    capacity: capacity.queryCapacity,
    recommendation: capacity.queryCapacityRecommendation,
  };
}

/** The same answer: compared as JSON (the questions' rows are in a deterministic order). */
const same = async (a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<string> =>
  JSON.stringify(await a()) === JSON.stringify(await b()) ? 'same' : 'DIFFERS';

async function measure(fn: () => Promise<unknown>): Promise<[number, number]> {
  await fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const med = (a: number[]) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
  return [med(wall), med(cpu)];
}

async function main(): Promise<void> {
  const dir = process.env.BENCH_DIR;
  if (dir === undefined) throw new Error('set BENCH_DIR to a kept bench:analytics data directory');
  const END = Number(process.env.BENCH_END_MS ?? Math.floor(Date.now() / HOUR) * HOUR);
  const base = await queries(baseDir());
  const after = await queries(ROOT);
  const storage = await createStorage({ database: 'default', dataDir: dir });
  const days = Number(process.env.RANGE_DAYS ?? 30);
  const range = { from: new Date(END - days * DAY + 17_300), to: new Date(END - 42_100) };
  const slos = { routes: { '/route-0': { latency_ms: 800 } }, fallback: { latency_ms: 2000 } };
  const thresholds = {
    warning_median_ratio: 1.2,
    critical_p95_ratio: 1.5,
    min_current_samples: 50,
    min_baseline_samples: 200,
  };
  const config = { alpha: 0.01, min_samples: 100, min_drop_pct_points: 1 };
  // `now` on the hour (the benchmark's end), or 42.1 s past a minute as an API call's would be.
  const window = (w: number, now = END) => ({
    current: { from: new Date(now - w), to: new Date(now) },
    baseline: { from: new Date(now - w - DAY), to: new Date(now - w) },
  });
  const ragged = END - HOUR - 42_100;
  const targets = TARGETS;
  const cases: [string, string, object][] = [
    [
      `latency provider,model (${days}d)`,
      'latency',
      { ...range, groupBy: ['provider', 'model'], slos },
    ],
    [`latency route (${days}d)`, 'latency', { ...range, groupBy: ['route'], slos }],
    ['ttft drift 15m / 24h', 'drift', { ...window(15 * 60_000), thresholds }],
    [`cache (${days}d)`, 'cache', range],
    ['cache regressions 1h / 24h', 'regressions', { ...window(HOUR), config }],
    ['ttft drift 15m / 24h, ragged now', 'drift', { ...window(15 * 60_000, ragged), thresholds }],
    ['cache regressions 1h / 24h, ragged now', 'regressions', { ...window(HOUR, ragged), config }],
    [
      `reliability provider,deployment (${days}d)`,
      'reliability',
      { ...range, groupBy: ['provider', 'deployment'] },
    ],
    [`capacity (${days}d)`, 'capacity', { ...range, targets }],
    [`capacity recommendation (${days}d)`, 'recommendation', { ...range, targets }],
  ];
  const f = (x: [number, number]) =>
    `${x[0].toFixed(1).padStart(7)} /${x[1].toFixed(1).padStart(7)}`;
  console.log(
    `load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; median of ${REPEAT}; ms wall / ms CPU`,
  );
  console.log(
    `${'question'.padEnd(44)} ${'base'.padStart(16)} ${'after'.padStart(16)} ${'raw'.padStart(16)}  after/base  raw/after (CPU)  answers base=after/after=raw`,
  );
  const tenants = (process.env.TENANTS ?? 't0,t250').split(',').filter((t) => t !== '');
  const only = process.env.CASES?.split(',');
  const unscoped = process.env.UNSCOPED !== '0';
  for (const tenant of [...(unscoped ? [undefined] : []), ...tenants]) {
    if (tenant !== undefined) {
      const [n] = await storage.query<{ n: string }>(
        `SELECT count() AS n FROM llm_calls WHERE tenant = {t:String} AND start_time >= fromUnixTimestamp64Milli(${range.from.getTime()}, 'UTC') AND start_time < fromUnixTimestamp64Milli(${range.to.getTime()}, 'UTC')`,
        { t: tenant },
      );
      console.log(`tenant ${tenant}: ${Number(n?.n).toLocaleString()} calls in the ${days} days`);
    }
    for (const [name, fn, query] of cases) {
      if (only !== undefined && !only.includes(fn)) continue;
      const q = { ...query, ...(tenant !== undefined ? { tenant } : {}) } as never;
      const b = await measure(() => base[fn]!(storage, q));
      const a = await measure(() => after[fn]!(storage, q));
      const r = await measure(() =>
        after[fn]!(storage, { ...(q as object), source: 'raw' } as never),
      );
      const answers = `${await same(
        () => base[fn]!(storage, q),
        () => after[fn]!(storage, q),
      )}/${await same(
        () => after[fn]!(storage, q),
        () => after[fn]!(storage, { ...(q as object), source: 'raw' } as never),
      )}`;
      // ROLLUP=1: a tenant scope also read from the rollups whatever its size (what `auto` weighs).
      const forced =
        tenant !== undefined && process.env.ROLLUP === '1'
          ? await measure(() =>
              after[fn]!(storage, { ...(q as object), source: 'rollup' } as never),
            )
          : undefined;
      console.log(
        `${`${tenant ?? ''} ${name}`.padEnd(44)} ${f(b)} ${f(a)} ${f(r)}  ${(a[1] / b[1]).toFixed(2).padStart(9)}x  ${(r[1] / a[1]).toFixed(1).padStart(8)}x  ${answers}${forced !== undefined ? `  rollup ${f(forced)}` : ''}`,
      );
    }
  }
  console.log(
    `load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  await storage.close();
}

await main();
