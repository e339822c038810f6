// npm run bench:analytics — every analytics question at production scale, through its rollups and
// on the raw table, in the same run.
// 1. Generates BENCH_ROWS calls (default 100M) over 30 days inside embedded chDB (analytics-gen.ts);
//    the materialized views fill every rollup; checks that each rollup saw every row.
// 2. Times each query function (rollups, raw edges) and the same question with source 'raw'
//    (llm_calls only): median of BENCH_REPEAT runs after one warm-up. Prints ms, the ratio and
//    whether each meets the goals: < 300 ms and >= 10x faster than raw.
// Knobs: BENCH_ROWS, BENCH_CHUNK (rows per INSERT, 10M), BENCH_REPEAT (3), BENCH_DIR (a temp dir,
// deleted afterwards unless BENCH_KEEP=1). A subset: BENCH_CASES (comma list of words; a question
// is timed when its name contains one), BENCH_TENANTS (default t0,t250; empty: none), BENCH_PANELS=0.
// BENCH_TAIL_DAYS=N generates only the last N days of the BENCH_ROWS month (its density per minute):
// the short-window questions (drift, regressions) then read what they read at BENCH_ROWS.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { queryCacheRegressions } from '../../src/analytics/queries/cache-regressions.js';
import { queryCache } from '../../src/analytics/queries/cache.js';
import {
  queryCapacity,
  queryCapacityRecommendation,
} from '../../src/analytics/queries/capacity.js';
import { queryCosts } from '../../src/analytics/queries/costs.js';
import { queryTtftDrift, trailingWindows } from '../../src/analytics/queries/drift.js';
import { queryLatency } from '../../src/analytics/queries/latency.js';
import { queryOutcomeSpend } from '../../src/analytics/queries/outcomes-spend.js';
import { queryReliability } from '../../src/analytics/queries/reliability.js';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { migrate } from '../../src/storage/migrate.js';
import { DAYS, generate, rollupCheck, settleRollups, SETTLE_LANES } from './analytics-gen.js';
import { threadCpuSeconds, topThreads } from './proc-cpu.js';
import { CACHE, DRIFT, SLOS, TARGETS } from './analytics-config.js';
import { timePanels } from './analytics-panels.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000_000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 10_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);
const ONLY = process.env.BENCH_CASES?.split(',').filter((w) => w !== '');
const picked = (name: string): boolean => ONLY === undefined || ONLY.some((w) => name.includes(w));
const TENANTS = (process.env.BENCH_TENANTS ?? 't0,t250').split(',').filter((t) => t !== '');
const KEEP = process.env.BENCH_KEEP === '1';
const TAIL_DAYS = Number(process.env.BENCH_TAIL_DAYS ?? 0);
const FIRST = TAIL_DAYS > 0 ? Math.floor((ROWS * (DAYS - TAIL_DAYS)) / DAYS) : 0;
/** Rows this run generates (all of them, or the tail). */
const MADE = ROWS - FIRST;
// Grafana panels over the dashboards' default range (the last 6 hours) unless told otherwise.
const PANEL_HOURS = Number(process.env.BENCH_PANEL_HOURS ?? 6);
const HOUR = 3_600_000;
// BENCH_REUSE=1 with the BENCH_DIR of a kept run times the questions again without generating;
// BENCH_END_MS (that run's `end=`) puts the windows on its data.
const REUSE = process.env.BENCH_REUSE === '1';
const END = Number(process.env.BENCH_END_MS ?? Math.floor(Date.now() / HOUR) * HOUR);
// Ragged edges, as a dashboard would ask: the raw edges and minute rollups take part.
const FROM = new Date(END - DAYS * 86_400_000 + 17_300);
const TO = new Date(END - 42_100);
type Source = 'auto' | 'raw';
interface Case {
  name: string;
  /** Asked for one tenant: judged with the tenant section, not the unscoped questions. */
  tenantScoped?: true;
  run: (storage: QueryRunner, source: Source) => Promise<unknown>;
}

