// Issue 12 item 4: a call whose source cannot report cached tokens (usage_incomplete) is counted,
// next to the unpriced calls, on every money answer: /v1/costs rows, budgets, budget alert text,
// routing budgets, spend per outcome (rows, unlinked, total) and the FOCUS export. Three calls go
// through the real collector over OTLP/HTTP into embedded chDB: one shaped like
// @opentelemetry/instrumentation-openai (input/output totals only, flagged by the collector), one
// complete gen_ai call with cache tokens, and one complete call of an unpriced model, so each
// count is 1 and the two counts cannot be mistaken for each other or for the call count.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetObservations } from '../../src/analytics/alerts/rules-money.js';
import { budgetStatus } from '../../src/analytics/routing/budgets.js';
import { parseConfig } from '../../src/shared/config.js';
import type { RoutingBudgetConfig, RoutingTargetConfig } from '../../src/shared/config-routing.js';
import { FINOPS } from '../../src/shared/semconv.js';
import { openaiJsChat } from '../fixtures/spans/openai-js.js';
import {
  committed,
  eventually,
  getJson,
  startTestRuntime,
  type TestRuntime,
} from '../helpers/runtime.js';
import { anyValue, postJson, spanJson, type JsonAttr } from '../helpers/otlp.js';
import { parseCsv, startApp, type TestApp } from './analytics-finops-seed.js';

const H = 3_600_000;
const W = Date.UTC(2026, 5, 9, 14);
const NOW = new Date(W + H);
const iso = (ms: number): string => new Date(ms).toISOString();
const TRACE = 'a1'.repeat(16);
const finops = {
  budgets: [{ name: 'acme-daily', scope: { tenant: 'acme' }, period: 'day', ceiling_usd: '1' }],
};

/** One OTLP/JSON request with one scope (the collector tells sources apart by scope name). */
function request(scope: string, spans: Record<string, unknown>[]): Record<string, unknown> {
  const resource: Record<string, JsonAttr> = { 'service.name': 'search-api' };
  return {
    resourceSpans: [
      {
        resource: {
          attributes: Object.entries(resource).map(([key, value]) => ({
            key,
            value: anyValue(value),
          })),
        },
        scopeSpans: [{ scope: { name: scope, version: '0.21.0' }, spans }],
      },
    ],
  };
}

const jsonAttrs = (a: Record<string, unknown>): Record<string, JsonAttr> =>
  Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as Record<
    string,
    JsonAttr
  >;

let t: TestRuntime;
let app: TestApp;
beforeAll(async () => {
  t = await startTestRuntime();
  const tenant = { [FINOPS.TENANT]: 'acme' };
  // The instrumentation-openai chat span as captured, moved into the test hour, with a tenant.
  const incomplete = spanJson({
    traceId: TRACE,
    name: openaiJsChat.name,
    kind: openaiJsChat.kind,
    startMs: W + 10 * 60_000,
    durationMs: 800,
    attributes: { ...jsonAttrs(openaiJsChat.attributes), ...tenant },
  });
  const complete = (model: string, minute: number): Record<string, unknown> =>
    spanJson({
      name: `chat ${model}`,
      kind: 3,
      startMs: W + minute * 60_000,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': model,
        'gen_ai.usage.input_tokens': 1000,
        'gen_ai.usage.cache_read.input_tokens': 400,
        'gen_ai.usage.output_tokens': 100,
        ...tenant,
      },
    });
  const sent = await Promise.all([
    postJson(t.otlpUrl, request('@opentelemetry/instrumentation-openai', [incomplete])),
    postJson(
      t.otlpUrl,
      request('test-scope', [complete('gpt-4o', 20), complete('mystery-model-x', 30)]),
    ),
  ]);
  expect(sent.map((r) => r.status)).toEqual([200, 200]);
  await eventually(
    () => t.runtime.storage.query<{ n: string }>('SELECT count() AS n FROM llm_calls'),
    (rows) => Number(rows[0]?.n) === 3,
  );
  // The app below reads without the collector's read barrier.
  await committed(t);
  app = await startApp(t.runtime.storage, finops, () => NOW);
});
afterAll(async () => {
  await app?.close();
  await t?.runtime.stop();
});

const range = `from=${iso(W)}&to=${iso(W + H)}`;

