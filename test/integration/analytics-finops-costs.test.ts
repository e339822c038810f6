// /v1/costs (dimensions, buckets, top-N, effective vs list, exact edges), /v1/costs/provisioned
// (allocation and idle sum exactly to the reservation cost) and the FOCUS export (split rows sum
// to their origin charge), on a real runtime with rows inserted into llm_calls.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFocusToFile } from '../../src/analytics/export/focus-export.js';
import { buildCostSql } from '../../src/analytics/queries/costs.js';
import { NOW, rollupTable } from '../../src/storage/catalog/catalog.js';
import { renderSql, splitStatements } from '../../src/storage/migrate.js';
import { backfillSql } from '../../src/storage/sqlgen/render.js';
import { parseConfig } from '../../src/shared/config.js';
import { getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { parseCsv, seed, startApp, type SeedCall, type TestApp } from './analytics-finops-seed.js';

const H = 3_600_000;
const H1 = Date.UTC(2026, 2, 2, 10); // a whole hour
const H2 = H1 + H;
const iso = (ms: number): string => new Date(ms).toISOString();
const D = (v: string | number): Decimal => new Decimal(v);
const cost = (
  input: string,
  cached: string,
  output: string,
  list: string,
): NonNullable<SeedCall['cost']> => ({
  input,
  cached,
  write: '0',
  output,
  total: D(input).add(cached).add(output).toString(),
  list,
});

// Edge calls for exactness: [from, to) = [H1+30s, H2+5m+20s)
const edge: SeedCall[] = [
  { id: 'e-before', at: H1 + 10_000, route: '/a', cost: cost('1', '0', '0', '1') },
  {
    id: 'e-first',
    at: H1 + 45_000,
    route: '/a',
    region: 'westus',
    cost: cost('0.1', '0.01', '0.2', '0.4'),
  },
  {
    id: 'e-mid',
    at: H1 + 300_000,
    route: '/b',
    environment: 'staging',
    operation: 'embeddings',
    cost: cost('0.3', '0', '0.3', '0.9'),
  },
  { id: 'e-h2', at: H2 + 60_000, route: '/c', cost: cost('0.05', '0', '0.05', '0.1') },
  {
    id: 'e-last',
    at: H2 + 300_000 + 10_000,
    route: '/c',
    cost: cost('0.000000000000000001', '0', '0', '0.000000000000000001'),
  },
  { id: 'e-after', at: H2 + 300_000 + 30_000, route: '/c', cost: cost('7', '0', '0', '7') },
];
const inRange = edge.filter((c) => !['e-before', 'e-after'].includes(c.id));
const total = (calls: SeedCall[], k: 'total' | 'list' = 'total'): string =>
  calls.reduce((a, c) => a.add(c.cost?.[k] ?? 0), D(0)).toString();

// Provisioned: deployment ptu-east, 2 units x $1.5/unit-hour, 1000 converted TPM per unit, output weight 4.
const P0 = Date.UTC(2026, 2, 3, 10);
const ptu: SeedCall[] = [
  {
    id: 'p-a',
    at: P0 + 40 * 60_000,
    tenant: 'acme',
    route: '/a',
    deployment: 'ptu-east',
    capacity_tier: 'provisioned',
    input: 1000,
    cached: 200,
    output: 100,
    cost: cost('0.002', '0.0001', '0.001', '0.004'),
  },
  {
    id: 'p-b',
    at: P0 + 41 * 60_000,
    tenant: 'globex',
    route: '/b',
    deployment: 'ptu-east',
    capacity_tier: 'provisioned',
    input: 500,
    output: 50,
    cost: cost('0.001', '0', '0.0005', '0.002'),
  },
  {
    id: 'p-big',
    at: P0 + H + 10 * 60_000,
    tenant: 'acme',
    route: '/a',
    deployment: 'ptu-east',
    capacity_tier: 'provisioned',
    input: 200_000,
    output: 10,
    cost: cost('0.5', '0', '0.0001', '0.6'),
  },
  {
    id: 'p-other-dep',
    at: P0 + 45 * 60_000,
    tenant: 'acme',
    route: '/a',
    deployment: 'paygo',
    input: 999_999,
    cost: cost('1', '0', '0', '1'),
  },
];
const reservation = {
  deployment: 'ptu-east',
  units: 2,
  term: '1-month',
  price_per_unit_hour: '1.5',
  tokens_per_minute_per_unit: 1000,
  weights: { input: 1, cached_input: 0, cache_write: 1, output: 4 },
  // Active for the provisioned questions only, so the /v1/costs questions on other days see
  // on-demand calls alone (the cost model itself is tested in analytics-cost-model.test.ts).
  start: iso(P0),
  end: iso(P0 + 3 * H),
};

let t: TestRuntime;
let app: TestApp;
beforeAll(async () => {
  t = await startTestRuntime();
  await seed(t.runtime.storage, [...edge, ...ptu]);
  app = await startApp(t.runtime.storage, { reservations: [reservation] });
});
afterAll(async () => {
  await app.close();
  await t.runtime.stop();
});

type Rows = { rows: Record<string, string | number | boolean>[] };
const range = `from=${iso(H1 + 30_000)}&to=${iso(H2 + 300_000 + 20_000)}`;
const costs = (extra: string): Promise<{ status: number; body: Rows }> =>
  getJson<Rows>(`${app.url}/v1/costs?${range}${extra}`);
const sumOf = (rows: Rows['rows'], key: string): string =>
  rows.reduce((a, r) => a.add(String(r[key])), D(0)).toString();
/** `cost/calls` summed over a whole table, to compare a rollup with what it was filled from. */
const sums = async (table: string): Promise<string> =>
  (
    await t.runtime.storage.query<{ c: string; n: string }>(
      `SELECT toString(sum(cost_total)) AS c, sum(calls) AS n FROM ${table}`,
    )
  ).map((r) => `${r.c}/${r.n}`)[0] ?? '';
/** Every stored call as a table `sums` reads (the rollups of the calls subject count every row). */
const RAW_CALLS = '(SELECT cost_total, toUInt64(1) AS calls FROM llm_calls)';

/**
 * A table's guarded backfill as the catalog generates it for the current schema (the statement
 * in its creating migration has no column list: it fits the table only as that migration left
 * it, before later migrations added measures).
 */
function backfillNow(name: string): string {
  const t = rollupTable(name);
  if (t === undefined) throw new Error(`no rollup table ${name}`);
  const sourceGrain = rollupTable(t.table.from)?.table.grain;
  const sql = backfillSql({ ...t, version: NOW, sourceGrain }, 'single');
  return splitStatements(renderSql(sql, { ttl_days: 400 }))[0] ?? '';
}

describe('/v1/costs', () => {
  it('is exact at sub-minute edges and keeps the original keys', async () => {
    const res = await costs('');
    expect(res.status).toBe(200);
    expect(res.body.rows).toHaveLength(1);
    const row = res.body.rows[0] ?? {};
    for (const key of [
      'calls',
      'input_tokens',
      'cache_read_tokens',
      'cache_creation_tokens',
      'output_tokens',
      'cost_usd',
      'unpriced_calls',
    ])
      expect(row).toHaveProperty(key);
    expect(row.calls).toBe(inRange.length);
    expect(row.cost_usd).toBe(total(inRange));
    // cost_usd is the effective cost; list_cost_usd the on-demand equivalent (they differ here).
    expect(row.list_cost_usd).toBe(total(inRange, 'list'));
    expect(row.list_cost_usd).not.toBe(row.cost_usd);
  });

  it('groups by region, environment and operation with sums equal to the total', async () => {
    const res = await costs('&group_by=region,environment,operation');
    expect(res.body.rows.find((r) => r.region === 'westus')?.cost_usd).toBe('0.31');
    expect(res.body.rows.find((r) => r.environment === 'staging')?.operation).toBe('embeddings');
    expect(sumOf(res.body.rows, 'cost_usd')).toBe(total(inRange));
  });

  it('buckets by hour and by day', async () => {
    const hourly = await costs('&interval=1h');
    expect(hourly.body.rows.map((r) => r.bucket)).toEqual([
      iso(H1).replace('.000', ''),
      iso(H2).replace('.000', ''),
    ]);
    expect(hourly.body.rows[0]?.cost_usd).toBe(total(inRange.filter((c) => c.at < H2)));
    expect(hourly.body.rows[1]?.cost_usd).toBe(total(inRange.filter((c) => c.at >= H2)));
    const daily = await costs('&interval=1d&group_by=route');
    expect(new Set(daily.body.rows.map((r) => r.bucket))).toEqual(
      new Set(['2026-03-02T00:00:00Z']),
    );
    expect(sumOf(daily.body.rows, 'cost_usd')).toBe(total(inRange));
  });

  it('keeps the top N groups and folds the rest into an exact `other` row', async () => {
    const res = await costs('&group_by=route&top=1');
    expect(res.body.rows).toHaveLength(2);
    expect(res.body.rows[0]).toMatchObject({ route: '/b', other: false, cost_usd: '0.6' });
    expect(res.body.rows[1]).toMatchObject({ route: '(other)', other: true, calls: 3 });
    expect(sumOf(res.body.rows, 'cost_usd')).toBe(total(inRange));
    const perHour = await costs('&group_by=route&top=2&interval=1h');
    expect(sumOf(perHour.body.rows, 'cost_usd')).toBe(total(inRange));
  });

  it('rejects bad parameters with 400 naming the parameter', async () => {
    for (const [query, parameter] of [
      ['&interval=5m', 'interval'],
      ['&top=2', 'top'],
      ['&group_by=route&top=0', 'top'],
      ['&group_by=colour', 'group_by'],
      ['&tenant=', 'tenant'],
    ] as const) {
      const res = await getJson<{ parameter: string }>(`${app.url}/v1/costs?${range}${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.parameter, query).toBe(parameter);
    }
    const reversed = await getJson<{ parameter: string }>(
      `${app.url}/v1/costs?from=${iso(H2)}&to=${iso(H1)}`,
    );
    expect(reversed.body.parameter).toBe('to');
  });
});

describe('/v1/costs over whole hours (hourly rollup without the tenant)', () => {
  // [H1-3h+15s, H2+5m+20s) holds whole hours H1-2h..H2, which unscoped questions read from
  // llm_costs_1h; the tenant-grouped question of the same range reads llm_costs_tenant_1h and llm_calls.
  const wide = `from=${iso(H1 - 3 * H + 15_000)}&to=${iso(H2 + 300_000 + 20_000)}`;
  const inWide = edge.filter((c) => c.id !== 'e-after');

  it('answers the same exact sums as the minute and raw paths', async () => {
    expect(
      buildCostSql({
        from: new Date(H1 - 3 * H + 15_000),
        to: new Date(H2 + 320_000),
        groupBy: ['route'],
      }).sql,
    ).toContain('llm_costs_1h');
    expect(
      buildCostSql({
        from: new Date(H1 - 3 * H + 15_000),
        to: new Date(H2 + 320_000),
        groupBy: ['tenant'],
      }).sql,
    ).not.toContain('llm_costs_1h');
    const byRoute = await getJson<Rows>(`${app.url}/v1/costs?${wide}&group_by=route`);
    const byTenant = await getJson<Rows>(`${app.url}/v1/costs?${wide}&group_by=tenant`);
    expect(sumOf(byRoute.body.rows, 'cost_usd')).toBe(total(inWide));
    expect(sumOf(byRoute.body.rows, 'list_cost_usd')).toBe(total(inWide, 'list'));
    expect(sumOf(byTenant.body.rows, 'cost_usd')).toBe(total(inWide));
    expect(byRoute.body.rows.find((r) => r.route === '/a')?.calls).toBe(2);
    const hourly = await getJson<Rows>(`${app.url}/v1/costs?${wide}&interval=1h`);
    expect(hourly.body.rows.find((r) => r.bucket === iso(H1).replace('.000', ''))?.cost_usd).toBe(
      total(inWide.filter((c) => c.at < H2)),
    );
  });

  it('backfills what its source held when the migration first runs, once', async () => {
    const store = t.runtime.storage;
    const before = await sums('llm_costs_1h');
    expect(before).toBe(await sums(RAW_CALLS));
    const backfill = backfillNow('llm_costs_1h');
    await store.command(backfill ?? '');
    expect(await sums('llm_costs_1h')).toBe(before); // guarded: a re-run adds nothing
    await store.command('TRUNCATE TABLE llm_costs_1h');
    await store.command(backfill ?? '');
    expect(await sums('llm_costs_1h')).toBe(before);
  });
});

describe('/v1/costs by tenant over whole days (tenant-keyed rollups, 0026)', () => {
  // [D0-2h+15s, D0+2d+3h+5m+20s): raw edge seconds, minutes, hours of llm_costs_tenant_1h, two whole
  // days of llm_costs_tenant_1d, hours, minutes and raw seconds again; one call in each segment.
  const D0 = Date.UTC(2026, 3, 10);
  const from = D0 - 2 * H + 15_000;
  const to = D0 + 48 * H + 3 * H + 300_000 + 20_000;
  const at = [
    -2 * H + 10_000,
    -2 * H + 20_000,
    -90 * 60_000,
    -30 * 60_000,
    5 * H,
    30 * H,
    49 * H,
    51 * H + 120_000,
    51 * H + 310_000,
    51 * H + 330_000,
  ];
  const tenants = ['acme', 'globex', 'initech'];
  const days: SeedCall[] = at.flatMap((offset, i) =>
    tenants.map((tenant, k) => {
      const c = `0.${String(i + 1).padStart(2, '0')}${String(k + 1).repeat(3)}00000000000${i + k + 1}`;
      return {
        id: `d-${i}-${tenant}`,
        at: D0 + offset,
        tenant,
        route: `/r${i % 2}`,
        cost: cost(c, '0', '0', c),
      };
    }),
  );
  const inDays = days.filter((c) => c.at >= from && c.at < to);
  const range = `from=${iso(from)}&to=${iso(to)}`;
  beforeAll(async () => seed(t.runtime.storage, days));

  it('reads whole days and hours from the tenant rollups and answers the exact raw sums', async () => {
    const sql = buildCostSql({ from: new Date(from), to: new Date(to), groupBy: ['tenant'] }).sql;
    // Cost per tenant alone reads the time-first per-tenant family (0033); with another
    // dimension, the tenant-keyed family of 0026.
    expect(sql).toContain('llm_costs_per_tenant_1d');
    expect(sql).toContain('llm_costs_per_tenant_1h');
    const wide = buildCostSql({
      from: new Date(from),
      to: new Date(to),
      groupBy: ['tenant', 'route'],
    });
    expect(wide.sql).toContain('llm_costs_tenant_1d');
    expect(wide.sql).toContain('llm_costs_tenant_1h');
    expect(inDays).toHaveLength(24);
    const byTenant = await getJson<Rows>(`${app.url}/v1/costs?${range}&group_by=tenant`);
    for (const tenant of tenants) {
      const mine = inDays.filter((c) => c.tenant === tenant);
      const row = byTenant.body.rows.find((r) => r.tenant === tenant);
      expect([row?.calls, row?.cost_usd]).toEqual([mine.length, total(mine)]);
    }
    // The same question scoped to one tenant (what a tenant-bound API key asks) and by day.
    const scoped = await getJson<Rows>(`${app.url}/v1/costs?${range}&group_by=route&tenant=globex`);
    expect(sumOf(scoped.body.rows, 'cost_usd')).toBe(
      total(inDays.filter((c) => c.tenant === 'globex')),
    );
    const daily = await getJson<Rows>(`${app.url}/v1/costs?${range}&group_by=tenant&interval=1d`);
    const day1 = daily.body.rows.filter((r) => r.bucket === iso(D0 + 24 * H).replace('.000', ''));
    expect(sumOf(day1, 'cost_usd')).toBe(
      total(inDays.filter((c) => c.at >= D0 + 24 * H && c.at < D0 + 48 * H)),
    );
    const hourly = await getJson<Rows>(`${app.url}/v1/costs?${range}&group_by=tenant&interval=1h`);
    expect(sumOf(hourly.body.rows, 'cost_usd')).toBe(total(inDays));
  });

  it('holds in the daily table what the hourly and minute tables hold, and backfills once', async () => {
    const store = t.runtime.storage;
    const minute = await sums(RAW_CALLS);
    expect(await sums('llm_costs_tenant_1h')).toBe(minute);
    expect(await sums('llm_costs_tenant_1d')).toBe(minute);
    const backfills = ['llm_costs_tenant_1h', 'llm_costs_tenant_1d'].map(backfillNow);
    for (const st of backfills) await store.command(st);
    expect([await sums('llm_costs_tenant_1h'), await sums('llm_costs_tenant_1d')]).toEqual([
      minute,
      minute,
    ]); // guarded
    await store.command('TRUNCATE TABLE llm_costs_tenant_1h');
    await store.command('TRUNCATE TABLE llm_costs_tenant_1d');
    for (const st of backfills) await store.command(st);
    expect([await sums('llm_costs_tenant_1h'), await sums('llm_costs_tenant_1d')]).toEqual([
      minute,
      minute,
    ]);
  });
});

describe('/v1/costs/provisioned', () => {
  // [P0+30m, P0+90m): two half hours, each costing 2 x 1.5 / 2 = 1.5 with capacity 2 x 1000 x 30 = 60000.
  const url = (extra: string): string =>
    `${app.url}/v1/costs/provisioned?from=${iso(P0 + 30 * 60_000)}&to=${iso(P0 + 90 * 60_000)}${extra}`;
  const half = D('1.5');
  const cap = D(60_000);
  const convA = D(1 * 800 + 0 * 200 + 4 * 100); // uncached input 800, cached 200 (weight 0), output 100 x 4
  const convB = D(500 + 4 * 50);
  const hour1A = half.mul(convA).div(cap);
  const hour1B = half.mul(convB).div(cap);

  it('allocates by converted-token share per hour with an explicit idle row, summing exactly', async () => {
    const res = await getJson<{
      reservations: Record<string, string | number>[];
      rows: Record<string, string | number | boolean>[];
    }>(url('&group_by=route'));
    expect(res.status).toBe(200);
    const byRoute = Object.fromEntries(res.body.rows.map((r) => [String(r.route), r]));
    // In hour 2 usage (200040 converted) exceeds capacity: the calls bear the whole 1.5, idle 0.
    expect(byRoute['/a']?.allocated_cost_usd).toBe(hour1A.add(half).toString());
    expect(byRoute['/b']?.allocated_cost_usd).toBe(hour1B.toString());
    expect(byRoute['(idle)']).toMatchObject({
      idle: true,
      allocated_cost_usd: half.sub(hour1A).sub(hour1B).toString(),
    });
    expect(sumOf(res.body.rows, 'allocated_cost_usd')).toBe('3');
    expect(res.body.reservations[0]).toMatchObject({
      name: 'ptu-east',
      reservation_cost_usd: '3',
      idle_cost_usd: half.sub(hour1A).sub(hour1B).toString(),
    });
  });

  it('scopes to a tenant without idle rows, keeping the shares computed over all tenants', async () => {
    const res = await getJson<{
      reservations: unknown[];
      rows: Record<string, string | number | boolean>[];
    }>(url('&tenant=globex&group_by=tenant'));
    expect(res.body.rows).toEqual([
      expect.objectContaining({
        tenant: 'globex',
        allocated_cost_usd: hour1B.toString(),
        idle: false,
      }),
    ]);
    expect(res.body.reservations).toEqual([]);
  });

  it('splits a cost that does not divide evenly and still sums exactly', async () => {
    // 100 seconds: cost 2 x 1.5 x 100/3600 = 1/12, rounded to 18 places; shares of 1200, 700 and
    // the idle 3333.3... converted tokens are not finite decimals either.
    const res = await getJson<Rows & { reservations: Record<string, string>[] }>(
      `${app.url}/v1/costs/provisioned?from=${iso(P0 + 40 * 60_000)}&to=${iso(P0 + 40 * 60_000 + 100_000)}&group_by=route`,
    );
    const totalCost = res.body.reservations[0]?.reservation_cost_usd ?? '';
    expect(totalCost).toBe('0.083333333333333333');
    expect(res.body.rows).toHaveLength(3);
    expect(sumOf(res.body.rows, 'allocated_cost_usd')).toBe(totalCost);
  });

  it('rejects bad parameters', async () => {
    const res = await getJson<{ parameter: string }>(url('&group_by=deployment'));
    expect(res.status).toBe(400);
    expect(res.body.parameter).toBe('group_by');
  });
});

describe('FOCUS export', () => {
  const focusUrl = (format: string, extra = ''): string =>
    `${app.url}/v1/export/focus?from=${iso(H1)}&to=${iso(P0 + 3 * H)}&format=${format}${extra}`;

  it('writes FOCUS columns and split rows that sum exactly to each origin charge', async () => {
    const res = await fetch(focusUrl('csv'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const [header = [], ...rows] = parseCsv(await res.text());
    const col = (name: string): number => header.indexOf(name);
    for (const name of [
      'CommitmentDiscountId',
      'CommitmentDiscountName',
      'CommitmentDiscountCategory',
      'CommitmentDiscountType',
      'CommitmentDiscountStatus',
      'CommitmentDiscountQuantity',
      'CommitmentDiscountUnit',
      'CapacityReservationId',
      'CapacityReservationStatus',
      'ListUnitPrice',
      'ContractedUnitPrice',
      'SkuPriceId',
      'SubAccountId',
      'SubAccountName',
      'PricingCurrency',
      'PricingCurrencyListUnitPrice',
      'PricingCurrencyContractedUnitPrice',
      'PricingCurrencyEffectiveCost',
      'BilledCost',
      'EffectiveCost',
      'ListCost',
      'ContractedCost',
      'BillingAccountId',
      'BillingAccountName',
      'BillingCurrency',
      'BillingPeriodStart',
      'BillingPeriodEnd',
      'ChargePeriodStart',
      'ChargePeriodEnd',
      'ChargeCategory',
      'ChargeClass',
      'ChargeDescription',
      'InvoiceIssuerName',
      'PricingQuantity',
      'PricingUnit',
      'ProviderName',
      'PublisherName',
      'ServiceCategory',
      'ServiceName',
      'ServiceProviderName',
      'HostProviderName',
      'ServiceSubcategory',
      'Tags',
    ])
      expect(col(name), name).toBeGreaterThanOrEqual(0);
    const tokenRows = rows.filter((r) => !String(r[col('x_TokenType')]).includes('reservation'));
    const charges = new Map<string, Record<string, Decimal>>();
    for (const r of tokenRows) {
      expect(r[col('ServiceCategory')]).toBe('AI and Machine Learning');
      expect(r[col('ServiceSubcategory')]).toBe('Generative AI');
      expect(r[col('PricingUnit')]).toBe('1000 Tokens');
      expect(Object.keys(JSON.parse(r[col('Tags')] ?? '{}') as object).sort()).toEqual([
        'feature',
        'route',
        'tenant',
      ]);
      expect(r[col('SubAccountId')]).toBe(r[col('x_Tenant')]);
      const id = r[col('x_ChargeId')] ?? '';
      const acc = charges.get(id) ?? {
        billed: D(0),
        effective: D(0),
        list: D(0),
        originBilled: D(r[col('x_ChargeBilledCost')] ?? ''),
        originEffective: D(r[col('x_ChargeEffectiveCost')] ?? ''),
        originList: D(r[col('x_ChargeListCost')] ?? ''),
      };
      acc.billed = acc.billed!.add(r[col('BilledCost')] ?? '0');
      acc.effective = acc.effective!.add(r[col('EffectiveCost')] ?? '0');
      acc.list = acc.list!.add(r[col('ListCost')] ?? '0');
      charges.set(id, acc);
    }
    // Every split sums exactly to its origin charge, on every basis.
    for (const c of charges.values()) {
      expect(c.billed!.toString()).toBe(c.originBilled!.toString());
      expect(c.effective!.toString()).toBe(c.originEffective!.toString());
      expect(c.list!.toString()).toBe(c.originList!.toString());
    }
    // Billed: on-demand calls + the reservation's purchase (3 active hours x 2 units x $1.5);
    // the covered calls bill 0 and their allocation + the unused rows make up the same 9 effective.
    const sumCol = (name: string, rs = rows): string =>
      rs.reduce((a, r) => a.add(r[col(name)] ?? '0'), D(0)).toString();
    const onDemand = total([...edge, ...ptu.filter((c) => c.id === 'p-other-dep')]);
    expect(sumCol('BilledCost')).toBe(D(onDemand).add(9).toString());
    expect(sumCol('EffectiveCost')).toBe(D(onDemand).add(9).toString());
    const purchases = rows.filter((r) => r[col('ChargeCategory')] === 'Purchase');
    expect(purchases.map((r) => r[col('BilledCost')])).toEqual(['3', '3', '3']);
    expect(purchases[0]).toEqual(
      expect.arrayContaining(['Recurring', 'Hours', 'Reservation', 'ptu-east']),
    );
    const unused = rows.filter((r) => r[col('CommitmentDiscountStatus')] === 'Unused');
    expect(unused).toHaveLength(3);
    expect(unused.every((r) => r[col('BilledCost')] === '0')).toBe(true);
    const a = rows.find(
      (r) => r[col('x_Deployment')] === 'ptu-east' && r[col('x_TokenType')] === 'cached_input',
    );
    expect(a?.[col('ConsumedQuantity')]).toBe('200');
    expect(a?.[col('PricingQuantity')]).toBe('0.2');
    expect(a?.[col('PricingCategory')]).toBe('Committed');
    expect(a?.[col('BilledCost')]).toBe('0');
    expect(a?.[col('CommitmentDiscountStatus')]).toBe('Used');
    expect(a?.[col('CommitmentDiscountId')]).toBe('llm/deployments/ptu-east/reservations/ptu-east');
    expect(a?.[col('SkuPriceId')]).toBe('openai/gpt-4o/cached_input/provisioned');
    // List x quantity: the unit price is the charge's list over its quantity (here 0.0001 / 0.2).
    expect(a?.[col('ListUnitPrice')]).toBe(
      D(a?.[col('ListCost')] ?? '0')
        .div('0.2')
        .toString(),
    );
  });

  it('writes Parquet through ClickHouse, and the CLI path writes both formats in day chunks', async () => {
    const res = await fetch(focusUrl('parquet', '&tenant=acme'));
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(bytes.subarray(bytes.length - 4).toString()).toBe('PAR1');
    const focus = parseConfig({ finops: { reservations: [reservation] } }).finops;
    const steps: number[] = [];
    for (const format of ['csv', 'parquet'] as const) {
      const out = join(t.dataDir, `focus.${format}`);
      const result = await exportFocusToFile(
        t.runtime.storage,
        {
          from: new Date(H1),
          to: new Date(P0 + 3 * H),
          format,
          out,
          onProgress: (d) => steps.push(d),
        },
        focus,
      );
      expect(result.chunks).toBe(2);
      expect(result.bytes).toBeGreaterThan(100);
      if (format === 'csv') {
        const text = readFileSync(out, 'utf8');
        expect(text.match(/"BilledCost"/g)).toHaveLength(1);
        const [head = [], ...rows] = parseCsv(text);
        expect(
          rows.reduce((a, r) => a.add(r[head.indexOf('BilledCost')] ?? '0'), D(0)).toString(),
        ).toBe(
          D(total([...edge, ...ptu.filter((c) => c.id === 'p-other-dep')]))
            .add(9)
            .toString(),
        );
      } else {
        expect(readFileSync(out).subarray(0, 4).toString()).toBe('PAR1');
      }
    }
    expect(steps).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('rejects bad parameters', async () => {
    const res = await getJson<{ parameter: string }>(focusUrl('xlsx'));
    expect(res.status).toBe(400);
    expect(res.body.parameter).toBe('format');
  });
});