async function rawCosts(storage: QueryRunner, dim: string, tenant?: string): Promise<unknown> {
  // The same question as queryCosts(group_by=dim[, tenant]) asked of llm_calls directly.
  return storage.query(
    `SELECT ${dim}, count() AS calls, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
        sum(cost_total) AS cost_usd, sum(list_cost) AS list_cost_usd, countIf(NOT priced) AS unpriced_calls
      FROM llm_calls WHERE start_time >= fromUnixTimestamp64Milli(toInt64(${FROM.getTime()}), 'UTC')
        AND start_time < fromUnixTimestamp64Milli(toInt64(${TO.getTime()}), 'UTC') AND kind IN ('inference', 'embeddings')
        ${tenant !== undefined ? 'AND tenant = {tenant:String}' : ''}
      GROUP BY ${dim} ORDER BY cost_usd DESC`,
    tenant !== undefined ? { tenant } : {},
  );
}

const drift = trailingWindows(new Date(END), 15 * 60_000, 86_400_000);
const cacheWindows = trailingWindows(new Date(END), HOUR, 86_400_000);
const range = { from: FROM, to: TO };
const CASES: Case[] = [
  {
    name: 'latency group_by=provider,model (30d)',
    run: (s, source) =>
      queryLatency(s, { ...range, groupBy: ['provider', 'model'], slos: SLOS, source }),
  },
  {
    name: 'latency group_by=route (30d)',
    run: (s, source) => queryLatency(s, { ...range, groupBy: ['route'], slos: SLOS, source }),
  },
  {
    name: 'ttft drift window=15m baseline=24h',
    run: (s, source) => queryTtftDrift(s, { ...drift, thresholds: DRIFT, source }),
  },
  { name: 'cache (30d)', run: (s, source) => queryCache(s, { ...range, source }) },
  {
    name: 'cache regressions window=1h baseline=24h',
    run: (s, source) => queryCacheRegressions(s, { ...cacheWindows, config: CACHE, source }),
  },
  {
    name: 'reliability group_by=provider,deployment (30d)',
    run: (s, source) =>
      queryReliability(s, { ...range, groupBy: ['provider', 'deployment'], source }),
  },
  {
    name: 'capacity (30d, 2 deployments)',
    run: (s, source) => queryCapacity(s, { ...range, targets: TARGETS, source }),
  },
  {
    name: 'capacity recommendation (30d)',
    run: (s, source) => queryCapacityRecommendation(s, { ...range, targets: TARGETS, source }),
  },
  {
    name: 'costs group_by=route (30d) [queryCosts]',
    run: (s, source) =>
      source === 'raw' ? rawCosts(s, 'route') : queryCosts(s, { ...range, groupBy: ['route'] }),
  },
  {
    name: 'costs group_by=tenant (30d, 500 tenants)',
    run: (s, source) =>
      source === 'raw' ? rawCosts(s, 'tenant') : queryCosts(s, { ...range, groupBy: ['tenant'] }),
  },
  {
    name: 'costs tenant=t0 group_by=route (30d)',
    tenantScoped: true,
    run: (s, source) =>
      source === 'raw'
        ? rawCosts(s, 'route', 't0')
        : queryCosts(s, { ...range, groupBy: ['route'], tenant: 't0' }),
  },
];

async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const runs: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    await fn();
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)] ?? NaN;
}

/** Questions no rollup answers (the links are per call): wall ms, median of BENCH_REPEAT. */
async function printRawOnly(storage: QueryRunner): Promise<void> {
  const spend = (hours: number) => () =>
    queryOutcomeSpend(storage, {
      from: new Date(END - hours * HOUR),
      to: new Date(END),
      windowHours: 24,
      groupBy: 'feature',
    });
  const cases: [string, () => Promise<unknown>][] = [
    ['outcome spend group_by=feature (6h)', spend(6)],
    ['outcome spend group_by=feature (24h)', spend(24)],
  ];
  const chosen = cases.filter(([name]) => picked(name));
  if (chosen.length > 0) console.log('read raw by design (window 24 h before each outcome):');
  for (const [name, run] of chosen)
    console.log(`  ${name.padEnd(40)} ${(await time(run)).toFixed(1).padStart(8)} ms`);
}

