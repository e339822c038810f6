// Latency / goodput, TTFT drift and reliability on real chDB: rows seeded into llm_calls (the
// materialized views fill the perf rollups), expected numbers computed here from the seed.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { createApp } from '../../src/analytics/http/app.js';
import { createAnalyticsServices } from '../../src/analytics/services.js';
import { queryLatency, sloTable } from '../../src/analytics/queries/latency.js';
import { queryReliability } from '../../src/analytics/queries/reliability.js';
import { queryTtftDrift } from '../../src/analytics/queries/drift.js';
import { planRead } from '../../src/storage/planner/plan.js';
import { createLogger } from '../../src/shared/logger.js';
import { getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { hourStartMs } from '../helpers/clock.js';

let t: TestRuntime;
let server: Server;
let api: string;
const HOUR = 3_600_000;
// Hour-aligned anchor well inside the TTL; `now` of the app is 6 h later.
const T0 = hourStartMs() - 48 * HOUR;
const NOW = new Date(T0 + 6 * HOUR);
const iso = (ms: number) => new Date(ms).toISOString();

const PERF = {
  slos: { '/chat': { latency_ms: 1000, ttft_ms: 300 } },
  default_slo: { latency_ms: 5000 },
  drift: { min_current_samples: 20, min_baseline_samples: 40 },
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
    start_time: new Date(ms).toISOString().replace('T', ' ').replace('Z', ''),
    attempt: 1,
    ...fields,
  });
}

// /chat on openai: 200 ok streams spread over 3 h, durations 100..2090 ms, TTFT 50..249 ms.
const chatDur = Array.from({ length: 200 }, (_, i) => 100 + i * 10);
const chatTtft = Array.from({ length: 200 }, (_, i) => 50 + i);
const base = {
  route: '/chat',
  provider: 'openai',
  model: 'gpt-4o',
  deployment: 'oai-east',
  region: 'eastus',
  capacity_tier: 'on_demand',
};
chatDur.forEach((d, i) =>
  call(T0 + 61_500 + i * 53_000, {
    ...base,
    duration_ms: d,
    ttft_ms: chatTtft[i],
    streaming: true,
    output_tokens: 100,
    itl_ms: 20 + (i % 10),
    cost_total: '0.001',
  }),
);
// 10 x 429 (first attempts), 10 retries (attempt 2) that errored with a partial cost, 5 fallbacks ok.
for (let i = 0; i < 10; i++)
  call(T0 + 90_000 + i * 600_000, { ...base, status: 'error', http_status: 429, duration_ms: 30 });
for (let i = 0; i < 10; i++)
  call(T0 + 95_000 + i * 600_000, {
    ...base,
    status: 'error',
    http_status: 500,
    attempt: 2,
    duration_ms: 800,
    cost_total: '0.000123',
  });
for (let i = 0; i < 5; i++)
  call(T0 + 99_000 + i * 600_000, {
    ...base,
    deployment: 'oai-west',
    fallback_from: 'oai-east',
    attempt: 1,
    duration_ms: 400,
    cost_total: '0.002',
  });
// /search on anthropic (default SLO 5000 ms): 100 non-streaming calls 3000..7950 ms, another tenant.
const searchDur = Array.from({ length: 100 }, (_, i) => 3000 + i * 50);
searchDur.forEach((d, i) =>
  call(T0 + 70_000 + i * 100_000, {
    route: '/search',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    deployment: 'anth',
    region: 'us-east-1',
    capacity_tier: 'on_demand',
    duration_ms: d,
    tenant: 'globex',
  }),
);
// Two days earlier, for the multi-day window that reads whole days from llm_perf_1d.
for (let i = 0; i < 30; i++)
  call(T0 - 50 * HOUR + i * 60_000, {
    route: '/old',
    provider: 'openai',
    model: 'gpt-4o-mini',
    deployment: 'oai-east',
    region: 'eastus',
    capacity_tier: 'on_demand',
    duration_ms: 200 + i * 30,
    ttft_ms: 40 + i,
    streaming: true,
    output_tokens: 50,
  });
// A cache hit never counts as a provider call.
call(T0 + 100_000, { ...base, cache_layer: 'response', cache_hit: true, duration_ms: 2 });

