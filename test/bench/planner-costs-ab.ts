// BENCH_BASE=<commit> BENCH_DIR=<kept bench:analytics dir> BENCH_END_MS=<its end=> npx tsx
// test/bench/planner-costs-ab.ts — tenant-scoped /v1/costs (queryCosts, no reservations) of this
// tree against another commit's on the same stored data, in one process, and the same question
// read from llm_calls by its tenant-first key beside them (this tree with
// storage.planner.raw_tenant_calls above any tenant: every read raw). Median wall and CPU ms of
// BENCH_REPEAT runs (7), base / after / raw alternating; answers compared (base = after = raw).
// TENANTS (t0,t250), GROUP_BY (route), RANGE_DAYS (30).
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStorage } from '../../src/storage/client.js';
import { configurePlanner } from '../../src/storage/planner/tenant-size.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { baseDir } from './planner-base.js';

const REPEAT = Number(process.env.BENCH_REPEAT ?? 7);
const DAY = 86_400_000;
type Costs = (s: QueryRunner, q: object) => Promise<unknown>;

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
  const END = Number(process.env.BENCH_END_MS);
  if (!Number.isFinite(END)) throw new Error("set BENCH_END_MS to the kept run's end=");
  const load = async (root: string): Promise<Costs> =>
    (await import(join(root, 'src/analytics/queries/costs.ts'))).queryCosts as Costs;
  const [base, after] = await Promise.all([
    load(baseDir()),
    load(new URL('../../', import.meta.url).pathname),
  ]);
  const storage = await createStorage({ database: 'default', dataDir: dir });
  // The raw read: the same store under another runner object whose threshold no tenant reaches.
  const raw: QueryRunner = { ...storage };
  configurePlanner(raw, { rawTenantCalls: Number.MAX_SAFE_INTEGER });
  // RANGE_DAYS (30): a shorter range with the same ragged ends, for data holding the last days only.
  const days = Number(process.env.RANGE_DAYS ?? 30);
  const range = { from: new Date(END - days * DAY + 17_300), to: new Date(END - 42_100) };
  const groupBy = (process.env.GROUP_BY ?? 'route').split(',');
  const f = (x: [number, number]) =>
    `${x[0].toFixed(1).padStart(7)} /${x[1].toFixed(1).padStart(7)}`;
  const avg = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  console.log(
    `load ${avg}; median of ${REPEAT}; ms wall / ms CPU; base / after / raw; raw/after (CPU)`,
  );
  for (const tenant of (process.env.TENANTS ?? 't0,t250').split(',')) {
    const q = { ...range, groupBy, tenant };
    const b = await measure(() => base(storage, q));
    const a = await measure(() => after(storage, q));
    const r = await measure(() => after(raw, q));
    const json = async (fn: () => Promise<unknown>) => JSON.stringify(await fn());
    const [jb, ja, jr] = await Promise.all([
      json(() => base(storage, q)),
      json(() => after(storage, q)),
      json(() => after(raw, q)),
    ]);
    const same = `${jb === ja ? 'same' : 'DIFFERS'}/${ja === jr ? 'same' : 'DIFFERS'}`;
    console.log(
      `${tenant} costs ${groupBy.join(',')} (${days}d)`.padEnd(30),
      f(b),
      f(a),
      f(r),
      `${(a[1] / b[1]).toFixed(2)}x`,
      `${(r[1] / a[1]).toFixed(1)}x`,
      same,
    );
  }
  console.log(
    `load ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  await storage.close();
}

await main();