async function printPanels(storage: QueryRunner): Promise<void> {
  const to = TO;
  const from = new Date(to.getTime() - PANEL_HOURS * HOUR);
  console.log(
    `\nGrafana panels (SQL macro-expanded, variables at their defaults, last ${PANEL_HOURS} h); raw = the same SQL with each rollup replaced by its view's SELECT over llm_calls`,
  );
  console.log(
    `${'dashboard'.padEnd(18)} ${'panel'.padEnd(52)} ${'ms'.padStart(8)} ${'raw ms'.padStart(9)} ${'ratio'.padStart(8)}  <500ms`,
  );
  const timings = await timePanels(storage, from, to, REPEAT);
  for (const t of timings) {
    const ratio = Number.isNaN(t.rawMs) ? '-' : `${(t.rawMs / t.ms).toFixed(1)}x`;
    const raw = Number.isNaN(t.rawMs) ? '-' : t.rawMs.toFixed(1);
    console.log(
      `${t.dashboard.padEnd(18)} ${t.panel.slice(0, 52).padEnd(52)} ${t.ms.toFixed(1).padStart(8)} ${raw.padStart(9)} ${ratio.padStart(8)}  ${t.ms < 500 ? 'yes' : 'NO'}`,
    );
  }
  const slow = timings.filter((t) => t.ms >= 500);
  const worst = timings.reduce((a, b) => (b.ms > a.ms ? b : a), timings[0]!);
  console.log(
    `panels under 500 ms: ${timings.length - slow.length} of ${timings.length}; slowest ${worst.dashboard} / ${worst.panel} ${worst.ms.toFixed(1)} ms`,
  );
}