describe('usage_incomplete calls are counted, never folded into the spend silently', () => {
  it('the collector flags only the instrumentation-openai call', async () => {
    const rows = await t.runtime.storage.query<{ model: string; usage_incomplete: boolean }>(
      'SELECT model, usage_incomplete FROM llm_calls ORDER BY start_time',
    );
    expect(rows.map((r) => Boolean(r.usage_incomplete))).toEqual([true, false, false]);
  });

  it('/v1/costs rows count them next to unpriced calls', async () => {
    const res = await getJson<{ rows: Record<string, unknown>[] }>(
      `${app.url}/v1/costs?${range}&group_by=model`,
    );
    expect(res.status).toBe(200);
    const byModel = Object.fromEntries(res.body.rows.map((r) => [String(r.model), r]));
    const flagged = Object.values(byModel).filter((r) => r.usage_incomplete_calls === 1);
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ calls: 1, unpriced_calls: 0 });
    expect(byModel['gpt-4o']).toMatchObject({ usage_incomplete_calls: 0, unpriced_calls: 0 });
    expect(byModel['mystery-model-x']).toMatchObject({
      usage_incomplete_calls: 0,
      unpriced_calls: 1,
    });
    const total = await getJson<{ rows: Record<string, unknown>[] }>(
      `${app.url}/v1/costs?${range}`,
    );
    expect(total.body.rows).toEqual([
      expect.objectContaining({ calls: 3, unpriced_calls: 1, usage_incomplete_calls: 1 }),
    ]);
  });

  it('budgets and the budget alert text count them', async () => {
    const res = await getJson<{ budgets: Record<string, unknown>[] }>(`${app.url}/v1/budgets`);
    expect(res.body.budgets).toEqual([
      expect.objectContaining({
        name: 'acme-daily',
        unpriced_calls: 1,
        usage_incomplete_calls: 1,
      }),
    ]);
    const config = parseConfig({
      finops,
      alerts: {
        rules: [
          { name: 'watch', kind: 'budget', mode: 'soft', soft_pct: 0, budgets: ['acme-daily'] },
          { name: 'per-tenant', kind: 'budget', ceiling_usd: '0.000001', period: 'day' },
        ],
      },
    });
    const ctx = { storage: t.runtime.storage, now: NOW, finopsBudgets: config.finops.budgets };
    for (const rule of config.alerts.rules) {
      const obs = await budgetObservations(rule as never, ctx);
      expect(obs).toHaveLength(1);
      expect(obs[0]?.summary).toContain('1 unpriced calls not included in the spend');
      expect(obs[0]?.summary).toContain('1 calls with incomplete usage');
    }
  });

  it('routing budgets on the feed count them', async () => {
    const budgets = [
      { scope: 'tenant', key: 'acme', period: 'day', ceiling_usd: '5', on_exhaust: 'deny' },
    ].map((b) => ({ soft_pct: 80, hard_pct: 100, ...b })) as unknown as RoutingBudgetConfig[];
    const targets: RoutingTargetConfig[] = [];
    const feed = await budgetStatus(t.runtime.storage, budgets, targets, NOW.getTime() - 1);
    expect(feed).toEqual([
      expect.objectContaining({ key: 'acme', unpriced_calls: 1, usage_incomplete_calls: 1 }),
    ]);
  });

  it('spend per outcome counts them on linked rows, unlinked and total', async () => {
    const posted = await postJson(`${app.url}/v1/outcomes`, {
      outcomes: [
        { id: 'o-1', name: 'answer', success: true, trace_id: TRACE, time: iso(W + 50 * 60_000) },
      ],
    });
    expect(posted.status).toBe(202);
    const res = await getJson<{
      rows: Record<string, unknown>[];
      unlinked: Record<string, unknown>;
      total: Record<string, unknown>;
    }>(`${app.url}/v1/outcomes/spend?${range}`);
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([
      expect.objectContaining({ linked_calls: 1, unpriced_calls: 0, usage_incomplete_calls: 1 }),
    ]);
    expect(res.body.unlinked).toMatchObject({
      calls: 2,
      unpriced_calls: 1,
      usage_incomplete_calls: 0,
    });
    expect(res.body.total).toMatchObject({
      calls: 3,
      unpriced_calls: 1,
      usage_incomplete_calls: 1,
    });
  });

  it('the FOCUS export carries x_UsageIncompleteCalls', async () => {
    const res = await fetch(`${app.url}/v1/export/focus?${range}&format=csv`);
    expect(res.status).toBe(200);
    const [header = [], ...body] = parseCsv(await res.text()).filter((r) => r.length > 1);
    const rows = body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
    // Each call is split into token-type rows that all carry their charge's counts: sum by charge.
    const charges = new Map(rows.map((r) => [r.x_ChargeId, r]));
    const perCharge = (name: string): number =>
      [...charges.values()].reduce((n, r) => n + Number(r[name] ?? 0), 0);
    expect(header).toContain('x_UsageIncompleteCalls');
    expect(perCharge('x_UsageIncompleteCalls')).toBe(1);
    expect(perCharge('x_UnpricedCalls')).toBe(1);
    expect(perCharge('x_Calls')).toBe(3);
  });
});
