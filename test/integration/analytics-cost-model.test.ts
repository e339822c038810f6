// The cost model's invariant on real chDB data: over any range, the effective cost of every
// /v1/costs row (unused-reservation rows included) equals the billed cost of every row (the
// reservation purchase rows included), equals on-demand spend + reservation cost of the covered
// hours, exactly. Calls are priced by the real pricing code (LiteLLM-format fixture: priority,
// flex and batch tiers, 1-hour cache writes, audio, an unknown model) and written as the writer
// writes them; expected amounts are summed independently in BigInt attodollars.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRow } from '../../src/storage/rows.js';
import type { LlmCall } from '../../src/collector/call.js';
import { loadCatalog, priceCall } from '../../src/pricing/index.js';
import { atto, call, usd } from '../fixtures/pricing/exact.js';
import { getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Decimal } from 'decimal.js';
import { exportFocusToFile } from '../../src/analytics/export/focus-export.js';
import { parseConfig } from '../../src/shared/config.js';
import { parseCsv, startApp, type TestApp } from './analytics-finops-seed.js';

const H = 3_600_000;
const M = 60_000;
const R0 = Date.UTC(2026, 4, 4, 8); // reservation day
const W0 = Date.UTC(2026, 4, 6, 12); // the README's worked example hour
const iso = (ms: number): string => new Date(ms).toISOString();
const catalog = loadCatalog({
  pricesFile: new URL('../fixtures/pricing/litellm-sample.json', import.meta.url).pathname,
  useDatabase: false,
});

let n = 0;
function priced(at: number, over: Partial<LlmCall>): LlmCall {
  n += 1;
  const ns = BigInt(at) * 1_000_000n;
  return priceCall(
    catalog,
    call({
      call_id: `cm-${n}`,
      span_id: `cm-${n}`,
      start_time_ns: ns,
      end_time_ns: ns + 1_000_000_000n,
      tenant: 'acme',
      route: '/chat',
      provider: 'openai',
      request_model: 'gpt-4.1',
      capacity_tier: 'on_demand',
      input_tokens: 1000,
      output_tokens: 100,
      ...over,
    }),
  );
}

// 10 units x $1/unit-hour, 50 converted tokens/min per unit: 30000 converted tokens per hour.
// Active [R0+30m, R0+3h45m); the questions ask [R0+10m7s, R0+3h35m), partial hours at both ends.
const reservation = {
  name: 'ptu-gpt41',
  deployment: 'ptu-east',
  provider: 'openai',
  units: 10,
  price_per_unit_hour: '1',
  tokens_per_minute_per_unit: 50,
  start: iso(R0 + 30 * M),
  end: iso(R0 + 3 * H + 45 * M),
};
const FROM = R0 + 10 * M + 7000;
const TO = R0 + 3 * H + 35 * M;
const ptu = { deployment: 'ptu-east', capacity_tier: 'provisioned' as const };
const exampleReservation = {
  name: 'example',
  deployment: 'ptu-west',
  units: 10,
  price_per_unit_hour: '1',
  tokens_per_minute_per_unit: 50,
  start: iso(W0),
};
const example = { deployment: 'ptu-west', capacity_tier: 'provisioned' as const };

