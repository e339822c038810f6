// BENCH_BASE=<commit> npm run bench:ingest-js-ab — the collector's JavaScript path per span
// (test/bench/ingest-js.ts: decode -> normalize -> attribution -> pricing -> insert body, engine
// excluded) of this tree against another commit's, in one process, the same encoded requests,
// rounds alternating before/after so a load spike on this shared machine hits both alike. Prints
// CPU µs/span per round, the medians and the after/before ratio with its spread.
//
// The base is a detached worktree under .tmp/ (it resolves this repo's node_modules), as
// bench:pricing does; BENCH_BASE_DIR=<dir> uses a checkout already made instead. The base must
// have test/bench/ingest-js.ts. Knobs: BENCH_SPANS (per round, default 100000), BENCH_ROUNDS (6).
// Both copies live in one heap, so absolute figures run higher than ingest-js.ts alone; the ratio
// is the figure.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { measureJsPath } from './ingest-js.js';
import { makeSpans } from './spans.js';

type Measure = typeof measureJsPath;

const ROOT = new URL('../../', import.meta.url).pathname;
const SPANS = Number(process.env.BENCH_SPANS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);

function baseDir(): string {
  if (process.env.BENCH_BASE_DIR !== undefined) return process.env.BENCH_BASE_DIR;
  const base = process.env.BENCH_BASE;
  if (base === undefined) throw new Error('set BENCH_BASE=<commit> (or BENCH_BASE_DIR=<dir>)');
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', base);
  const dir = join(ROOT, '.tmp', `ingest-base-${commit.slice(0, 12)}`);
  if (!existsSync(dir)) git('worktree', 'add', '--detach', dir, commit);
  return dir;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const range = (xs: number[], d = 1): string =>
  `${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)}`;

async function main(): Promise<void> {
  const dir = baseDir();
  const before = (
    (await import(join(dir, 'test/bench/ingest-js.ts'))) as { measureJsPath: Measure }
  ).measureJsPath;
  const requests: Uint8Array[] = [];
  for (let i = 0; i < SPANS; i += 500)
    requests.push(encodeProtoRequest(makeSpans(Math.min(500, SPANS - i))));
  console.log(`collector JS path, ${SPANS} spans/round, ${ROUNDS} rounds; base = ${dir}`);
  const olds: number[] = [];
  const news: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const [a, b] = r % 2 === 0 ? [before, measureJsPath] : [measureJsPath, before];
    const first = (await a(requests, 2)).cpuUsPerSpan;
    const second = (await b(requests, 2)).cpuUsPerSpan;
    const [o, n] = r % 2 === 0 ? [first, second] : [second, first];
    olds.push(o);
    news.push(n);
    ratios.push(n / o);
    console.log(
      `  round ${r + 1}: before ${o.toFixed(1)} µs/span cpu, after ${n.toFixed(1)}, ratio ${(n / o).toFixed(2)}`,
    );
  }
  console.log(
    `  median: before ${median(olds).toFixed(1)} µs/span (${range(olds)}), after ${median(news).toFixed(1)} (${range(news)}); ratio ${median(ratios).toFixed(2)} (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)})`,
  );
}

await main();
