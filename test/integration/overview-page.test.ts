// The overview page in headless Chromium against a real runtime: spans posted over OTLP and
// outcomes over POST /v1/outcomes, the page loaded from an app composed exactly as app.ts
// mounts it (overview router before auth), numbers on screen checked against the API, failing
// endpoints shown as "not available", the API-key prompt, and a non-blank screenshot.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Decimal } from 'decimal.js';
import express from 'express';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/analytics/http/app.js';
import { createAnalyticsServices } from '../../src/analytics/services.js';
import { createOverviewRouter } from '../../src/analytics/http/routes-overview.js';
import { parseConfig } from '../../src/shared/config.js';
import { sha256Hex } from '../../src/shared/keys.js';
import { createLogger } from '../../src/shared/logger.js';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import {
  collectConsole,
  launchChromium,
  pngStats,
  requireChromium,
  type BrowserSession,
} from '../helpers/browser.js';
import { newTraceId, postJson, requestJson, spanJson, type JsonAttr } from '../helpers/otlp.js';
import { eventually, getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

const SCREENSHOT = new URL('../artifacts/overview.png', import.meta.url);
const API_KEY = 'overview-reader-key-0123456789';
const CHART_CARDS = [
  'cost-time',
  'cost-tenant',
  'cost-route',
  'cost-feature',
  'outcomes',
  'drift',
  'cache',
  'capacity',
  'routing',
];
const CARDS = [
  'kpis',
  'cost-time',
  'cost-tenant',
  'cost-route',
  'cost-feature',
  'outcomes',
  'drift',
  'cache',
  'cache-regressions',
  'capacity',
  'budgets',
  'alerts',
  'routing',
];

// Small thresholds so a few dozen calls give drift and regression verdicts; a fast alert loop
// so the unpriced-model rule fires during the test.
const OVERRIDES = {
  alerts: { schedule: '*/2 * * * * *' },
  performance: {
    drift: { min_current_samples: 5, min_baseline_samples: 5 },
    cache: { min_samples: 5 },
  },
  finops: {
    reservations: [
      {
        deployment: 'ptu-eastus',
        units: 1,
        price_per_unit_hour: '2',
        tokens_per_minute_per_unit: 20_000,
      },
    ],
    budgets: [
      { name: 'acme-monthly', scope: { tenant: 'acme' }, period: 'month', ceiling_usd: '0.08' },
      { name: 'globex-daily', scope: { tenant: 'globex' }, period: 'day', ceiling_usd: '1' },
    ],
  },
  routing: {
    pools: [
      {
        pool: 'gpt-4o',
        targets: [
          {
            id: 'ptu-eastus',
            provider: 'openai',
            model: 'gpt-4o',
            deployment: 'ptu-eastus',
            kind: 'provisioned',
            capacity: { tpm: 20_000 },
          },
          {
            id: 'oai-direct',
            provider: 'openai',
            model: 'gpt-4o',
            kind: 'on_demand',
            base_weight: 70,
          },
          {
            id: 'claude',
            provider: 'anthropic',
            model: 'claude-sonnet-4-5',
            kind: 'on_demand',
            base_weight: 30,
          },
        ],
      },
    ],
  },
};

let t: TestRuntime;
let browser: BrowserSession;
const servers: Server[] = [];
const now = Date.now();
const MIN = 60_000;

interface Call {
  at: number;
  tenant: string;
  route: string;
  feature: string;
  model?: string;
  attrs?: Record<string, JsonAttr>;
  traceId?: string;
}

function span(c: Call): Record<string, unknown> {
  const anthropic = c.model === 'claude-sonnet-4-5';
  const usage: Record<string, JsonAttr> = anthropic
    ? {
        [GEN_AI.USAGE_INPUT_TOKENS]: 3000,
        [GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]: 2000,
        [GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS]: 500,
        [GEN_AI.USAGE_OUTPUT_TOKENS]: 400,
      }
    : {
        [GEN_AI.USAGE_INPUT_TOKENS]: 1200,
        [GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]: 1024,
        [GEN_AI.USAGE_OUTPUT_TOKENS]: 85,
      };
  return spanJson({
    ...(c.traceId !== undefined ? { traceId: c.traceId } : {}),
    startMs: c.at,
    durationMs: 1500,
    attributes: {
      [GEN_AI.OPERATION_NAME]: 'chat',
      [GEN_AI.PROVIDER_NAME]: anthropic ? 'anthropic' : 'openai',
      [GEN_AI.REQUEST_MODEL]: c.model ?? 'gpt-4o',
      ...usage,
      [FINOPS.TENANT]: c.tenant,
      [FINOPS.ROUTE]: c.route,
      [FINOPS.FEATURE]: c.feature,
      ...c.attrs,
    },
  });
}

const times = (n: number, from: number, to: number): number[] =>
  Array.from({ length: n }, (_, i) => Math.floor(from + ((to - from) * i) / n));

/** Baseline hours before and a current quarter-hour: TTFT 0.4 s -> 0.9 s, prompt cache v1 hits -> v2 misses. */
function calls(): { spans: Record<string, unknown>[]; outcomeTraces: string[] } {
  const stream = (ttft: number, version: string) => ({
    [GEN_AI.REQUEST_STREAM]: true,
    [GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]: ttft,
    [FINOPS.PROMPT_VERSION]: version,
  });
  const list: Call[] = [
    ...times(12, now - 180 * MIN, now - 70 * MIN).map((at, i) => ({
      at,
      tenant: i % 3 ? 'acme' : 'globex',
      route: '/chat',
      feature: 'summarize',
      attrs: stream(0.4, 'v1'),
    })),
    ...times(12, now - 10 * MIN, now - 2 * MIN).map((at, i) => ({
      at,
      tenant: i % 4 ? 'acme' : 'initech',
      route: '/chat',
      feature: 'summarize',
      attrs: { ...stream(0.9, 'v2'), [GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]: 0 },
    })),
    ...times(10, now - 50 * MIN, now - 5 * MIN).map((at, i) => ({
      at,
      tenant: 'globex',
      route: '/faq',
      feature: 'faq',
      attrs: { [FINOPS.CACHE_LAYER]: 'response', [FINOPS.CACHE_HIT]: i % 3 !== 0 },
    })),
    ...times(10, now - 40 * MIN, now - 3 * MIN).map((at) => ({
      at,
      tenant: 'acme',
      route: '/triage',
      feature: 'triage',
      attrs: { [FINOPS.DEPLOYMENT]: 'ptu-eastus', [FINOPS.CAPACITY_TIER]: 'provisioned' },
    })),
    ...times(4, now - 30 * MIN, now - 4 * MIN).map((at) => ({
      at,
      tenant: 'initech',
      route: '/triage',
      feature: 'triage',
      model: 'claude-sonnet-4-5',
    })),
    {
      at: now - 20 * MIN,
      tenant: 'globex',
      route: '/labs',
      feature: 'experiments',
      model: 'mystery-model-9',
    },
  ];
  const outcomeTraces = list
    .filter((c) => c.feature === 'summarize')
    .slice(0, 8)
    .map((c) => (c.traceId = newTraceId()));
  return { spans: list.map(span), outcomeTraces };
}

async function serve(app: express.Express): Promise<string> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The runtime's storage behind the API as app.ts builds it, with the overview mounted first. */
async function startPageApp(extra: Record<string, unknown> = {}): Promise<string> {
  const config = parseConfig({ ...OVERRIDES, storage: { data_dir: t.dataDir }, ...extra });
  const pipeline = t.runtime.pipeline;
  const services = createAnalyticsServices({
    storage: t.runtime.storage,
    logger: createLogger('warn'),
    config,
    ...(pipeline !== undefined ? { beforeRead: () => pipeline.sync() } : {}),
  });
  const api = createApp({ ...services, checkResponses: true });
  const app = express();
  app.use(createOverviewRouter(services));
  app.use(api);
  return serve(app);
}

const range = `from=${new Date(now - 86_400_000).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`;
/** The page's rounding, written independently: half-up to 6 places, plain notation. */
const shown = (dec: string): string =>
  `$${new Decimal(dec).toDecimalPlaces(6, Decimal.ROUND_HALF_UP).toFixed()}`;

async function openPage(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-loaded="true"]', { timeout: 60_000 });
}