const calls: LlmCall[] = [
  // Before the query range, and on the reservation before it starts (on-demand, in range).
  priced(R0 + 5 * M, { ...ptu }),
  priced(R0 + 15 * M, { ...ptu, tenant: 'globex' }),
  // Hour 0 (covered from 30m): two tenants, one call with an unknown model (unpriced, covered).
  priced(R0 + 35 * M, { ...ptu, input_tokens: 3000, cache_read_tokens: 1000, output_tokens: 500 }),
  priced(R0 + 40 * M, { ...ptu, tenant: 'globex', route: '/search', input_tokens: 2000 }),
  priced(R0 + 41 * M, { ...ptu, request_model: 'mystery-model-9', input_tokens: 700 }),
  // Overflow: the same deployment on the on-demand tier, and spillover to a pay-as-you-go one.
  priced(R0 + 45 * M, { deployment: 'ptu-east', capacity_tier: 'on_demand', input_tokens: 900 }),
  priced(R0 + 46 * M, { deployment: 'paygo-east', tenant: 'globex', input_tokens: 1200 }),
  // Hour 1: over capacity (the calls bear the whole hour), plus priority, flex and batch calls.
  priced(R0 + H + 5 * M, { ...ptu, input_tokens: 25_000, output_tokens: 4000 }),
  priced(R0 + H + 6 * M, { ...ptu, tenant: 'globex', input_tokens: 9000, output_tokens: 1000 }),
  priced(R0 + H + 7 * M, { service_tier: 'priority', route: '/rank' }),
  priced(R0 + H + 8 * M, { request_model: 'gpt-5', service_tier: 'flex', cache_read_tokens: 400 }),
  priced(R0 + H + 9 * M, { capacity_tier: 'batch', tenant: 'globex' }),
  // Hour 2: 1-hour cache writes, audio, an unpriced on-demand call, one covered call.
  priced(R0 + 2 * H + 1 * M, {
    provider: 'anthropic',
    request_model: 'claude-sonnet-4-5-20250929',
    input_tokens: 10_000,
    cache_read_tokens: 4000,
    cache_creation_tokens: 3000,
    cache_creation_1h_tokens: 1000,
    output_tokens: 200,
  }),
  priced(R0 + 2 * H + 2 * M, {
    request_model: 'gpt-4o-audio-preview',
    audio_input_tokens: 600,
    output_tokens: 300,
    audio_output_tokens: 200,
  }),
  priced(R0 + 2 * H + 3 * M, { request_model: 'not-in-any-catalog', tenant: 'globex' }),
  priced(R0 + 2 * H + 4 * M, { ...ptu, tenant: 'globex', input_tokens: 600, output_tokens: 60 }),
  // Hour 3: no covered calls (the whole partial hour is unused); after the range.
  priced(R0 + 3 * H + 10 * M, { tenant: 'globex' }),
  priced(R0 + 3 * H + 36 * M, { ...ptu }),
  // The worked example: two calls in one hour of 10 units x $1/h (capacity 30000).
  priced(W0 + 10 * M, { ...example, input_tokens: 2000, output_tokens: 1000 }),
  priced(W0 + 20 * M, { ...example, tenant: 'globex', input_tokens: 1500, output_tokens: 500 }),
];

const at = (c: LlmCall): number => Number(c.start_time_ns / 1_000_000n);
const inRange = calls.filter((c) => at(c) >= FROM && at(c) < TO);
const covered = (c: LlmCall): boolean =>
  c.deployment === 'ptu-east' &&
  c.capacity_tier === 'provisioned' &&
  at(c) >= Date.parse(reservation.start) &&
  at(c) < Date.parse(reservation.end);
const sum = (cs: LlmCall[], k: 'cost_total' | 'list_cost'): bigint =>
  cs.reduce((a, c) => a + atto(c[k]), 0n);
/** units x $1 x seconds / 3600 at 18 decimals (half-even; no ties occur here). */
const hourCharge = (seconds: bigint): bigint => (10n * 10n ** 18n * seconds + 1800n) / 3600n;
// Covered hours of [FROM, TO): 30m of hour 0, hours 1 and 2, 35m of hour 3.
const RESERVATION = hourCharge(1800n) + hourCharge(3600n) * 2n + hourCharge(2100n);
const ON_DEMAND = sum(
  inRange.filter((c) => !covered(c)),
  'cost_total',
);

type Row = Record<string, string | number | boolean>;
let t: TestRuntime;
let app: TestApp;
beforeAll(async () => {
  t = await startTestRuntime();
  await t.runtime.storage.insert('llm_calls', calls.map(callRow).join('\n'));
  app = await startApp(t.runtime.storage, { reservations: [reservation, exampleReservation] });
});
afterAll(async () => {
  await app?.close();
  await t?.runtime.stop();
});

