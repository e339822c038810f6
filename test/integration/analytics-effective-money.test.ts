// Budgets, budget alerts, routing budgets and spend per outcome read the cost model's effective
// cost (a covered call spends its share of the reservation hour, not its token price) and show
// the unpriced calls their spend leaves out. Real chDB, rows inserted into llm_calls; the
// expected amounts are the README's worked example: 10 units x $1/h, capacity 30000 converted
// tokens per hour, acme's covered call 3000 of them ($1), globex's 2000 ($0.666...667).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetObservations } from '../../src/analytics/alerts/rules-money.js';
import { queryBudgets } from '../../src/analytics/queries/budgets.js';
import { queryOutcomeSpend } from '../../src/analytics/queries/outcomes-spend.js';
import { budgetStatus } from '../../src/analytics/routing/budgets.js';
import { parseConfig } from '../../src/shared/config.js';
import type { RoutingBudgetConfig, RoutingTargetConfig } from '../../src/shared/config-routing.js';
import { getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { postJson } from '../helpers/otlp.js';
import { seed, startApp, type SeedCall, type TestApp } from './analytics-finops-seed.js';

const H = 3_600_000;
const W = Date.UTC(2026, 5, 9, 14); // the reserved hour
const NOW = new Date(W + H); // the clock: the hour is over
const iso = (ms: number): string => new Date(ms).toISOString();
const tokenPrice = (total: string): NonNullable<SeedCall['cost']> => ({
  input: total,
  cached: '0',
  write: '0',
  output: '0',
  total,
  list: total,
});
const TRACE = 'e'.repeat(32);
const ptu = { deployment: 'ptu-west', capacity_tier: 'provisioned', model: 'gpt-4.1' };
const calls: SeedCall[] = [
  // Covered: at token prices these would cost 0.03 and 0.02.
  {
    id: 'c-acme',
    at: W + 10 * 60_000,
    ...ptu,
    trace_id: TRACE,
    input: 2000,
    output: 1000,
    cost: tokenPrice('0.03'),
  },
  {
    id: 'c-globex',
    at: W + 20 * 60_000,
    ...ptu,
    tenant: 'globex',
    input: 1500,
    output: 500,
    cost: tokenPrice('0.02'),
  },
  // On-demand, and an unpriced call (its cost is unknown, counted apart).
  { id: 'o-acme', at: W + 30 * 60_000, trace_id: TRACE, cost: tokenPrice('0.5') },
  { id: 'u-acme', at: W + 40 * 60_000, model: 'mystery-1', priced: false },
].map((c) => ({ tenant: 'acme', ...c }));

const finops = {
  reservations: [
    {
      deployment: 'ptu-west',
      units: 10,
      price_per_unit_hour: '1',
      tokens_per_minute_per_unit: 50,
      start: iso(W),
      end: iso(W + H),
    },
  ],
  budgets: [
    { name: 'acme-daily', scope: { tenant: 'acme' }, period: 'day', ceiling_usd: '1.4' },
    { name: 'all-daily', scope: {}, period: 'day', ceiling_usd: '100' },
  ],
};
const config = parseConfig({ finops });
const reservations = config.finops.reservations;

let t: TestRuntime;
let app: TestApp;
beforeAll(async () => {
  t = await startTestRuntime();
  await seed(t.runtime.storage, calls);
  app = await startApp(t.runtime.storage, finops, () => NOW);
});
afterAll(async () => {
  await app?.close();
  await t?.runtime.stop();
});

describe('budgets on effective cost', () => {
  it('charge a tenant its share of the reservation hour and count its unpriced calls', async () => {
    const res = await getJson<{ budgets: Record<string, unknown>[] }>(`${app.url}/v1/budgets`);
    const by = Object.fromEntries(res.body.budgets.map((b) => [String(b.name), b]));
    // acme: $1 allocated + $0.5 on-demand (not 0.03 + 0.5 at token prices): above the 1.4 ceiling.
    expect(by['acme-daily']).toMatchObject({ spent_usd: '1.5', status: 'hard', unpriced_calls: 1 });
    // Global: the whole reservation hour (allocated + unused) + on-demand = 10.5.
    expect(by['all-daily']).toMatchObject({ spent_usd: '10.5', unpriced_calls: 1 });
    // Without reservations the same budget reads token prices: the model is what moved it.
    const tokenOnly = await queryBudgets(t.runtime.storage, config.finops.budgets, NOW);
    expect(tokenOnly.find((b) => b.name === 'acme-daily')?.spent_usd).toBe('0.53');
  });

  it('fire a finops budget alert and a per-tenant ceiling alert on the same money', async () => {
    const ctx = {
      storage: t.runtime.storage,
      now: NOW,
      finopsBudgets: config.finops.budgets,
      reservations,
    };
    const alerts = parseConfig({
      finops,
      alerts: {
        rules: [
          { name: 'watch', kind: 'budget', mode: 'hard', budgets: ['acme-daily'] },
          {
            name: 'per-tenant',
            kind: 'budget',
            ceiling_usd: '1.2',
            period: 'day',
            group_by: ['tenant'],
          },
        ],
      },
    }).alerts.rules;
    const watch = await budgetObservations(alerts[0] as never, ctx);
    expect(watch).toEqual([
      expect.objectContaining({ labels: { budget: 'acme-daily', tenant: 'acme' }, breached: true }),
    ]);
    expect(watch[0]?.summary).toContain('1 unpriced calls not included');
    const perTenant = await budgetObservations(alerts[1] as never, ctx);
    const acme = perTenant.find((o) => o.labels.tenant === 'acme');
    const globex = perTenant.find((o) => o.labels.tenant === 'globex');
    expect([acme?.breached, acme?.value]).toEqual([true, 1.5]);
    expect(globex?.breached).toBe(false);
    // Reservation rows belong to no tenant: no alert group for them.
    expect(perTenant.map((o) => o.labels.tenant).sort()).toEqual(['acme', 'globex']);
  });
});

describe('routing budgets on effective cost', () => {
  it('spend per tenant and per target is the allocation, with unpriced counts', async () => {
    const budgets = [
      {
        scope: 'tenant',
        key: 'acme',
        period: 'day',
        ceiling_usd: '2',
        soft_pct: 70,
        hard_pct: 100,
        on_exhaust: 'deny',
      },
      {
        scope: 'target',
        key: 'ptu',
        period: 'day',
        ceiling_usd: '50',
        soft_pct: 80,
        hard_pct: 100,
        on_exhaust: 'skip_target',
      },
    ] as unknown as RoutingBudgetConfig[];
    const targets = [
      { id: 'ptu', provider: 'openai', model: 'gpt-4.1', deployment: 'ptu-west' },
    ] as unknown as RoutingTargetConfig[];
    const feed = await budgetStatus(
      t.runtime.storage,
      budgets,
      targets,
      NOW.getTime() - 1,
      reservations,
    );
    expect(feed[0]).toMatchObject({
      key: 'acme',
      spent_usd: 1.5,
      state: 'warning',
      unpriced_calls: 1,
    });
    // Both covered calls: 1 + 0.666666666666666667, on the feed rounded to 6 decimals.
    expect(feed[1]).toMatchObject({ key: 'ptu', spent_usd: 1.666667, unpriced_calls: 0 });
  });
});

describe('spend per outcome on effective cost', () => {
  it('links the covered call at its allocation and counts unpriced calls', async () => {
    const posted = await postJson(`${app.url}/v1/outcomes`, {
      outcomes: [
        {
          id: 'won-1',
          name: 'deal',
          success: true,
          trace_id: TRACE,
          tenant: 'acme',
          time: iso(W + 50 * 60_000),
        },
      ],
    });
    expect(posted.status).toBe(202);
    const res = await getJson<{
      rows: Record<string, unknown>[];
      unlinked: Record<string, unknown>;
      total: Record<string, unknown>;
    }>(`${app.url}/v1/outcomes/spend?from=${iso(W)}&to=${iso(W + H)}&group_by=tenant`);
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([
      expect.objectContaining({
        tenant: 'acme',
        linked_calls: 2,
        spend_usd: '1.5',
        unpriced_calls: 0,
      }),
    ]);
    expect(res.body.unlinked).toEqual({
      calls: 2,
      spend_usd: '0.666666666666666667',
      unpriced_calls: 1,
      usage_incomplete_calls: 0,
    });
    expect(res.body.total).toEqual({
      calls: 4,
      spend_usd: '2.166666666666666667',
      unpriced_calls: 1,
      usage_incomplete_calls: 0,
    });
    // A tenant's view keeps the shares computed over every tenant's usage.
    const scoped = await queryOutcomeSpend(t.runtime.storage, {
      from: new Date(W),
      to: new Date(W + H),
      tenant: 'acme',
      windowHours: 24,
      reservations,
    });
    expect(scoped.total).toEqual({
      calls: 3,
      spend_usd: '1.5',
      unpriced_calls: 1,
      usage_incomplete_calls: 0,
    });
  });
});
