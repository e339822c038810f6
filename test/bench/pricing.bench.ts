// npm run bench:pricing — pricing on the collector's hot path with the FULL price database,
// against the implementation it replaced (the hand-typed 54-entry catalog), measured in the same
// run; and catalog load at start, each in a fresh process.
//
// The old implementation is read from git: a detached worktree of the commit before the price
// database came in (the parent of the commit that deleted the hand-typed default catalog JSON;
// BENCH_BASE=<commit> to choose another) under .tmp/, so it resolves this repo's node_modules.
// Both price the same calls (same models, counts, batch size) with a warm match memo; rounds
// alternate old/new so machine load hits both alike. Prints CPU ns/call per round, the median
// ratio and its spread. Goals (issue 12): new/old <= 1.2; catalog load < 300 ms.
// Knobs: BENCH_CALLS (per round, default 200000), BENCH_ROUNDS (default 7), BENCH_LOADS (5).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { emptyCall } from '../../src/collector/call.js';
import type { LlmCall } from '../../src/collector/call.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const LOADS = Number(process.env.BENCH_LOADS ?? 5);
const BATCH = 1000;

type Processor = (calls: LlmCall[]) => LlmCall[];
interface PricingModule {
  loadCatalog(opts?: object): unknown;
  createPricingProcessor(catalog: unknown): Processor;
}

const git = (...args: string[]): string =>
  execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

function baseWorktree(): string {
  const base =
    process.env.BENCH_BASE ??
    `${git('log', '-1', '--format=%H', '--diff-filter=D', '--', 'src/pricing/default-catalog.json')}^`;
  const commit = git('rev-parse', base);
  const dir = join(ROOT, '.tmp', `pricing-base-${commit.slice(0, 12)}`);
  if (!existsSync(dir)) git('worktree', 'add', '--detach', dir, commit);
  return dir;
}

