// Cache hit rates and regressions, capacity and the provisioning recommendation on real chDB,
// with expected numbers computed here from the seed.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/analytics/http/app.js';
import { createAnalyticsServices } from '../../src/analytics/services.js';
import { queryCache } from '../../src/analytics/queries/cache.js';
import { parseConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { hourStartMs } from '../helpers/clock.js';

let t: TestRuntime;
let server: Server;
let api: string;
const HOUR = 3_600_000;
const MIN = 60_000;
const NOW = new Date(hourStartMs() - 24 * HOUR);
const iso = (ms: number) => new Date(ms).toISOString();

// Capacity: K = 10 tokens/min per unit, pi = 1e-6 $/token, so a unit-minute is worth 1e-5 $ of
// on-demand tokens; u* = 0.3 <=> 0.3 * 1e-5 * 60 $ per unit-hour.
const PI = 1e-6;
const K = 10;
const PERF = {
  cache: { alpha: 0.01, min_samples: 100 },
  capacity: {
    deployments: [
      {
        deployment: 'ptu-east',
        units: 50,
        tokens_per_minute_per_unit: K,
        weights: { input: 1, cached_input: 0, cache_write: 1, output: 1 },
        on_demand_price_per_converted_token: String(PI),
        terms: {
          '1-month': (0.3 * PI * K * 60).toFixed(8),
          hourly: (1.5 * PI * K * 60).toFixed(8),
        },
      },
    ],
  },
};

type Row = Record<string, unknown>;
const rows: Row[] = [];
function call(ms: number, fields: Row): void {
  rows.push({
    call_id: `c${rows.length}`,
    trace_id: `t${rows.length}`,
    kind: 'inference',
    status: 'ok',
    tenant: 'acme',
    attempt: 1,
    start_time: new Date(ms).toISOString().replace('T', ' ').replace('Z', ''),
    duration_ms: 100,
    ...fields,
  });
}
// App cache, baseline [NOW-25h, NOW-1h) and current [NOW-1h, NOW):
//   /faq: 1000 lookups 600 hits -> 500 lookups 200 hits (significant); prompt v1 -> v2.
//   /docs: 1000 lookups 600 hits -> 100 lookups 55 hits (a drop, not significant at 0.01).
function lookups(
  route: string,
  fromMs: number,
  spanMs: number,
  n: number,
  hits: number,
  version: string,
): void {
  for (let i = 0; i < n; i++) {
    const hit = i < hits;
    call(fromMs + Math.floor((i * spanMs) / n), {
      route,
      cache_layer: 'response',
      cache_hit: hit,
      prompt_version: version,
      model: 'gpt-4o',
      input_tokens: hit ? 0 : 1000,
      cache_read_tokens: hit ? 0 : i % 2 === 0 ? 800 : 0,
    });
  }
}
lookups('/faq', NOW.getTime() - 25 * HOUR, 24 * HOUR - MIN, 1000, 600, 'v1');
lookups('/faq', NOW.getTime() - HOUR, HOUR - MIN, 500, 200, 'v2');
lookups('/docs', NOW.getTime() - 25 * HOUR, 24 * HOUR - MIN, 1000, 600, 'd1');
lookups('/docs', NOW.getTime() - HOUR, HOUR - MIN, 100, 55, 'd1');

// Capacity series over 100 minutes from C0: minute m demands 10*m converted tokens. Minutes
// 90..99 are served 500 on ptu-east and the rest spills to paygo-east (fallback_from ptu-east).
const C0 = NOW.getTime() - 10 * HOUR;
for (let m = 1; m < 100; m++) {
  const d = 10 * m;
  const served = m >= 90 ? 500 : d;
  call(C0 + m * MIN + 1000, {
    deployment: 'ptu-east',
    capacity_tier: 'provisioned',
    input_tokens: served,
    route: '/cap',
  });
  if (d > served)
    call(C0 + m * MIN + 2000, {
      deployment: 'paygo-east',
      capacity_tier: 'on_demand',
      fallback_from: 'ptu-east',
      input_tokens: d - served,
      route: '/cap',
    });
}
call(C0 + 5 * MIN, {
  deployment: 'ptu-east',
  capacity_tier: 'provisioned',
  status: 'error',
  http_status: 429,
  route: '/cap',
});

beforeAll(async () => {
  t = await startTestRuntime({ performance: PERF });
  await t.runtime.storage.insert('llm_calls', rows.map((r) => JSON.stringify(r)).join('\n'));
  const app = createApp({
    ...createAnalyticsServices({
      storage: t.runtime.storage,
      logger: createLogger('warn'),
      config: parseConfig({ performance: PERF }),
      now: () => NOW,
    }),
    checkResponses: true,
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.runtime.stop();
});

/** Phi(-z) by Simpson integration of the density: independent of the code under test. */
function upperTail(z: number): number {
  const f = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  const n = 20_000;
  const a = z;
  const b = z + 40;
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += f(a + i * h) * (i % 2 === 0 ? 2 : 4);
  return (s * h) / 3;
}
function pooledZ(x1: number, n1: number, x2: number, n2: number): number {
  const p = (x1 + x2) / (n1 + n2);
  return (x1 / n1 - x2 / n2) / Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
}

describe('GET /v1/cache', () => {
  it('reports hit rate per route and layer and the prompt-cache token share', async () => {
    const res = await getJson<{ app_cache: Row[]; prompt_cache: Row[] }>(
      `${api}/v1/cache?from=${iso(NOW.getTime() - 25 * HOUR)}&to=${iso(NOW.getTime())}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.app_cache.find((r) => r.route === '/faq')).toEqual({
      route: '/faq',
      cache_layer: 'response',
      lookups: 1500,
      hits: 800,
      hit_rate: Number((800 / 1500).toFixed(6)),
    });
    // /faq misses: baseline 400 (i = 600..999, 200 even), current 300 (i = 200..499, 150 even).
    const faq = res.body.prompt_cache.find((r) => r.route === '/faq');
    expect(faq).toMatchObject({
      model: 'gpt-4o',
      calls: 700,
      calls_with_cache_read: 350,
      input_tokens: 700_000,
      cache_read_tokens: 280_000,
      token_share: 0.4,
    });
    const fromRaw = await queryCache(t.runtime.storage, {
      from: new Date(NOW.getTime() - 25 * HOUR),
      to: NOW,
      source: 'raw',
    });
    expect(res.body).toMatchObject(JSON.parse(JSON.stringify(fromRaw)));
  });
});

describe('GET /v1/cache/regressions', () => {
  it('flags the significant drop, names the new prompt version, and not the insignificant one', async () => {
    const res = await getJson<{ rows: Row[] }>(
      `${api}/v1/cache/regressions?window=1h&baseline=24h`,
    );
    expect(res.status).toBe(200);
    const faq = res.body.rows.find((r) => r.route === '/faq' && r.cache === 'app') as Row;
    const zFaq = pooledZ(600, 1000, 200, 500);
    expect(faq.status).toBe('regression');
    expect(Number(faq.z)).toBeCloseTo(zFaq, 4);
    expect(faq.new_prompt_versions).toEqual(['v2']);
    expect(faq.drop_pct_points).toBe(20);
    const docs = res.body.rows.find((r) => r.route === '/docs' && r.cache === 'app') as Row;
    const zDocs = pooledZ(600, 1000, 55, 100);
    expect(upperTail(zDocs)).toBeGreaterThan(0.01);
    expect(Number(docs.p_value)).toBeCloseTo(upperTail(zDocs), 4);
    expect(docs.status).toBe('ok');
    expect(docs.new_prompt_versions).toEqual([]);
    // Prompt cache on /faq: 200/400 calls read cache in the baseline, 150/300 now: no drop.
    const prompt = res.body.rows.find((r) => r.route === '/faq' && r.cache === 'prompt') as Row;
    expect(prompt.status).toBe('ok');
  });

  it('answers 400 for a bad window', async () => {
    const res = await getJson<{ parameter: string }>(`${api}/v1/cache/regressions?window=0m`);
    expect(res.status).toBe(400);
    expect(res.body.parameter).toBe('window');
  });
});

describe('GET /v1/capacity', () => {
  it('reports utilization, spillover and demand quantiles per provisioned deployment', async () => {
    const res = await getJson<{ rows: Row[] }>(
      `${api}/v1/capacity?from=${iso(C0)}&to=${iso(C0 + 100 * MIN)}`,
    );
    expect(res.status).toBe(200);
    const row = res.body.rows.find((r) => r.deployment === 'ptu-east') as Row &
      Record<string, Record<string, number>>;
    const demand = Array.from({ length: 100 }, (_, m) => 10 * m);
    const q = (p: number) => demand[Math.floor(p * 99)];
    expect(row.capacity_tpm).toBe(500);
    expect(row.minutes).toBe(100);
    expect(row.demand_tpm).toMatchObject({ p10: q(0.1), p50: q(0.5), p90: q(0.9), peak: 990 });
    expect(row.base_load_tpm).toBe(q(0.1));
    // Served: 10m up to minute 89 (a burst over capacity), then 500; utilization = served / 500.
    expect(row.utilization?.peak).toBe(890 / 500);
    expect(row.utilization?.minutes_at_or_above_100pct).toBe(50); // minutes 50..99
    expect(row).toMatchObject({
      served_calls: 99,
      spilled_calls: 10,
      spillover_share: Number((10 / 109).toFixed(6)),
      rate_limited: 1,
    });
  });

  it('recommends N* at the (1 - u*) quantile and says when a term is not a cost win', async () => {
    const res = await getJson<{ rows: { terms: Row[]; best_term: string }[] }>(
      `${api}/v1/capacity/recommendation?from=${iso(C0)}&to=${iso(C0 + 100 * MIN)}`,
    );
    expect(res.status).toBe(200);
    const rec = res.body.rows[0];
    const month = rec?.terms.find((r) => r.term === '1-month') as Row;
    // Cost(N)/(pi K) = 30 N + (99-N)(100-N)/2 on d_m = 10 m: minimized at N = 69 or 70 (tie), 2535.
    expect(month.demand_quantile).toBeCloseTo(0.7, 9);
    expect([69, 70]).toContain(month.units);
    expect(Number(month.cost_usd)).toBeCloseTo(2535 * PI * K, 9);
    expect(Number(month.cost_on_demand_usd)).toBeCloseTo(PI * 10 * 4950, 9);
    expect(Number(month.savings_usd)).toBeCloseTo(PI * 10 * 4950 - 2535 * PI * K, 9);
    const hourly = rec?.terms.find((r) => r.term === 'hourly') as Row;
    expect(hourly).toMatchObject({ cost_win: false, units: 0 });
    expect(String(hourly.verdict)).toMatch(/not a cost win/);
    expect(rec?.best_term).toBe('1-month');
  });

  it('answers 400 for a range over 92 days or a bad timestamp', async () => {
    const long = await getJson<{ parameter: string }>(
      `${api}/v1/capacity?from=${iso(C0 - 100 * 86_400_000)}&to=${iso(C0)}`,
    );
    expect([long.status, long.body.parameter]).toEqual([400, 'to']);
    const bad = await getJson<{ parameter: string }>(`${api}/v1/capacity/recommendation?from=nope`);
    expect([bad.status, bad.body.parameter]).toEqual([400, 'from']);
    // Found by the API fuzz test: a `to` at the edge of JavaScript's Date range made the default
    // 30-day window an invalid Date and the answer a 500.
    const edge = await getJson<{ parameter: string }>(
      `${api}/v1/capacity/recommendation?to=${encodeURIComponent('-271821-05-19T23:59:59.999Z')}`,
    );
    expect([edge.status, edge.body.parameter]).toEqual([400, 'to']);
    const far = await getJson<{ parameter: string }>(
      `${api}/v1/capacity/recommendation?to=2400-01-01T00:00:00Z`,
    );
    expect([far.status, far.body.parameter]).toEqual([400, 'to']);
  });
});