const rowsOf = async (query: string, from = FROM, to = TO): Promise<Row[]> => {
  const res = await getJson<{ rows: Row[] }>(
    `${app.url}/v1/costs?from=${iso(from)}&to=${iso(to)}${query}`,
  );
  expect(res.status, query).toBe(200);
  return res.body.rows;
};
/** Exact sum of a money column (every amount here is non-negative). */
const total = (rows: Row[], k: string): string =>
  usd(rows.reduce((a, r) => a + atto(String(r[k])), 0n));

describe('the three bases over mixed calls and partial hours', () => {
  it('effective = billed = on-demand + reservation cost, exactly, for every grouping', async () => {
    expect(inRange.some(covered)).toBe(true);
    expect(inRange.filter((c) => !c.priced)).toHaveLength(2);
    const expected = usd(ON_DEMAND + RESERVATION);
    for (const q of [
      '',
      '&group_by=tenant,route',
      '&group_by=deployment,capacity_tier&interval=1h',
      '&group_by=model&interval=1d',
      '&group_by=route&top=1&interval=1h',
      '&group_by=tenant&unused=spread',
      '&group_by=route,model&interval=1h&unused=spread',
    ]) {
      const rows = await rowsOf(q);
      expect(total(rows, 'effective_cost_usd'), q).toBe(expected);
      expect(total(rows, 'billed_cost_usd'), q).toBe(expected);
      expect(total(rows, 'cost_usd'), q).toBe(expected);
      expect(total(rows, 'list_cost_usd'), q).toBe(usd(sum(inRange, 'list_cost')));
      expect(
        rows.reduce((a, r) => a + Number(r.unpriced_calls), 0),
        q,
      ).toBe(2);
      expect(
        rows.reduce((a, r) => a + Number(r.calls), 0),
        q,
      ).toBe(inRange.length);
    }
  });

  it('bills covered calls $0, keeps overflow on-demand, and names the reservation rows', async () => {
    const rows = await rowsOf('&group_by=deployment,capacity_tier');
    const usage = rows.filter((r) => r.reservation === undefined);
    const ptuRow = usage.find(
      (r) => r.deployment === 'ptu-east' && r.capacity_tier === 'provisioned',
    );
    // Two provisioned calls on ptu-east are on-demand: one before the reservation starts.
    const uncoveredPtu = inRange.filter(
      (c) => c.deployment === 'ptu-east' && c.capacity_tier === 'provisioned' && !covered(c),
    );
    expect(uncoveredPtu).toHaveLength(1);
    expect(ptuRow?.billed_cost_usd).toBe(usd(sum(uncoveredPtu, 'cost_total')));
    const overflow = usage.find(
      (r) => r.deployment === 'ptu-east' && r.capacity_tier === 'on_demand',
    );
    const overflowCalls = inRange.filter(
      (c) => c.deployment === 'ptu-east' && c.capacity_tier === 'on_demand',
    );
    expect([overflow?.billed_cost_usd, overflow?.effective_cost_usd]).toEqual([
      usd(sum(overflowCalls, 'cost_total')),
      usd(sum(overflowCalls, 'cost_total')),
    ]);
    const purchase = rows.find((r) => r.reservation_purchase === true);
    expect(purchase).toMatchObject({
      reservation: 'ptu-gpt41',
      deployment: 'ptu-east',
      capacity_tier: '(reservation purchase)',
      billed_cost_usd: usd(RESERVATION),
      effective_cost_usd: '0',
      calls: 0,
    });
    const unused = rows.find((r) => r.unused_reservation === true);
    expect(unused).toMatchObject({
      reservation: 'ptu-gpt41',
      deployment: 'ptu-east',
      capacity_tier: '(unused reservation)',
      billed_cost_usd: '0',
    });
    // Covered usage + unused = the reservation, so the covered calls carry the rest.
    const coveredEffective =
      atto(String(ptuRow?.effective_cost_usd)) - sum(uncoveredPtu, 'cost_total');
    expect(usd(coveredEffective + atto(String(unused?.effective_cost_usd)))).toBe(usd(RESERVATION));
  });

  it('leaves an hour without covered calls wholly unused, also when spreading', async () => {
    const hourly = await rowsOf('&interval=1h&unused=spread');
    const last = hourly.filter((r) => r.bucket === iso(R0 + 3 * H).replace('.000', ''));
    expect(last.find((r) => r.unused_reservation === true)?.effective_cost_usd).toBe(
      usd(hourCharge(2100n)),
    );
    // Hours with covered calls spread their unused share onto the groups: no unused row there.
    expect(hourly.filter((r) => r.unused_reservation === true)).toHaveLength(1);
    const byRow = await rowsOf('&interval=1h');
    expect(byRow.filter((r) => r.unused_reservation === true)).toHaveLength(4);
  });

  it('splits by tenant: a tenant sees its allocation, never the reservation rows', async () => {
    const all = await rowsOf('&group_by=tenant');
    let scoped = 0n;
    for (const tenant of ['acme', 'globex']) {
      const rows = await rowsOf(`&tenant=${tenant}&group_by=route`);
      expect(rows.some((r) => r.reservation !== undefined)).toBe(false);
      const row = all.find((r) => r.tenant === tenant && r.reservation === undefined);
      expect(total(rows, 'effective_cost_usd')).toBe(row?.effective_cost_usd);
      scoped += atto(total(rows, 'effective_cost_usd'));
    }
    const unused = atto(String(all.find((r) => r.unused_reservation === true)?.effective_cost_usd));
    expect(usd(scoped + unused)).toBe(usd(ON_DEMAND + RESERVATION));
    // Spread: each tenant also carries its share of the unused capacity; together they carry it all.
    let spread = 0n;
    for (const tenant of ['acme', 'globex'])
      spread += atto(total(await rowsOf(`&tenant=${tenant}&unused=spread`), 'effective_cost_usd'));
    expect(usd(spread)).toBe(usd(ON_DEMAND + RESERVATION - hourCharge(2100n)));
  });

  it('agrees with /v1/costs/provisioned on the reservation cost', async () => {
    const res = await getJson<{ reservations: Row[] }>(
      `${app.url}/v1/costs/provisioned?from=${iso(FROM)}&to=${iso(TO)}`,
    );
    expect(res.body.reservations[0]?.reservation_cost_usd).toBe(usd(RESERVATION));
  });
});