const cardStates = (page: Page): Promise<Record<string, string>> =>
  page.$$eval('section.card', (els) =>
    Object.fromEntries(
      els.map((e) => [e.id.replace(/^card-/, ''), e.getAttribute('data-state') ?? '']),
    ),
  );

let pageUrl: string;
let total = 0;

beforeAll(async () => {
  // Fail at once (saying how to install it) rather than after a minute of setup.
  requireChromium();
  t = await startTestRuntime(OVERRIDES);
  const { spans, outcomeTraces } = calls();
  total = spans.length;
  expect((await postJson(t.otlpUrl, requestJson(spans))).status).toBe(200);
  const outcomes = outcomeTraces.map((trace_id, i) => ({
    id: `o-${i}`,
    name: 'ticket_resolved',
    success: i % 4 !== 3,
    value: '12.5',
    trace_id,
    feature: 'summarize',
  }));
  expect((await postJson(`${t.apiUrl}/v1/outcomes`, { outcomes })).status).toBe(202);
  await eventually(
    () => getJson<{ rows: { calls: number }[] }>(`${t.apiUrl}/v1/costs?${range}`),
    (r) => r.body.rows[0]?.calls === total,
    20_000,
  );
  // The scheduler publishes the feed and evaluates alerts in the background; let both happen.
  await eventually(
    () => getJson(`${t.apiUrl}/v1/routing/feed`),
    (r) => r.status === 200,
    20_000,
  );
  await eventually(
    () => getJson<{ active: unknown[] }>(`${t.apiUrl}/v1/alerts?view=active`),
    (r) => r.body.active.length > 0,
    20_000,
  );
  pageUrl = await startPageApp();
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await t?.runtime.stop();
});