async function main(): Promise<void> {
  const dir = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'bench-analytics-'));
  console.log(`bench:analytics  rows=${ROWS.toLocaleString()}  days=${DAYS}  dir=${dir}`);
  const storage = await createStorage({ database: 'default', dataDir: dir });
  try {
    await migrate(storage, { ttl_days: 400 });
    const g0 = performance.now();
    const cpu0 = process.cpuUsage();
    // Which threads the setup's CPU goes to: the views run on the insert's pipeline threads, the
    // background merges of llm_calls (and its projection) on the merge pool.
    const threads0 = threadCpuSeconds(process.pid);
    console.log(`end=${END}${REUSE ? ' (reused, not generated)' : ''}`);
    if (!REUSE)
      await generate(
        storage,
        ROWS,
        END,
        CHUNK,
        (done) => {
          process.stdout.write(
            `  generated ${done.toLocaleString()} rows in ${((performance.now() - g0) / 1000).toFixed(1)} s\n`,
          );
        },
        'current',
        { first: FIRST },
      );
    const genSeconds = (performance.now() - g0) / 1000;
    const genCpu = process.cpuUsage(cpu0);
    const load = loadavg()[0]!.toFixed(1);
    const threadsGen = threadCpuSeconds(process.pid);
    const o0 = performance.now();
    if (!REUSE) await settleRollups(storage, dir, 'current');
    const optSeconds = (performance.now() - o0) / 1000;
    const setupCpu = process.cpuUsage(cpu0);
    // CPU seconds of this process (chDB runs in it): what the generation costs on a machine whose
    // cores it shares; CPU / cores is the wall time it needs with the cores to itself.
    const cpuSeconds = (genCpu.user + genCpu.system) / 1e6;
    const setupCpuSeconds = (setupCpu.user + setupCpu.system) / 1e6;
    // A reused month was generated by an earlier run: its setup figures are in that run's log.
    if (REUSE) console.log('generation: none (BENCH_REUSE: the month is reused as it is)');
    else
      console.log(
        `generation: ${genSeconds.toFixed(1)} s wall (${Math.round(MADE / genSeconds).toLocaleString()} rows/s, all materialized views), ${cpuSeconds.toFixed(1)} s CPU (${((cpuSeconds / MADE) * 1e6).toFixed(1)} µs a row); OPTIMIZE FINAL of the rollups (their merges deferred to it; ${SETTLE_LANES} tables at a time): ${optSeconds.toFixed(1)} s; setup total ${(genSeconds + optSeconds).toFixed(1)} s wall, ${setupCpuSeconds.toFixed(1)} s CPU (${((setupCpuSeconds / MADE) * 1e6).toFixed(1)} µs a row; goal at 100M: 600 s); load ${load}`,
      );
    if (!REUSE) {
      const threadsSet = threadCpuSeconds(process.pid);
      console.log(`  generation by thread, µs a row: ${topThreads(threads0, threadsGen, MADE)}`);
      console.log(`  settling by thread, µs a row: ${topThreads(threadsGen, threadsSet, MADE)}`);
    }
    const check = await rollupCheck(storage);
    console.log(
      `\n${'rollup'.padEnd(24)} ${'family'.padEnd(16)} ${'rows'.padStart(13)}  rows/raw  filled`,
    );
    for (const f of check.fills)
      console.log(
        `${f.table.padEnd(24)} ${f.family.padEnd(16)} ${f.rows.toLocaleString().padStart(13)}  ${(f.rows / check.raw).toFixed(4).padStart(8)}  ${f.counted === f.expected ? 'yes' : `NO (${f.counted} of ${f.expected})`}`,
      );
    const filled = check.fills.every((f) => f.counted === f.expected);
    console.log(`rollups filled: ${filled ? 'yes' : 'NO'}`);
    console.log(
      `\n${'question'.padEnd(50)} ${'rollup ms'.padStart(10)} ${'raw ms'.padStart(10)} ${'ratio'.padStart(8)}  <300ms  >=10x`,
    );
    let allOk = true;
    for (const c of CASES.filter((x) => picked(x.name))) {
      const fast = await time(() => c.run(storage, 'auto'));
      const raw = await time(() => c.run(storage, 'raw'));
      const ratio = raw / fast;
      const ok = fast < 300 && ratio >= 10;
      // A tenant-scoped case sits in this table (its raw side is the same statement), but its
      // verdict is the tenant section's, not the unscoped one.
      if (c.tenantScoped !== true) allOk &&= ok;
      console.log(
        `${c.name.padEnd(50)} ${fast.toFixed(1).padStart(10)} ${raw.toFixed(1).padStart(10)} ${ratio.toFixed(1).padStart(7)}x  ${fast < 300 ? 'yes' : 'NO '}     ${ratio >= 10 ? 'yes' : 'NO'}`,
      );
    }
    // Tenant scope: whole days (hours, minutes) from the tenant-first families, partial units from
    // llm_calls by its tenant-first sort key; "raw" is llm_calls by the sort key alone.
    for (const tenant of TENANTS) {
      const [count] = await storage.query<{ v: string }>(
        `SELECT count() AS v FROM llm_calls WHERE tenant = {t:String}`,
        { t: tenant },
      );
      console.log(`tenant ${tenant} (${Number(count?.v ?? 0).toLocaleString()} rows):`);
      const scoped: [string, (source: Source) => Promise<unknown>][] = [
        [
          'latency group_by=route',
          (source) =>
            queryLatency(storage, { ...range, groupBy: ['route'], slos: SLOS, tenant, source }),
        ],
        [
          'ttft drift window=15m baseline=24h',
          (source) => queryTtftDrift(storage, { ...drift, thresholds: DRIFT, tenant, source }),
        ],
        [
          'reliability group_by=provider,deployment',
          (source) =>
            queryReliability(storage, {
              ...range,
              groupBy: ['provider', 'deployment'],
              tenant,
              source,
            }),
        ],
        ['cache', (source) => queryCache(storage, { ...range, tenant, source })],
        [
          'cache regressions',
          (source) =>
            queryCacheRegressions(storage, { ...cacheWindows, config: CACHE, tenant, source }),
        ],
        [
          'capacity (2 deployments)',
          (source) => queryCapacity(storage, { ...range, targets: TARGETS, tenant, source }),
        ],
        [
          'costs group_by=route',
          (source) =>
            source === 'raw'
              ? rawCosts(storage, 'route', tenant)
              : queryCosts(storage, { ...range, groupBy: ['route'], tenant }),
        ],
      ];
      for (const [name, run] of scoped.filter(([n]) => picked(n))) {
        const fast = await time(() => run('auto'));
        const raw = await time(() => run('raw'));
        console.log(
          `  ${name.padEnd(40)} ${fast.toFixed(1).padStart(8)} ms, raw by sort key ${raw.toFixed(1).padStart(8)} ms (${(raw / fast).toFixed(1)}x)`,
        );
      }
    }
    await printRawOnly(storage);
    console.log(`\nall unscoped questions meet both goals: ${allOk ? 'yes' : 'NO'}`);
    if (process.env.BENCH_PANELS !== '0') await printPanels(storage);
  } finally {
    await storage.close();
    if (!KEEP && process.env.BENCH_DIR === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
