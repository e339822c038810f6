// The same question asked again gets the same answer. ClickHouse compiles an expression after it
// has run a few times (compile_expressions, min_count_to_compile_expression = 3); on chDB that JIT
// once got the cost model's Int128 arithmetic wrong on the 4th identical question (an hour over
// capacity got a negative unused part), so that query runs interpreted (cost-model-engine.test.ts
// asks it repeatedly; the API takes that path only past 100k group-hours). This audits the rest:
// every money and performance question over one mixed dataset (a reservation over and under its
// capacity, cache tokens, TTFT, failures, several tenants, two days), asked six times, each
// answer compared with the first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmCall } from '../../src/shared/call.js';
import { loadCatalog, priceCall } from '../../src/pricing/index.js';
import { callRow } from '../../src/storage/rows.js';
import { call } from '../fixtures/pricing/exact.js';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { startApp, type TestApp } from './analytics-finops-seed.js';
import { mulberry32 } from '../helpers/prng.js';

const H = 3_600_000;
const D0 = Date.UTC(2026, 9, 5); // two days of calls from here
const NOW = new Date(D0 + 2 * 24 * H);
const iso = (ms: number): string => new Date(ms).toISOString();
const catalog = loadCatalog({
  pricesFile: new URL('../fixtures/pricing/litellm-sample.json', import.meta.url).pathname,
  useDatabase: false,
});

function dataset(n: number): LlmCall[] {
  const rnd = mulberry32(20261203);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const out: LlmCall[] = [];
  for (let i = 0; i < n; i += 1) {
    const at = D0 + Math.floor(rnd() * 2 * 24 * H);
    const ns = BigInt(at) * 1_000_000n;
    const ptu = rnd() < 0.4;
    // The second day's cache hit rate falls on /search: a regression for the cache question.
    const cacheShare = at >= D0 + 24 * H && i % 3 === 0 ? 0.05 : 0.6;
    const input = 500 + Math.floor(rnd() * 20_000);
    const failed = rnd() < 0.03;
    out.push(
      priceCall(
        catalog,
        call({
          call_id: `rep-${i}`,
          span_id: `rep-${i}`,
          trace_id: `trace-${Math.floor(i / 3)}`,
          start_time_ns: ns,
          end_time_ns: ns + 2_000_000_000n,
          duration_ms: 2000,
          tenant: pick(['acme', 'globex', 'initech']),
          route: pick(['/chat', '/search', '/rank']),
          feature: pick(['chat', 'search']),
          provider: 'openai',
          request_model: pick(['gpt-4.1', 'gpt-4o']),
          deployment: ptu ? 'ptu-east' : pick(['paygo-east', 'paygo-west']),
          capacity_tier: ptu ? 'provisioned' : 'on_demand',
          region: ptu ? 'eastus' : pick(['eastus', 'westus']),
          streaming: true,
          ttft_ms: 200 + Math.floor(rnd() * (at >= D0 + 36 * H ? 4000 : 800)),
          input_tokens: input,
          cache_read_tokens: rnd() < cacheShare ? Math.floor(input * 0.7) : 0,
          output_tokens: 50 + Math.floor(rnd() * 900),
          status: failed ? 'error' : 'ok',
          error_type: failed ? '503' : '',
        }),
      ),
    );
  }
  return out;
}

const reservation = {
  name: 'ptu-east-gpt41',
  deployment: 'ptu-east',
  provider: 'openai',
  units: 2,
  price_per_unit_hour: '2.75',
  tokens_per_minute_per_unit: 2000,
  start: iso(D0 + 3 * H + 17 * 60_000),
  end: iso(D0 + 40 * H),
};

let t: TestRuntime;
let app: TestApp;
beforeAll(async () => {
  t = await startTestRuntime();
  await t.runtime.storage.insert('llm_calls', dataset(3000).map(callRow).join('\n'));
  app = await startApp(t.runtime.storage, { reservations: [reservation] }, () => NOW);
}, 120_000);
afterAll(async () => {
  await app?.close();
  await t?.runtime.stop();
});

const range = `from=${iso(D0 + 25 * 60_000)}&to=${iso(D0 + 47 * H + 10 * 60_000)}`;
// Drift and regressions compare the second day's last 12 hours with the first day.
const windows =
  `baseline_from=${iso(D0)}&baseline_to=${iso(D0 + 24 * H)}` +
  `&current_from=${iso(D0 + 36 * H)}&current_to=${iso(D0 + 48 * H)}`;
const QUESTIONS = [
  `/v1/costs?${range}`,
  `/v1/costs?${range}&group_by=tenant,route&interval=1h`,
  `/v1/costs?${range}&group_by=tenant&unused=spread`,
  `/v1/costs?${range}&tenant=acme&group_by=route`,
  `/v1/costs?${range}&group_by=deployment,capacity_tier&interval=1d`,
  `/v1/costs/provisioned?${range}`,
  `/v1/export/focus?${range}&format=csv`,
  `/v1/outcomes/spend?${range}`,
  `/v1/latency?${range}&group_by=deployment`,
  `/v1/latency?${range}&tenant=globex`,
  `/v1/ttft/drift?${windows}`,
  `/v1/ttft/drift?${windows}&tenant=acme`,
  `/v1/cache?${range}`,
  `/v1/cache?${range}&tenant=initech`,
  `/v1/cache/regressions?${windows}`,
  `/v1/capacity?${range}`,
  `/v1/capacity/recommendation?${range}`,
  `/v1/reliability?${range}&group_by=deployment`,
];

/** Answer text with the fields that name the moment of answering removed. */
async function answer(path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${app.url}${path}`);
  const text = await res.text();
  if (!(res.headers.get('content-type') ?? '').includes('json'))
    return { status: res.status, text };
  const stable = JSON.stringify(JSON.parse(text), (key, value: unknown) =>
    /^(generated_at|as_of|computed_at|took_ms|elapsed_ms)$/.test(key) ? undefined : value,
  );
  return { status: res.status, text: stable };
}

describe('asking again', () => {
  it('gives every question the same answer six times in a row (past the engine JIT threshold)', async () => {
    const differing: string[] = [];
    const refused: string[] = [];
    for (const path of QUESTIONS) {
      const first = await answer(path);
      if (first.status !== 200) refused.push(`${path}: ${first.text.slice(0, 300)}`);
      for (let i = 2; i <= 6; i += 1) {
        const again = await answer(path);
        if (again.text !== first.text) differing.push(`${path} (ask ${i})`);
      }
    }
    expect(refused).toEqual([]);
    expect(differing).toEqual([]);
  }, 240_000);

  it('asks questions that have data to answer', async () => {
    const costs = JSON.parse((await answer(`/v1/costs?${range}`)).text) as {
      rows: { effective_cost_usd: string; calls: number }[];
    };
    expect(costs.rows.reduce((a, r) => a + Number(r.calls), 0)).toBeGreaterThan(2500);
    const provisioned = JSON.parse((await answer(`/v1/costs/provisioned?${range}`)).text) as {
      reservations: unknown[];
    };
    expect(provisioned.reservations.length).toBe(1);
  });
});