describe('overview page', () => {
  it("renders every card with charts and the API's numbers, without console errors", async () => {
    const page = await browser.context.newPage();
    const consoleLog = collectConsole(page);
    // The KPI card's own request (its window ends at the page's clock), replayed below.
    const spreadRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/costs?') && r.url().includes('unused=spread'))
        spreadRequests.push(r.url());
    });
    const res = await page.goto(pageUrl);
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 60_000 });

    const states = await cardStates(page);
    expect(Object.keys(states).sort()).toEqual(CARDS.map((c) => c).sort());
    for (const card of CARDS) expect([card, states[card]]).toEqual([card, 'ready']);

    const byTenant = (
      await getJson<{ rows: { tenant: string; cost_usd: string; reservation?: string }[] }>(
        `${t.apiUrl}/v1/costs?${range}&group_by=tenant`,
      )
    ).body.rows.filter((r) => r.reservation === undefined); // reservation rows depend on the range's hours
    const top = [...byTenant].sort((a, b) => new Decimal(b.cost_usd).cmp(a.cost_usd))[0];
    if (top === undefined) throw new Error('no tenant rows');
    const cell = page.locator(
      `#card-cost-tenant tr[data-key="${top.tenant}"] td[data-field="cost_usd"]`,
    );
    expect(await cell.getAttribute('data-value')).toBe(top.cost_usd);
    expect((await cell.textContent())?.trim()).toBe(shown(top.cost_usd));
    expect(await page.locator('#card-cost-tenant tbody tr').first().getAttribute('data-key')).toBe(
      top.tenant,
    );

    // Spend is the fully loaded total (unused reservation spread in): above the calls' own cost
    // whenever the reservation sat partly idle, as it does here.
    expect(spreadRequests).toHaveLength(1);
    const kpiQuery = new URL(spreadRequests[0]!).search;
    const costsOf = async (query: string): Promise<string> =>
      (await getJson<{ rows: { cost_usd: string }[] }>(`${t.apiUrl}/v1/costs${query}`)).body.rows[0]
        ?.cost_usd ?? '';
    const totalCost = await costsOf(kpiQuery);
    const callsOnly = await costsOf(kpiQuery.replace('&unused=spread', ''));
    expect(new Decimal(totalCost).gt(callsOnly)).toBe(true);
    expect((await page.locator('[data-kpi="Spend"] .tile-value').textContent())?.trim()).toBe(
      shown(totalCost),
    );
    expect(await page.locator('[data-kpi="Calls"] .tile-value').textContent()).toBe(String(total));

    const spend = (
      await getJson<{ rows: { feature: string; spend_per_success_usd: string }[] }>(
        `${t.apiUrl}/v1/outcomes/spend?${range}&group_by=feature`,
      )
    ).body.rows;
    const summarize = spend.find((r) => r.feature === 'summarize');
    expect(
      await page
        .locator('#card-outcomes tr[data-key="summarize"] td[data-field="spend_per_success_usd"]')
        .getAttribute('data-value'),
    ).toBe(summarize?.spend_per_success_usd);

    await expect.poll(() => page.locator('#card-drift').textContent()).toContain('critical');
    expect(await page.locator('#card-cache-regressions').textContent()).toContain('v2');
    expect(await page.locator('#card-budgets [data-key="acme-monthly"]').textContent()).toMatch(
      /of \$0\.08/,
    );
    expect(await page.locator('#card-alerts').textContent()).toContain('unpriced-model');
    expect(await page.locator('#card-routing tbody tr').count()).toBe(3);
    expect(await page.locator('#card-capacity tr[data-key="ptu-eastus"]').count()).toBe(1);

    // Charts drawn: a canvas with a real size in every chart card.
    const charts = await page.$$eval('canvas[data-chart="ready"]', (els) =>
      els.map((e) => [e.closest('section')?.id, e.clientWidth, e.clientHeight] as const),
    );
    expect([...new Set(charts.map(([id]) => id))].sort()).toEqual(
      CHART_CARDS.map((c) => `card-${c}`).sort(),
    );
    for (const [, w, h] of charts) expect(w * h).toBeGreaterThan(0);

    const errors = consoleLog.filter(
      (m) => (m.type === 'error' || m.type === 'pageerror') && !m.text.includes('404'),
    );
    expect(errors).toEqual([]);

    mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true });
    const box = await page.locator('#card-cost-time canvas').boundingBox();
    if (box === null) throw new Error('no cost-over-time chart');
    const stats = pngStats(SCREENSHOT.pathname, box);
    expect(stats.width).toBeGreaterThanOrEqual(1200);
    expect(stats.distinctColors).toBeGreaterThan(50); // whole page: text, badges, charts
    expect(stats.regionColors).toBeGreaterThanOrEqual(4); // chart: background, axes, >= 2 series
    await page.close();
  }, 120_000);

  it('shows failing or missing endpoints as "not available" and keeps the rest', async () => {
    const page = await browser.context.newPage();
    const consoleLog = collectConsole(page);
    await page.route('**/v1/alerts?*', (route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: '{"error":"internal","message":"boom"}',
      }),
    );
    await page.route('**/v1/routing/feed', (route) =>
      route.fulfill({
        status: 404,
        contentType: 'application/json',
        body: '{"error":"not_found"}',
      }),
    );
    await page.route('**/v1/capacity?*', (route) => route.abort('failed'));
    await openPage(page, pageUrl);
    const states = await cardStates(page);
    expect([states.alerts, states.routing, states.capacity]).toEqual([
      'unavailable',
      'unavailable',
      'unavailable',
    ]);
    expect(await page.locator('#card-alerts').textContent()).toMatch(/Not available.*HTTP 500/);
    expect(await page.locator('#card-routing').textContent()).toMatch(/Not available.*HTTP 404/);
    expect(await page.locator('#card-capacity').textContent()).toContain('Not available');
    expect(states['cost-tenant']).toBe('ready');
    expect(
      consoleLog.filter((m) => m.type === 'pageerror' || m.text.startsWith('overview card failed')),
    ).toEqual([]);
    await page.close();
  }, 60_000);

  it('asks for an API key once, stores it and sends it as a Bearer token', async () => {
    const url = await startPageApp({
      security: { api_keys: [{ name: 'reader', key_sha256: sha256Hex(API_KEY), role: 'reader' }] },
    });
    const page = await browser.context.newPage();
    await openPage(page, url);
    expect(await page.locator('#key-form').isVisible()).toBe(true);
    expect((await cardStates(page))['cost-tenant']).toBe('unavailable');
    expect(await page.locator('#card-cost-tenant').textContent()).toContain('HTTP 401');

    const sent = page.waitForRequest((r) => r.url().includes('/v1/costs?'));
    await page.fill('#api-key', API_KEY);
    await page.click('#key-form button[type="submit"]');
    expect((await sent).headers().authorization).toBe(`Bearer ${API_KEY}`);
    await page.waitForSelector('body[data-loaded="true"]');
    expect(await page.locator('#key-form').isVisible()).toBe(false);
    expect((await cardStates(page))['cost-tenant']).toBe('ready');

    await openPage(page, url); // a reload reads the key from localStorage: no second prompt
    expect(await page.locator('#key-form').isVisible()).toBe(false);
    expect(Object.values(await cardStates(page)).filter((s) => s === 'unavailable')).toEqual([]);
    await page.close();
  }, 60_000);
});
