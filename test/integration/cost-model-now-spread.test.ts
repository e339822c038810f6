// Two edges of the cost model, on the README's worked example (10 units x $1/h, capacity 30000
// converted tokens an hour; acme's covered call 3000 of them, globex's 2000; an on-demand $0.5):
//  - a range reaching past now charges reservation hours only if they have begun (the current
//    hour in full), never purchase or unused capacity for hours nobody has had yet;
//  - spend per outcome with unused=spread carries the unused share the way /v1/costs spreads it.
//  - the FOCUS export reads the same clock (not the process's).
// Real chDB, rows inserted into llm_calls, real HTTP; the clock is the app's injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { postJson } from '../helpers/otlp.js';
import { atto, usd } from '../fixtures/pricing/exact.js';
import { parseCsv, seed, startApp, type SeedCall, type TestApp } from './analytics-finops-seed.js';

const H = 3_600_000;
const M = 60_000;
const W = Date.UTC(2026, 6, 14, 9); // the reserved hour (open-ended reservation from W)
const iso = (ms: number): string => new Date(ms).toISOString();
const tokenPrice = (total: string): NonNullable<SeedCall['cost']> => ({
  input: total,
  cached: '0',
  write: '0',
  output: '0',
  total,
  list: total,
});
const TRACE = 'f'.repeat(32);
const ptu = { deployment: 'ptu-north', capacity_tier: 'provisioned', model: 'gpt-4.1' };
const calls: SeedCall[] = [
  { id: 'n-acme', at: W + 10 * M, ...ptu, trace_id: TRACE, input: 2000, output: 1000 },
  { id: 'n-globex', at: W + 20 * M, ...ptu, tenant: 'globex', input: 1500, output: 500 },
  { id: 'n-od', at: W + 25 * M, trace_id: TRACE, cost: tokenPrice('0.5') },
].map((c) => ({ tenant: 'acme', cost: tokenPrice('0.01'), ...c }));

const finops = {
  reservations: [
    {
      name: 'north',
      deployment: 'ptu-north',
      units: 10,
      price_per_unit_hour: '1',
      tokens_per_minute_per_unit: 50,
      start: iso(W),
    },
  ],
};

let clock = W + 30 * M;
let t: TestRuntime;
let app: TestApp;
beforeAll(async () => {
  t = await startTestRuntime();
  await seed(t.runtime.storage, calls);
  app = await startApp(t.runtime.storage, finops, () => new Date(clock));
});
afterAll(async () => {
  await app?.close();
  await t?.runtime.stop();
});

type Row = Record<string, string | number | boolean>;
const costs = async (query: string, from: number, to: number): Promise<Row[]> => {
  const res = await getJson<{ rows: Row[] }>(
    `${app.url}/v1/costs?from=${iso(from)}&to=${iso(to)}${query}`,
  );
  expect(res.status, query).toBe(200);
  return res.body.rows;
};
const total = (rows: Row[], k: string): string =>
  usd(rows.reduce((a, r) => a + atto(String(r[k])), 0n));

describe('reservation hours after now', () => {
  it('are not charged: the current hour counts in full, hours not yet begun not at all', async () => {
    clock = W + 30 * M;
    // The range reaches 1h30m past the reservation's first hour; only that hour has begun.
    const rows = await costs('&group_by=tenant', W - H, clock + H);
    const purchase = rows.filter((r) => r.reservation_purchase === true);
    const unused = rows.filter((r) => r.unused_reservation === true);
    expect(total(purchase, 'billed_cost_usd')).toBe('10');
    expect(purchase[0]?.reservation).toBe('north');
    // acme 10 x 3000/30000 = 1 (+ its on-demand 0.5), globex 10 x 2000/30000; the rest unused.
    const usage = rows.filter((r) => r.reservation === undefined);
    expect(Object.fromEntries(usage.map((r) => [r.tenant, r.effective_cost_usd]))).toEqual({
      acme: '1.5',
      globex: '0.666666666666666667',
    });
    expect(total(unused, 'effective_cost_usd')).toBe('8.333333333333333333');
    expect(total(rows, 'effective_cost_usd')).toBe(total(rows, 'billed_cost_usd'));
    expect(total(rows, 'billed_cost_usd')).toBe('10.5');
    // The same question a minute later answers the same digits (the hour is not prorated).
    clock = W + 31 * M;
    expect(await costs('&group_by=tenant', W - H, W + 30 * M + H)).toEqual(rows);
    // A range that ends inside the current hour still ends there.
    const early = await costs('&group_by=tenant', W, W + 15 * M);
    expect(total(early, 'billed_cost_usd')).toBe('2.5');
  });

  it('are charged once the clock has passed into them', async () => {
    clock = W + 2 * H + M;
    const rows = await costs('&group_by=tenant', W - H, W + 5 * H);
    const purchase = rows.filter((r) => r.reservation_purchase === true);
    expect(total(purchase, 'billed_cost_usd')).toBe('30');
    expect(total(rows, 'effective_cost_usd')).toBe('30.5');
  });
});

