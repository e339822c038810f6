// npx tsx test/bench/panels-ab.ts — the Grafana panels migration 0041 moved off llm_calls_1m,
// timed in their old form (test/fixtures/grafana-calls-1m-panels.json) and their new one on the
// same data in the same run. The data: the first BENCH_ROWS (3M) rows of a BENCH_SERIES-row month
// (100M: the per-minute density of the 100M run), generated with llm_calls_1m put back
// (analytics-gen.ts `calls-1m`), so both forms read what they would read at that density. Windows:
// the last BENCH_PANEL_HOURS (6, 24) hours of the generated rows. Budget panels are left out: they
// read the period up to now(), and only their current hour moved. Median of BENCH_REPEAT (5).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { expandGrafanaSql, panelIntervalMs } from '../helpers/grafana-macros.js';
import { DAYS, generate, settleRollups } from './analytics-gen.js';
import { resolveVariables, type Variable } from './analytics-panels.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 3_000_000);
const SERIES = Number(process.env.BENCH_SERIES ?? 100_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const WINDOWS = (process.env.BENCH_PANEL_HOURS ?? '6,24').split(',').map(Number);
const HOUR = 3_600_000;
const END = Math.floor(Date.now() / HOUR) * HOUR;
/** Where the generated rows end: the first ROWS of SERIES rows spread over DAYS days. */
const DATA_END = END - DAYS * 24 * HOUR + Math.floor((DAYS * 24 * HOUR * ROWS) / SERIES);

type Fixture = Record<string, { panels: Record<string, { title: string; rawSql: string }> }>;
interface Dashboard {
  panels: { id: number; interval?: string; targets?: { rawSql: string }[] }[];
  templating: { list: Variable[] };
}

/** Median wall and CPU ms (the process's CPU: chDB runs in it) of REPEAT runs after a warm-up. */
async function median(run: () => Promise<unknown>): Promise<Timing> {
  await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await run();
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1000);
  }
  const mid = (xs: number[]): number => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return { wall: mid(wall), cpu: mid(cpu) };
}

type Timing = { wall: number; cpu: number };
const pair = (a: Timing, b: Timing): string =>
  `${a.wall.toFixed(1).padStart(7)} -> ${b.wall.toFixed(1).padStart(7)} (${(a.wall / b.wall).toFixed(2)}x); ${a.cpu.toFixed(1).padStart(7)} -> ${b.cpu.toFixed(1).padStart(7)} (${(a.cpu / b.cpu).toFixed(2)}x)`;

async function main(): Promise<void> {
  const fixture = JSON.parse(
    readFileSync(new URL('../fixtures/grafana-calls-1m-panels.json', import.meta.url), 'utf8'),
  ) as Fixture;
  const dir = mkdtempSync(join(tmpdir(), 'bench-panels-'));
  const storage = await createStorage({ database: 'default', dataDir: dir });
  try {
    await migrate(storage, { ttl_days: 400 });
    const t0 = performance.now();
    await generate(storage, ROWS, END, 1_000_000, () => undefined, 'calls-1m', { series: SERIES });
    await settleRollups(storage, dir, 'calls-1m');
    console.log(
      `panels-ab  rows=${ROWS.toLocaleString()} of a ${SERIES.toLocaleString()}-row month, generated in ${((performance.now() - t0) / 1000).toFixed(0)} s  load ${loadavg()[0]!.toFixed(2)}`,
    );
    console.log(
      `${'window'.padEnd(6)} ${'dashboard / panel'.padEnd(56)} wall ms old -> new (old/new); CPU ms old -> new (old/new)`,
    );
    for (const hours of WINDOWS) {
      const to = new Date(DATA_END - 7 * 60_000);
      const from = new Date(to.getTime() - hours * HOUR);
      const sum = { oldWall: 0, newWall: 0, oldCpu: 0, newCpu: 0 };
      for (const [file, { panels }] of Object.entries(fixture)) {
        if (file === 'budgets.json') continue;
        const dash = JSON.parse(
          readFileSync(new URL(`../../dashboards/${file}`, import.meta.url), 'utf8'),
        ) as Dashboard;
        const vars = await resolveVariables(storage, dash, from, to);
        for (const [id, p] of Object.entries(panels)) {
          const panel = dash.panels.find((x) => x.id === Number(id))!;
          const ctx = {
            from,
            to,
            intervalMs: panelIntervalMs(from, to, panel.interval),
            variables: vars,
          };
          const before = await median(() => storage.query(expandGrafanaSql(p.rawSql, ctx)));
          const after = await median(() =>
            storage.query(expandGrafanaSql(panel.targets![0]!.rawSql, ctx)),
          );
          sum.oldWall += before.wall;
          sum.newWall += after.wall;
          sum.oldCpu += before.cpu;
          sum.newCpu += after.cpu;
          const name = `${file.replace('.json', '')} / ${p.title}`.slice(0, 56);
          console.log(`${`${hours} h`.padEnd(6)} ${name.padEnd(56)} ${pair(before, after)}`);
        }
      }
      console.log(
        `${`${hours} h`.padEnd(6)} ${'all moved panels (sums)'.padEnd(56)} ${pair({ wall: sum.oldWall, cpu: sum.oldCpu }, { wall: sum.newWall, cpu: sum.newCpu })}  load ${loadavg()[0]!.toFixed(2)}`,
      );
    }
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
