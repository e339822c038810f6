// POST /v1/outcomes (validation, idempotency), /v1/outcomes/spend (linking rule, unlinked
// spend), /v1/budgets (status and forecast under an injected clock) and token-budget breaches.
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { postJson } from '../helpers/otlp.js';
import { seed, startApp, type SeedCall, type TestApp } from './analytics-finops-seed.js';

const H = 3_600_000;
const T = Date.UTC(2026, 2, 10, 12); // outcome time
const NOW = new Date(Date.UTC(2026, 2, 4, 12)); // Wednesday noon: budgets' clock
const iso = (ms: number): string => new Date(ms).toISOString();
const Precise = Decimal.clone({ precision: 60 });
const D = (v: string): Decimal => new Precise(v);
const priced = (total: string): NonNullable<SeedCall['cost']> => ({
  input: total,
  cached: '0',
  write: '0',
  output: '0',
  total,
  list: total,
});
const TR1 = 'a'.repeat(32);
const TR3 = 'c'.repeat(32);

const outcomeCalls: SeedCall[] = [
  { id: 'o-t1-a', at: T - 5 * 60_000, trace_id: TR1, feature: 'support', cost: priced('0.10') },
  { id: 'o-t1-b', at: T - 4 * 60_000, trace_id: TR1, feature: 'support', cost: priced('0.05') },
  {
    id: 'o-c1-in',
    at: T - 2 * H,
    conversation_id: 'conv-1',
    feature: 'sales',
    cost: priced('0.20'),
  },
  {
    id: 'o-c1-old',
    at: T - 30 * H,
    conversation_id: 'conv-1',
    feature: 'sales',
    cost: priced('0.40'),
  },
  { id: 'o-t3', at: T - 60_000, trace_id: TR3, feature: 'support', cost: priced('0.07') },
  { id: 'o-c2', at: T - H, conversation_id: 'conv-2', feature: 'sales', cost: priced('0.03') },
  { id: 'o-lone', at: T - 3 * H, feature: 'support', cost: priced('0.011') },
];

const budgetCalls: SeedCall[] = [
  {
    id: 'b-acme-today',
    at: NOW.getTime() - 2 * H,
    tenant: 'acme',
    feature: 'x',
    environment: 'production',
    cost: priced('6'),
  },
  {
    id: 'b-acme-yesterday',
    at: NOW.getTime() - 24 * H,
    tenant: 'acme',
    feature: 'x',
    environment: 'production',
    cost: priced('50'),
  },
  {
    id: 'b-acme-future',
    at: NOW.getTime() + H,
    tenant: 'acme',
    feature: 'x',
    environment: 'production',
    cost: priced('100'),
  },
  {
    id: 'b-chat-month',
    at: Date.UTC(2026, 2, 1, 8),
    tenant: 'globex',
    feature: 'chat',
    environment: 'production',
    cost: priced('85'),
  },
  {
    id: 'b-staging-week',
    at: Date.UTC(2026, 2, 2, 9),
    tenant: 'globex',
    feature: 'y',
    environment: 'staging',
    cost: priced('1.2'),
  },
  { id: 'tok-1', at: Date.UTC(2026, 2, 5, 1), route: '/big', input: 700, output: 100 },
  { id: 'tok-2', at: Date.UTC(2026, 2, 5, 2), route: '/big', input: 1000, output: 200 },
  { id: 'tok-3', at: Date.UTC(2026, 2, 5, 3), route: '/big', input: 500, output: 100 },
  { id: 'tok-4', at: Date.UTC(2026, 2, 6, 3), route: '/big', input: 500, output: 100 },
];

const finops = {
  budgets: [
    { name: 'acme-daily', scope: { tenant: 'acme' }, period: 'day', ceiling_usd: '10' },
    {
      name: 'chat-monthly',
      scope: { feature: 'chat' },
      period: 'month',
      ceiling_usd: '100',
      soft_pct: 80,
      hard_pct: 100,
    },
    { name: 'staging-weekly', scope: { environment: 'staging' }, period: 'week', ceiling_usd: '1' },
  ],
  token_budgets: [
    {
      route: '/big',
      max_tokens_per_call: 1000,
      max_tokens_per_period: { period: 'day', tokens: 1500 },
    },
  ],
};