describe('the FOCUS export and the clock', () => {
  it("charges only the reservation hours begun by the app's clock, as /v1/costs does", async () => {
    // The process clock is months past W: an export that read it would bill all five hours.
    clock = W + 30 * M;
    const res = await fetch(
      `${app.url}/v1/export/focus?from=${iso(W - H)}&to=${iso(W + 5 * H)}&format=csv`,
    );
    expect(res.status).toBe(200);
    const [head = [], ...raw] = parseCsv(await res.text());
    const rows = raw.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
    const sum = (list: Record<string, string>[], k: string): string =>
      usd(list.reduce((a, r) => a + atto(r[k] ?? '0'), 0n));
    const purchase = rows.filter((r) => r.ChargeCategory === 'Purchase');
    expect(purchase.length).toBeGreaterThan(0);
    expect(sum(purchase, 'BilledCost')).toBe('10');
    const api = await costs('&group_by=tenant', W - H, W + 5 * H);
    expect(sum(rows, 'BilledCost')).toBe(total(api, 'billed_cost_usd'));
    expect(sum(rows, 'EffectiveCost')).toBe(total(api, 'effective_cost_usd'));
    expect(sum(rows, 'BilledCost')).toBe('10.5');
  });
});

describe('spend per outcome with the unused share spread', () => {
  it('carries the unused share as /v1/costs?unused=spread does, and none by default', async () => {
    clock = W + 2 * H;
    const posted = await postJson(`${t.apiUrl}/v1/outcomes`, {
      outcomes: [
        { id: 'won-n', name: 'deal', success: true, trace_id: TRACE, time: iso(W + 50 * M) },
      ].map((o) => ({ ...o, tenant: 'acme' })),
    });
    expect(posted.status).toBe(202);
    // The app reads the same store the runtime wrote to; wait for the outcome to be visible.
    type Spend = { rows: Row[]; unlinked: Row; total: Row; linking: Row };
    const spend = async (query: string): Promise<Spend> => {
      const res = await getJson<Spend>(
        `${app.url}/v1/outcomes/spend?from=${iso(W)}&to=${iso(W + H)}&group_by=tenant${query}`,
      );
      expect(res.status, query).toBe(200);
      return res.body;
    };
    const asRow = await spend('');
    // Without spreading, acme's linked calls spend their allocation (1) and the on-demand 0.5.
    expect(asRow.rows).toEqual([expect.objectContaining({ tenant: 'acme', spend_usd: '1.5' })]);
    expect(asRow.linking.unused_reservation).toMatch(/^row/);
    const spread = await spend('&unused=spread');
    // Spread: the unused 8.333... goes 3:2 to acme and globex: acme 6, globex 4 (README).
    expect(spread.rows).toEqual([expect.objectContaining({ tenant: 'acme', spend_usd: '6.5' })]);
    expect(spread.unlinked.spend_usd).toBe('4');
    expect(spread.linking.unused_reservation).toMatch(/^spread/);
    const byTenant = await costs('&group_by=tenant&unused=spread', W, W + H);
    expect(spread.total.spend_usd).toBe(total(byTenant, 'effective_cost_usd'));
    expect(spread.total.spend_usd).toBe('10.5');
    // A tenant's view: its own spread share, as /v1/costs?tenant= shows it.
    const scoped = await getJson<Spend>(
      `${app.url}/v1/outcomes/spend?from=${iso(W)}&to=${iso(W + H)}&tenant=acme&unused=spread`,
    );
    const acmeCosts = await costs('&tenant=acme&unused=spread', W, W + H);
    expect(scoped.body.total.spend_usd).toBe(total(acmeCosts, 'effective_cost_usd'));
    expect(scoped.body.total.spend_usd).toBe('6.5');
  });
});
