// npm run bench:analytics-gen — CPU per generated row through every materialized view, several
// generation setups side by side in the same run (each in its own process and data directory, the
// first is the baseline). Knobs: BENCH_ROWS (2M), BENCH_SERIES (rows of the month the generated
// rows are the first of, default BENCH_ROWS; 100000000 = the density of the 100M run), BENCH_VARIANTS (comma list, default the four
// generation setups; `profile` = what each view of llm_calls costs a row: the rows alone first,
// then the projection and each view on its own, then everything; see analytics-gen.ts; a variant
// ending `+lanesN` settles its rollups on N connections at once, default BENCH_SETTLE_LANES or 2;
// BENCH_CHUNK rows an INSERT, default a third of BENCH_ROWS).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import {
  generate,
  rollupCheck,
  settleRollups,
  GENERATION_MODES,
  PROFILE_MODES,
  SETTING_VARIANTS,
  SETTLE_LANES,
  type GenerationMode,
} from './analytics-gen.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 2_000_000);
// The first ROWS rows of a SERIES-row month: the density per minute of a run of that size.
const SERIES = Number(process.env.BENCH_SERIES ?? ROWS);
// Rows per generating INSERT (BENCH_CHUNK; bench:analytics inserts 10M at a time).
const CHUNK = Number(process.env.BENCH_CHUNK ?? Math.ceil(ROWS / 3));
const END = Math.floor(Date.now() / 3_600_000) * 3_600_000;

/**
 * `mode`, `mode@settings` (a SETTING_VARIANTS name), either with `+lanesN`: the rollups settled on
 * N connections at once (default SETTLE_LANES).
 */
async function child(variant: string): Promise<void> {
  const [generation, lanesText] = variant.split('+lanes') as [string, string | undefined];
  const lanes = lanesText === undefined ? SETTLE_LANES : Number(lanesText);
  if (!(lanes >= 1)) throw new Error(`BENCH_VARIANTS: +lanes takes a count >= 1 (${variant})`);
  const [mode, named] = generation.split('@') as [GenerationMode, string | undefined];
  const settings = named === undefined ? undefined : SETTING_VARIANTS[named];
  if (named !== undefined && settings === undefined)
    throw new Error(
      `BENCH_VARIANTS: no settings named ${named} (${Object.keys(SETTING_VARIANTS).join(', ')})`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'bench-gen-'));
  const storage = await createStorage({ database: 'default', dataDir: dir });
  try {
    await migrate(storage, { ttl_days: 400 });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await generate(storage, ROWS, END, CHUNK, () => undefined, mode, {
      series: SERIES,
      ...(settings !== undefined ? { settings } : {}),
    });
    const genCpu = process.cpuUsage(cpu0);
    const genWall = performance.now() - t0;
    const s0 = performance.now();
    await settleRollups(storage, dir, mode, lanes);
    const settleWallMs = performance.now() - s0;
    const all = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    // Every rollup of the views still attached must have seen every row of its subject.
    const { fills } = await rollupCheck(storage);
    const unfilled = fills
      .filter((f) => f.counted !== f.expected && f.counted > 0)
      .map((f) => f.table);
    const us = (c: NodeJS.CpuUsage): number => c.user + c.system;
    console.log(
      JSON.stringify({
        mode: variant,
        genCpuUs: us(genCpu),
        allCpuUs: us(all),
        genWallMs: genWall,
        settleWallMs,
        wallMs,
        unfilled,
      }),
    );
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Result {
  mode: string;
  genCpuUs: number;
  allCpuUs: number;
  genWallMs: number;
  settleWallMs: number;
  wallMs: number;
  unfilled: string[];
}

function main(): void {
  const asked = process.env.BENCH_VARIANTS ?? GENERATION_MODES.join(',');
  const wanted = asked === 'profile' ? PROFILE_MODES : asked.split(',');
  console.log(
    `bench:analytics-gen  rows=${ROWS.toLocaleString()} of a ${SERIES.toLocaleString()}-row month  load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const self = fileURLToPath(import.meta.url);
  const results: Result[] = [];
  for (const mode of wanted) {
    const out = execFileSync(process.execPath, [...process.execArgv, self, '--child', mode], {
      encoding: 'utf8',
    });
    const line = out.trim().split('\n').pop() ?? '';
    results.push(JSON.parse(line) as Result);
    const r = results.at(-1)!;
    const base = results[0]!;
    console.log(
      `${mode.padEnd(30)} generation ${(r.genCpuUs / ROWS).toFixed(1).padStart(5)} µs CPU a row (${(r.genWallMs / 1000).toFixed(1)} s wall); with the rollups settled ${(r.allCpuUs / ROWS).toFixed(1).padStart(5)} µs a row (${(r.wallMs / 1000).toFixed(1)} s wall, settling ${(r.settleWallMs / 1000).toFixed(1)} s wall, ${((r.allCpuUs - r.genCpuUs) / 1e6).toFixed(1)} s CPU); ${(base.allCpuUs / r.allCpuUs).toFixed(2)}x the baseline, ${((r.allCpuUs - base.allCpuUs) / ROWS).toFixed(1)} µs a row over it, wall ${(base.wallMs / r.wallMs).toFixed(2)}x  load ${loadavg()[0]!.toFixed(2)}${r.unfilled.length > 0 ? `  PARTLY FILLED: ${r.unfilled.join(', ')}` : ''}`,
    );
  }
}

if (process.argv[2] === '--child') await child(process.argv[3] ?? '');
else main();