let t: TestRuntime;
let app: TestApp;
beforeAll(async () => {
  t = await startTestRuntime();
  await seed(t.runtime.storage, [...outcomeCalls, ...budgetCalls]);
  app = await startApp(t.runtime.storage, finops, () => NOW);
});
afterAll(async () => {
  await app.close();
  await t.runtime.stop();
});

const post = (outcomes: unknown): Promise<Response> =>
  postJson(`${app.url}/v1/outcomes`, { outcomes });

describe('outcomes', () => {
  it('accepts a batch and replaces an outcome re-sent with the same id', async () => {
    const first = await post([
      {
        id: 'o1',
        name: 'ticket_resolved',
        success: false,
        trace_id: TR1,
        time: iso(T),
        feature: 'support',
      },
      {
        id: 'o2',
        name: 'ticket_resolved',
        success: true,
        conversation_id: 'conv-1',
        time: iso(T),
        value: '19.99',
      },
      { id: 'o3', name: 'ticket_resolved', success: false, trace_id: TR3, time: iso(T) },
      {
        id: 'o4',
        name: 'ticket_resolved',
        success: true,
        conversation_id: 'conv-2',
        time: iso(T),
        feature: 'sales',
      },
      {
        id: 'o5',
        name: 'ticket_resolved',
        success: true,
        conversation_id: 'conv-2',
        time: iso(T + H),
        feature: 'sales',
      },
      { id: 'other', name: 'checkout', success: true, trace_id: 'd'.repeat(32), time: iso(T) },
    ]);
    expect(first.status).toBe(202);
    const again = await post([
      {
        id: 'o1',
        name: 'ticket_resolved',
        success: true,
        trace_id: TR1,
        time: iso(T),
        feature: 'support',
      },
    ]);
    expect(await again.json()).toEqual({ accepted: 1 });
  });

  it('reports spend per successful outcome with the linking rule and unlinked spend', async () => {
    const res = await getJson<{
      linking: { conversation_window_hours: number };
      rows: Record<string, string | number>[];
      unlinked: { calls: number; spend_usd: string };
      total: { spend_usd: string };
    }>(
      `${app.url}/v1/outcomes/spend?from=${iso(T - 48 * H)}&to=${iso(T + 2 * H)}&group_by=feature&name=ticket_resolved`,
    );
    expect(res.status).toBe(200);
    expect(res.body.linking.conversation_window_hours).toBe(24);
    const by = Object.fromEntries(res.body.rows.map((r) => [String(r.feature), r]));
    // support: o1 (trace, now successful: 0.10 + 0.05) and o3 (trace, failed: 0.07); one success.
    expect(by.support).toMatchObject({
      outcomes: 2,
      successful_outcomes: 1,
      linked_calls: 3,
      spend_usd: '0.22',
      spend_per_success_usd: '0.22',
    });
    // sales: o2 (conv-1, only the call 2h before; the 30h-old call is outside 24h), o4 and o5 share
    // one conv-2 call, which goes to the earliest (o4) only. Group of o2 comes from its call.
    expect(by.sales).toMatchObject({
      outcomes: 3,
      successful_outcomes: 3,
      linked_calls: 2,
      spend_usd: '0.23',
      success_value_usd: '19.99',
    });
    expect(by.sales?.spend_per_success_usd).toBe(D('0.23').div(3).toDecimalPlaces(18).toString());
    expect(res.body.unlinked).toEqual({
      calls: 2,
      spend_usd: '0.411',
      unpriced_calls: 0,
      usage_incomplete_calls: 0,
    });
    expect(D(res.body.total.spend_usd).toString()).toBe(
      D('0.22').add('0.23').add('0.411').toString(),
    );
  });

  it('rejects invalid outcomes with 400 naming index and key', async () => {
    for (const [batch, parameter] of [
      [[{ id: 'x', name: 'n', success: 'yes' }], 'outcomes.0.success'],
      [
        [
          { id: 'x', name: 'n', success: true },
          { name: 'n', success: true },
        ],
        'outcomes.1.id',
      ],
      [[{ id: 'x', name: 'n', success: true, value: 'abc' }], 'outcomes.0.value'],
      // An unknown key is named itself, not only its item.
      [[{ id: 'x', name: 'n', success: true, colour: 'red' }], 'outcomes.0.colour'],
      [[], 'outcomes'],
    ] as const) {
      const res = await post(batch);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { parameter: string }).parameter).toBe(parameter);
    }
    const spend = await getJson<{ parameter: string }>(
      `${app.url}/v1/outcomes/spend?from=${iso(T - H)}&to=${iso(T)}&group_by=model`,
    );
    expect(spend.body.parameter).toBe('group_by');
  });
});

