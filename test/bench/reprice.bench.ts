// npm run bench:reprice — `reprice` on an embedded store: BENCH_CALLS calls (default 100000) over
// three days priced with an old overlay (one model in ten unpriced), then re-priced with a new
// one. Prints the time of a dry run, a real run (rewrites every call: all prices changed) and a
// second run (nothing to change, rollups rebuilt again), each as a ratio to the baseline measured
// in the same run: reading the same rows back (readStoredCalls), the floor any re-pricing pays.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyCall, type LlmCall } from '../../src/collector/call.js';
import { callRow } from '../../src/storage/rows.js';
import { loadCatalog, priceCall, createRepricer } from '../../src/pricing/index.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { repriceRange } from '../../src/storage/reprice.js';
import { readStoredCalls } from '../../src/storage/stored-calls.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const DAY = 86_400_000;
const D = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;
const RANGE = { from: new Date(D), to: new Date(D + 3 * DAY) };

function overlay(entries: Record<string, [number, number]>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'llm-finops-bench-reprice-')), 'prices.json');
  const body: Record<string, unknown> = {};
  for (const [m, [i, o]] of Object.entries(entries))
    body[m] = {
      litellm_provider: 'openai',
      mode: 'chat',
      input_cost_per_token: i,
      output_cost_per_token: o,
    };
  writeFileSync(file, JSON.stringify(body));
  return file;
}

const time = async <T>(fn: () => Promise<T>): Promise<[number, T]> => {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
};

async function main(): Promise<void> {
  const storage = await createStorage({
    database: 'default',
    dataDir: mkdtempSync(join(tmpdir(), 'llm-finops-bench-reprice-store-')),
  });
  await migrate(storage, { ttl_days: 400 });
  const old = loadCatalog({ pricesFile: overlay({ 'zz-bench-a': [1e-6, 2e-6] }) });
  const next = loadCatalog({
    pricesFile: overlay({ 'zz-bench-a': [1.5e-6, 2e-6], 'zz-bench-b': [3e-6, 4e-6] }),
  });
  const rows: string[] = [];
  for (let i = 0; i < CALLS; i++) {
    const startNs = BigInt(D + Math.floor((i * 3 * DAY) / CALLS)) * 1_000_000n;
    const call: LlmCall = {
      ...emptyCall(),
      call_id: `b${i}`,
      trace_id: `t${i}`,
      span_id: `s${i}`,
      kind: 'inference',
      tenant: `tenant-${i % 50}`,
      route: `/r${i % 20}`,
      provider: 'openai',
      request_model: i % 10 === 0 ? 'zz-bench-b' : 'zz-bench-a',
      start_time_ns: startNs,
      end_time_ns: startNs + 500_000_000n,
      duration_ms: 500,
      input_tokens: 1000 + (i % 500),
      output_tokens: 100 + (i % 50),
    };
    rows.push(callRow(priceCall(old, call)));
    if (rows.length === 20_000) await storage.insert('llm_calls', rows.splice(0).join('\n'));
  }
  if (rows.length > 0) await storage.insert('llm_calls', rows.join('\n'));
  const price = createRepricer(next);

  const [read] = await time(() => readStoredCalls(storage, RANGE.from, RANGE.to));
  const [dry, d] = await time(() => repriceRange(storage, { ...RANGE, dryRun: true, price }));
  const [real, r] = await time(() => repriceRange(storage, { ...RANGE, dryRun: false, price }));
  const [again, a] = await time(() => repriceRange(storage, { ...RANGE, dryRun: false, price }));
  const line = (name: string, ms: number, extra: string): string =>
    `${name.padEnd(28)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${(ms / read).toFixed(2).padStart(6)}x read  ${extra}`;
  process.stdout.write(
    [
      `reprice, ${CALLS} calls over 3 days (embedded chDB)`,
      line('baseline: read the rows', read, ''),
      line('dry run', dry, `changed ${d.changed}, newly priced ${d.newlyPriced}, delta ${d.delta}`),
      line(
        'real run (all changed)',
        real,
        `changed ${r.changed}, rebuilt ${r.rebuilt.length} tables`,
      ),
      line('second run (none changed)', again, `changed ${a.changed}, delta ${a.delta}`),
      '',
    ].join('\n'),
  );
  await storage.close();
}

await main();