/** Models both catalogs price (the old one had 54 entries), with realistic count mixes. */
const MIX: Array<Partial<LlmCall>> = [
  { provider: 'openai', request_model: 'gpt-4o', response_model: 'gpt-4o-2024-08-06' },
  { provider: 'openai', request_model: 'gpt-4o-mini', response_model: 'gpt-4o-mini-2024-07-18' },
  { provider: 'openai', request_model: 'o4-mini', response_model: 'o4-mini-2025-04-16' },
  {
    provider: 'anthropic',
    request_model: 'claude-sonnet-4-5',
    response_model: 'claude-sonnet-4-5-20250929',
  },
  {
    provider: 'anthropic',
    request_model: 'claude-haiku-4-5',
    response_model: 'claude-haiku-4-5-20251001',
  },
  { provider: 'aws.bedrock', request_model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' },
  { provider: 'gcp.gemini', request_model: 'gemini-2.5-flash' },
  { provider: 'gcp.vertex_ai', request_model: 'gemini-2.5-pro' },
  { provider: 'azure.ai.openai', request_model: 'gpt-4o', deployment: 'prod-chat' },
  { provider: 'deepseek', request_model: 'deepseek-chat' },
];

function workload(n: number): LlmCall[][] {
  const t0 = BigInt(Date.parse('2026-11-02T09:00:00Z')) * 1_000_000n;
  const calls = Array.from({ length: n }, (_, i) => {
    const input = 500 + ((i * 7919) % 40_000);
    const cached = i % 3 === 0 ? Math.floor(input / 2) : 0;
    const output = 50 + ((i * 104_729) % 2000);
    return {
      ...emptyCall(),
      call_id: `c${i}`,
      status: 'ok' as const,
      start_time_ns: t0 + BigInt(i) * 1_000_000n,
      input_tokens: input,
      cache_read_tokens: cached,
      cache_creation_tokens: i % 11 === 0 ? 256 : 0,
      output_tokens: output,
      reasoning_tokens: i % 5 === 0 ? Math.floor(output / 2) : 0,
      ...MIX[i % MIX.length],
    };
  });
  const batches: LlmCall[][] = [];
  for (let i = 0; i < calls.length; i += BATCH) batches.push(calls.slice(i, i + BATCH));
  return batches;
}

/**
 * CPU time (user + system, this process) per call: on a shared, loaded machine wall time also
 * counts the time other processes held the cores, CPU time only ours.
 */
function nsPerCall(price: Processor, batches: LlmCall[][], n: number): number {
  let priced = 0;
  const t = process.cpuUsage();
  for (const b of batches) priced += price(b).filter((c) => c.priced).length;
  const used = process.cpuUsage(t);
  const ns = ((used.user + used.system) * 1000) / n;
  if (priced !== n)
    throw new Error(`only ${priced} of ${n} calls priced: the mix must be priceable`);
  return ns;
}

interface Load {
  importMs: number;
  loadMs: number;
  loadCpuMs: number;
}

/** Catalog load in a fresh process: import of the pricing module, then loadCatalog() (wall, CPU). */
function coldLoad(srcDir: string): Load {
  const script = `
    const t0 = performance.now();
    const m = await import(${JSON.stringify(join(srcDir, 'src/pricing/index.ts'))});
    const t1 = performance.now();
    const c = process.cpuUsage();
    m.loadCatalog({});
    const d = process.cpuUsage(c);
    const t2 = performance.now();
    process.stdout.write(JSON.stringify({ importMs: t1 - t0, loadMs: t2 - t1, loadCpuMs: (d.user + d.system) / 1000 }));`;
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return JSON.parse(out) as Load;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const f = (n: number, d = 0): string => n.toFixed(d);

async function main(): Promise<void> {
  const baseDir = baseWorktree();
  const oldMod = (await import(join(baseDir, 'src/pricing/index.ts'))) as PricingModule;
  const newMod = (await import(join(ROOT, 'src/pricing/index.ts'))) as PricingModule;
  const oldPrice = oldMod.createPricingProcessor(oldMod.loadCatalog({}));
  const newPrice = newMod.createPricingProcessor(newMod.loadCatalog({}));
  const batches = workload(CALLS);
  nsPerCall(oldPrice, batches.slice(0, 20), 20 * BATCH); // warm-up: JIT and match memos
  nsPerCall(newPrice, batches.slice(0, 20), 20 * BATCH);
  console.log(`pricing hot path: ${CALLS} calls/round in batches of ${BATCH}, ${ROUNDS} rounds`);
  console.log(`  base (old) = ${baseDir}`);
  const ratios: number[] = [];
  const olds: number[] = [];
  const news: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate the order so a load spike does not always hit the same side.
    const [a, b] = r % 2 === 0 ? [oldPrice, newPrice] : [newPrice, oldPrice];
    const first = nsPerCall(a, batches, CALLS);
    const second = nsPerCall(b, batches, CALLS);
    const [o, n] = r % 2 === 0 ? [first, second] : [second, first];
    olds.push(o);
    news.push(n);
    ratios.push(n / o);
    console.log(
      `  round ${r + 1}: old ${f(o)} CPU ns/call, new ${f(n)} CPU ns/call, ratio ${f(n / o, 2)}`,
    );
  }
  console.log(
    `  median: old ${f(median(olds))} ns/call, new ${f(median(news))} ns/call; ratio ${f(median(ratios), 2)} (min ${f(Math.min(...ratios), 2)}, max ${f(Math.max(...ratios), 2)}; goal <= 1.2)`,
  );
  console.log(`catalog load at start, fresh process each (${LOADS} runs):`);
  for (const [name, dir] of [
    ['old (54 entries)', baseDir],
    ['new (full database)', ROOT],
  ] as const) {
    const runs = Array.from({ length: LOADS }, () => coldLoad(dir));
    const spread = (xs: number[]): string =>
      `${f(median(xs))} ms (min ${f(Math.min(...xs))}, max ${f(Math.max(...xs))})`;
    console.log(
      `  ${name}: loadCatalog ${spread(runs.map((x) => x.loadMs))}, CPU ${spread(runs.map((x) => x.loadCpuMs))}; module import (tsx) ${spread(runs.map((x) => x.importMs))}${dir === ROOT ? '; goal < 300 ms' : ''}`,
    );
  }
}

await main();