describe('outcomes: content type', () => {
  it('answers 415 naming application/json for a body that is not JSON', async () => {
    const body = JSON.stringify({ outcomes: [{ id: 'ct-1', name: 'n', success: true }] });
    for (const headers of [{ 'content-type': 'text/plain' }, {}] as Record<string, string>[]) {
      const res = await fetch(`${app.url}/v1/outcomes`, { method: 'POST', headers, body });
      expect(res.status).toBe(415);
      const answer = (await res.json()) as { error: string; message: string };
      expect(answer.error).toBe('unsupported_media_type');
      expect(answer.message).toContain('application/json');
    }
    // A JSON media type with a suffix or parameters is JSON.
    const ok = await fetch(`${app.url}/v1/outcomes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
    });
    expect(ok.status).toBe(202);
  });

  it('documents 415 on the routes that take a body', async () => {
    const doc = await getJson<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>(`${app.url}/v1/openapi.json`);
    expect(doc.body.paths['/v1/outcomes']!.post!.responses['415']).toBeDefined();
  });
});

describe('budgets', () => {
  it('reports spent, remaining, run-rate forecast and status at the injected clock', async () => {
    const res = await getJson<{ at: string; budgets: Record<string, string | number>[] }>(
      `${app.url}/v1/budgets`,
    );
    expect(res.body.at).toBe(NOW.toISOString());
    const by = Object.fromEntries(res.body.budgets.map((b) => [String(b.name), b]));
    // Day: half elapsed, 6 spent -> forecast 12 >= 10 while below the 8 soft threshold.
    expect(by['acme-daily']).toMatchObject({
      spent_usd: '6',
      remaining_usd: '4',
      forecast_usd: '12',
      status: 'forecast_breach',
      elapsed_fraction: 0.5,
    });
    // Month of March: 3.5 of 31 days elapsed; 85 >= 80 soft.
    expect(by['chat-monthly']).toMatchObject({
      spent_usd: '85',
      status: 'soft',
      forecast_usd: Precise(85).mul(31).div(3.5).toDecimalPlaces(18).toString(),
    });
    // Week from Monday 2026-03-02: 1.2 >= 1 hard.
    expect(by['staging-weekly']).toMatchObject({
      spent_usd: '1.2',
      remaining_usd: '0',
      status: 'hard',
      period_start: '2026-03-02T00:00:00.000Z',
    });
    const scoped = await getJson<{ budgets: unknown[] }>(`${app.url}/v1/budgets?tenant=acme`);
    expect(scoped.body.budgets).toHaveLength(1);
    const bad = await getJson<{ parameter: string }>(`${app.url}/v1/budgets?tenant=`);
    expect(bad.body.parameter).toBe('tenant');
  });

  it('lists per-call and per-period token budget breaches', async () => {
    const res = await getJson<{ breaches: Record<string, unknown>[] }>(
      `${app.url}/v1/budgets/token-breaches?from=${iso(Date.UTC(2026, 2, 5))}&to=${iso(Date.UTC(2026, 2, 7))}`,
    );
    expect(res.body.breaches).toEqual([
      expect.objectContaining({
        route: '/big',
        type: 'per_call',
        limit_tokens: 1000,
        breaching_calls: 1,
        max_tokens: 1200,
        examples: [expect.objectContaining({ call_id: 'tok-2', tokens: 1200 })],
      }),
      {
        route: '/big',
        type: 'per_period',
        period: 'day',
        period_start: '2026-03-05T00:00:00Z',
        limit_tokens: 1500,
        tokens: 2600,
        excess_tokens: 1100,
      },
    ]);
    const bad = await getJson<{ parameter: string }>(
      `${app.url}/v1/budgets/token-breaches?from=nope&to=${iso(T)}`,
    );
    expect(bad.body.parameter).toBe('from');
  });
});