describe('the worked example: one reserved hour, two calls', () => {
  it('bills $10 for the hour whatever the calls would cost at token prices', async () => {
    const rows = await rowsOf('&group_by=tenant', W0, W0 + H);
    const usage = rows.filter((r) => r.reservation === undefined);
    // acme 3000 converted tokens, globex 2000, of 30000: $1 and $0.666..., unused the rest.
    expect(usage.map((r) => [r.tenant, r.billed_cost_usd, r.effective_cost_usd])).toEqual([
      ['acme', '0', '1'],
      ['globex', '0', '0.666666666666666667'],
    ]);
    expect(rows.find((r) => r.unused_reservation === true)?.effective_cost_usd).toBe(
      '8.333333333333333333',
    );
    expect(rows.find((r) => r.reservation_purchase === true)?.billed_cost_usd).toBe('10');
    expect(total(rows, 'effective_cost_usd')).toBe('10');
    expect(total(rows, 'list_cost_usd')).not.toBe('0');
    const spread = await rowsOf('&group_by=tenant&unused=spread', W0, W0 + H);
    expect(
      spread.filter((r) => r.reservation === undefined).map((r) => r.effective_cost_usd),
    ).toEqual(['6', '4']);
  });
});

describe('the FOCUS export on the same model', () => {
  const focusCsv = async (extra: string): Promise<Record<string, string>[]> => {
    const res = await fetch(
      `${app.url}/v1/export/focus?from=${iso(FROM)}&to=${iso(TO)}&format=csv${extra}`,
    );
    expect(res.status).toBe(200);
    const [head = [], ...rows] = parseCsv(await res.text());
    return rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
  };
  const sumOf = (rows: Record<string, string>[], k: string): string =>
    rows.reduce((a, r) => a.add(r[k] ?? '0'), new Decimal(0)).toString();

  it('sums to /v1/costs for the same range on every basis, scoped or not', async () => {
    for (const scope of ['', '&tenant=acme', '&tenant=globex']) {
      const rows = await focusCsv(scope);
      const api = await rowsOf(scope);
      expect(sumOf(rows, 'BilledCost'), scope).toBe(
        new Decimal(total(api, 'billed_cost_usd')).toString(),
      );
      expect(sumOf(rows, 'EffectiveCost'), scope).toBe(
        new Decimal(total(api, 'effective_cost_usd')).toString(),
      );
      // List: the on-demand equivalent of usage (a Purchase row's list is the purchase itself).
      const usage = rows.filter((r) => r.ChargeCategory === 'Usage');
      expect(sumOf(usage, 'ListCost'), scope).toBe(
        new Decimal(total(api, 'list_cost_usd')).toString(),
      );
      expect(
        rows.some((r) => r.ChargeCategory === 'Purchase'),
        scope,
      ).toBe(scope === '');
    }
    const all = await focusCsv('');
    expect(sumOf(all, 'BilledCost')).toBe(new Decimal(usd(ON_DEMAND + RESERVATION)).toString());
    // Σ EffectiveCost of the reservation's usage (used + unused) = Σ BilledCost of its purchases.
    const mine = all.filter((r) => r.CommitmentDiscountName === 'ptu-gpt41');
    expect(
      sumOf(
        mine.filter((r) => r.ChargeCategory === 'Usage'),
        'EffectiveCost',
      ),
    ).toBe(
      sumOf(
        mine.filter((r) => r.ChargeCategory === 'Purchase'),
        'BilledCost',
      ),
    );
    // The unknown model's covered call bills 0 but carries its allocation.
    const mystery = all.filter((r) => r.x_Model === 'mystery-model-9');
    expect(sumOf(mystery, 'BilledCost')).toBe('0');
    expect(new Decimal(sumOf(mystery, 'EffectiveCost')).gt(0)).toBe(true);
    expect(mystery[0]?.x_UnpricedCalls).toBe('1');
  });

  it('converts to a configured billing currency at the exact rate, and refuses one without', async () => {
    expect(() => parseConfig({ finops: { focus: { billing_currency: 'EUR' } } })).toThrow(
      /finops\.focus\.exchange_rate: required when billing_currency is not USD/,
    );
    const finops = parseConfig({
      finops: {
        reservations: [reservation],
        focus: { billing_currency: 'EUR', exchange_rate: '0.9215' },
      },
    }).finops;
    const out = join(t.dataDir, 'focus-eur.csv');
    await exportFocusToFile(
      t.runtime.storage,
      { from: new Date(FROM), to: new Date(TO), format: 'csv', out },
      finops,
    );
    const [head = [], ...raw] = parseCsv(readFileSync(out, 'utf8'));
    const rows = raw.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
    expect(new Set(rows.map((r) => r.BillingCurrency))).toEqual(new Set(['EUR']));
    expect(new Set(rows.map((r) => r.PricingCurrency))).toEqual(new Set(['USD']));
    for (const r of rows)
      expect(r.EffectiveCost).toBe(
        new Decimal(r.PricingCurrencyEffectiveCost ?? '0')
          .mul('0.9215')
          .toDecimalPlaces(18, Decimal.ROUND_HALF_EVEN)
          .toString(),
      );
    // Rounded per cell at 18 decimals: the sum is within one unit per row of the converted total.
    const eur = new Decimal(sumOf(rows, 'BilledCost'));
    const exact = new Decimal(usd(ON_DEMAND + RESERVATION)).mul('0.9215');
    expect(eur.sub(exact).abs().lte(new Decimal(rows.length).mul('1e-18'))).toBe(true);
  });
});