// Drift: baseline [NOW-24h15m, NOW-15m), current [NOW-15m, NOW). TTFT per model:
//   m-warn: baseline 100..199, current x1.3 (median ratio 1.3, p95 ratio 1.3) -> warning
//   m-crit: baseline 100..199, current x1.7 -> critical;  m-ok: unchanged -> ok;  m-few: 5 current samples.
const drift = (model: string, factor: number, currentN = 50) => {
  for (let i = 0; i < 100; i++)
    call(NOW.getTime() - 20 * HOUR + i * 60_000, {
      route: '/d',
      provider: 'p',
      model,
      region: 'r',
      capacity_tier: 'on_demand',
      duration_ms: 2000,
      ttft_ms: 100 + i,
      streaming: true,
    });
  for (let i = 0; i < currentN; i++)
    call(NOW.getTime() - 14 * 60_000 + i * 1000, {
      route: '/d',
      provider: 'p',
      model,
      region: 'r',
      capacity_tier: 'on_demand',
      duration_ms: 2000,
      ttft_ms: (100 + i * 2) * factor,
      streaming: true,
    });
};
drift('m-warn', 1.3);
drift('m-crit', 1.7);
drift('m-ok', 1.0);
drift('m-few', 2, 5);

beforeAll(async () => {
  t = await startTestRuntime({ performance: PERF });
  await t.runtime.storage.insert('llm_calls', rows.map((r) => JSON.stringify(r)).join('\n'));
  const config = (await import('../../src/shared/config.js')).parseConfig({ performance: PERF });
  const app = createApp({
    ...createAnalyticsServices({
      storage: t.runtime.storage,
      logger: createLogger('warn'),
      config,
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

const exactQ = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1] ?? NaN;
const near = (got: unknown, want: number, rel = 0.045) =>
  expect(Math.abs(Number(got) / want - 1)).toBeLessThanOrEqual(rel);
// A window with ragged edges so raw edges, minute and hour rollups all take part.
const FROM = T0 + 30_500;
const TO = T0 + 4 * HOUR + 17_250;

describe('GET /v1/latency', () => {
  it('reports quantiles within one bucket and goodput against the route SLO', async () => {
    const res = await getJson<{ rows: Row[] }>(
      `${api}/v1/latency?from=${iso(FROM)}&to=${iso(TO)}&group_by=route,provider`,
    );
    expect(res.status).toBe(200);
    const chat = res.body.rows.find((r) => r.route === '/chat') as Row &
      Record<string, Record<string, number>>;
    // oai-east (220 rows) + oai-west fallbacks (5): 225 calls, 205 ok.
    const okDur = [...chatDur, 400, 400, 400, 400, 400];
    expect(chat.calls).toBe(225);
    expect(chat.ok_calls).toBe(205);
    expect(chat.errors).toBe(20);
    for (const [q, k] of [
      [0.5, 'p50'],
      [0.95, 'p95'],
      [0.99, 'p99'],
    ] as const)
      near(chat.latency_ms?.[k], exactQ(okDur, q));
    near(chat.ttft_ms?.p50, exactQ(chatTtft, 0.5));
    const tps = chatDur.map((d, i) => (100 * 1000) / (d - (chatTtft[i] ?? 0)));
    near(chat.tokens_per_second?.p95, exactQ(tps, 0.95));
    const good = okDur.filter((d) => d <= 1000).length;
    expect(Math.abs(Number(chat.goodput) - good / 225)).toBeLessThan(0.02);
    expect(Math.abs(Number(chat.ttft_goodput) - 1)).toBeLessThan(1e-9); // all TTFT <= 249 < 300
    expect(chat.slo).toEqual({ latency_ms: 1000, ttft_ms: 300 });
    const search = res.body.rows.find((r) => r.route === '/search') as Row;
    expect(
      Math.abs(Number(search.goodput) - searchDur.filter((d) => d <= 5000).length / 100),
    ).toBeLessThan(0.02);
  });

  it('reads whole days from the daily rollup and still equals the raw answer', async () => {
    const from = new Date(T0 - 3 * 24 * HOUR + 30_500);
    const tables = planRead({
      subject: 'perf',
      from,
      to: new Date(TO),
      dims: ['route', 'model'],
      measures: ['attempts'],
    }).segments.map((seg) => seg.table?.name ?? 'raw');
    expect(tables).toContain('llm_perf_1d');
    // Every provider call reached the daily table through the 1m -> 1h -> 1d cascade.
    const sums = await t.runtime.storage.query<{ daily: string; calls: string }>(
      `SELECT (SELECT sum(attempts) FROM llm_perf_1d) AS daily, (SELECT count() FROM llm_calls WHERE NOT cache_hit) AS calls`,
    );
    expect(Number(sums[0]?.daily)).toBe(Number(sums[0]?.calls));
    const q = {
      from,
      to: new Date(TO),
      groupBy: ['route' as const, 'model' as const],
      slos: sloTable({
        ...PERF,
        cache: { alpha: 0.01, min_samples: 100, min_drop_pct_points: 1 },
        capacity: { deployments: [] },
        drift: { ...PERF.drift, warning_median_ratio: 1.2, critical_p95_ratio: 1.5 },
      }),
    };
    const fromRollup = await queryLatency(t.runtime.storage, q);
    expect(fromRollup).toEqual(await queryLatency(t.runtime.storage, { ...q, source: 'raw' }));
    expect(fromRollup.find((r) => r.route === '/old')?.calls).toBe(30);
    const rel = { from, to: new Date(TO), groupBy: ['route' as const] };
    expect(await queryReliability(t.runtime.storage, rel)).toEqual(
      await queryReliability(t.runtime.storage, { ...rel, source: 'raw' }),
    );
  });

  it('reads whole days of a tenant-scoped question from the tenant daily rollup, equal to raw', async () => {
    const from = new Date(T0 - 3 * 24 * HOUR + 30_500);
    const grains = planRead({
      subject: 'perf',
      from,
      to: new Date(TO),
      dims: ['route', 'model'],
      measures: ['attempts'],
      filters: { tenant: 'acme' },
    }).segments.map((seg) => seg.table?.name ?? 'raw');
    expect(grains).toContain('llm_perf_tenant_1d');
    expect(grains.filter((g) => g !== 'llm_perf_tenant_1d' && g !== 'raw')).toEqual([]);
    const sums = await t.runtime.storage.query<{ daily: string; calls: string }>(
      `SELECT (SELECT sum(attempts) FROM llm_perf_tenant_1d) AS daily, (SELECT count() FROM llm_calls WHERE NOT cache_hit) AS calls`,
    );
    expect(Number(sums[0]?.daily)).toBe(Number(sums[0]?.calls));
    const slos = sloTable({
      ...PERF,
      cache: { alpha: 0.01, min_samples: 100, min_drop_pct_points: 1 },
      capacity: { deployments: [] },
      drift: { ...PERF.drift, warning_median_ratio: 1.2, critical_p95_ratio: 1.5 },
    });
    const acme = {
      from,
      to: new Date(TO),
      groupBy: ['route' as const, 'model' as const],
      slos,
      tenant: 'acme',
    };
    // source 'rollup': a tenant this small would otherwise be read raw (tenant-size.ts).
    const fromRollup = await queryLatency(t.runtime.storage, { ...acme, source: 'rollup' });
    expect(fromRollup).toEqual(await queryLatency(t.runtime.storage, { ...acme, source: 'raw' }));
    expect(fromRollup.find((r) => r.route === '/old')?.calls).toBe(30);
    expect(fromRollup.some((r) => r.route === '/search')).toBe(false); // globex's
    const rel = { from, to: new Date(TO), groupBy: ['route' as const], tenant: 'globex' };
    const globex = await queryReliability(t.runtime.storage, { ...rel, source: 'rollup' });
    expect(globex).toEqual(await queryReliability(t.runtime.storage, { ...rel, source: 'raw' }));
    expect(globex.map((r) => r.route)).toEqual(['/search']);
  });

  it('gives the same answer from the rollups and from the raw table, and scopes by tenant', async () => {
    const q = {
      from: new Date(FROM),
      to: new Date(TO),
      groupBy: ['model' as const],
      slos: sloTable({
        ...PERF,
        cache: { alpha: 0.01, min_samples: 100, min_drop_pct_points: 1 },
        capacity: { deployments: [] },
        drift: { ...PERF.drift, warning_median_ratio: 1.2, critical_p95_ratio: 1.5 },
      }),
    };
    const fromRollup = await queryLatency(t.runtime.storage, q);
    const fromRaw = await queryLatency(t.runtime.storage, { ...q, source: 'raw' });
    expect(fromRollup).toEqual(fromRaw);
    const globex = await queryLatency(t.runtime.storage, { ...q, tenant: 'globex' });
    expect(globex.map((r) => [r.model, r.calls])).toEqual([['claude-sonnet-4-5', 100]]);
  });

  it('answers 400 naming the parameter', async () => {
    for (const [qs, param] of [
      [`from=${iso(FROM)}&to=${iso(TO)}&group_by=tenant`, 'group_by'],
      [`from=${iso(TO)}&to=${iso(FROM)}`, 'to'],
      [`from=yesterday&to=${iso(TO)}`, 'from'],
      [`from=${iso(FROM)}&to=${iso(TO)}&bogus=1`, 'query'],
    ]) {
      const res = await getJson<{ parameter: string }>(`${api}/v1/latency?${qs}`);
      expect(res.status).toBe(400);
      if (param !== 'query') expect(res.body.parameter).toBe(param);
    }
  });
});

describe('OpenAPI', () => {
  it('documents every performance path', async () => {
    const doc = await getJson<{ paths: Record<string, unknown> }>(`${api}/v1/openapi.json`);
    for (const path of [
      '/v1/latency',
      '/v1/ttft/drift',
      '/v1/cache',
      '/v1/cache/regressions',
      '/v1/reliability',
      '/v1/capacity',
      '/v1/capacity/recommendation',
    ]) {
      expect(doc.body.paths[path], path).toBeDefined();
    }
  });
});

describe('GET /v1/ttft/drift', () => {
  it('flags warning, critical, ok and insufficient data per model', async () => {
    const res = await getJson<{ rows: Row[] }>(
      `${api}/v1/ttft/drift?window=15m&baseline=24h&group_by=model`,
    );
    expect(res.status).toBe(200);
    const status = Object.fromEntries(res.body.rows.map((r) => [r.model, r.status]));
    expect(status).toMatchObject({
      'm-warn': 'warning',
      'm-crit': 'critical',
      'm-ok': 'ok',
      'm-few': 'insufficient_data',
    });
    const warn = res.body.rows.find((r) => r.model === 'm-warn') as Row;
    // Exact: current median 149*1.3 (n=50) over baseline median 149.5 -> ~1.3 within bucket error.
    near(
      warn.median_ratio,
      exactQ(
        Array.from({ length: 50 }, (_, i) => (100 + i * 2) * 1.3),
        0.5,
      ) /
        exactQ(
          Array.from({ length: 100 }, (_, i) => 100 + i),
          0.5,
        ),
      0.09,
    );
  });

  it('accepts explicit windows and rejects mixed or partial ones', async () => {
    const w = `current_from=${iso(NOW.getTime() - 900_000)}&current_to=${iso(NOW.getTime())}&baseline_from=${iso(NOW.getTime() - 25 * HOUR)}&baseline_to=${iso(NOW.getTime() - 900_000)}`;
    const ok = await queryTtftDrift(t.runtime.storage, {
      current: { from: new Date(NOW.getTime() - 900_000), to: NOW },
      baseline: {
        from: new Date(NOW.getTime() - 25 * HOUR),
        to: new Date(NOW.getTime() - 900_000),
      },
      groupBy: ['model'],
      thresholds: {
        warning_median_ratio: 1.2,
        critical_p95_ratio: 1.5,
        min_current_samples: 20,
        min_baseline_samples: 40,
      },
    });
    const res = await getJson<{ rows: Row[] }>(`${api}/v1/ttft/drift?${w}&group_by=model`);
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual(JSON.parse(JSON.stringify(ok)));
    expect(
      (await getJson<{ parameter: string }>(`${api}/v1/ttft/drift?${w}&window=15m`)).body.parameter,
    ).toBe('window');
    expect(
      (
        await getJson<{ parameter: string }>(
          `${api}/v1/ttft/drift?current_from=${iso(NOW.getTime())}`,
        )
      ).body.parameter,
    ).toBe('current_from');
    expect(
      (await getJson<{ parameter: string }>(`${api}/v1/ttft/drift?window=15x`)).body.parameter,
    ).toBe('window');
  });
});

describe('GET /v1/reliability', () => {
  it('computes amplification, rates and failed spend per provider and deployment', async () => {
    const res = await getJson<{ rows: Row[] }>(
      `${api}/v1/reliability?from=${iso(FROM)}&to=${iso(TO)}&group_by=provider,deployment`,
    );
    expect(res.status).toBe(200);
    const east = res.body.rows.find((r) => r.deployment === 'oai-east') as Row;
    // 200 ok + 10 x 429 first attempts = 210 logical requests; + 10 retries = 220 attempts.
    expect(east).toMatchObject({
      attempts: 220,
      logical_requests: 210,
      rate_limited: 10,
      errors: 20,
      fallbacks: 0,
    });
    expect(east.retry_amplification).toBeCloseTo(220 / 210, 6);
    expect(east.rate_429).toBeCloseTo(10 / 220, 6);
    expect(east.failed_spend_usd).toBe(new Decimal('0.000123').mul(10).toString());
    expect(east.spend_usd).toBe(
      new Decimal('0.001').mul(200).add(new Decimal('0.000123').mul(10)).toString(),
    );
    const west = res.body.rows.find((r) => r.deployment === 'oai-west') as Row;
    expect(west).toMatchObject({
      attempts: 5,
      logical_requests: 0,
      retry_amplification: null,
      fallbacks: 5,
      fallback_rate: 1,
    });
    const raw = await queryReliability(t.runtime.storage, {
      from: new Date(FROM),
      to: new Date(TO),
      groupBy: ['provider', 'deployment'],
      source: 'raw',
    });
    expect(res.body.rows).toEqual(JSON.parse(JSON.stringify(raw)));
  });
});
