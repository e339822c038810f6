// The fast path of /v1/costs with reservations (BigInt units end to end: the engine split, the
// closed-day cache, unit lines and rows) against the slow exact path computed here from the
// calls themselves: per reservation hour the 80-digit decimal split (splitHours, every share a
// decimal object) over the covered calls' converted tokens, on-demand cost summed as decimals.
// Random calls (costs with up to 18 decimals, hours over capacity, uncovered tiers, spillover
// deployments) and random reservations (units, prices, capacities, whole weights, a start inside
// the range), stored in real chDB; each case asked cold, again (closed days from the cache) and
// with the JS split.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LlmCall } from '../../src/collector/call.js';
import {
  activeRange,
  convertedTokens,
  splitHours,
  type HourGroup,
} from '../../src/analytics/queries/cost-model-alloc.js';
import { clearSplitCache, splitCacheStats } from '../../src/analytics/queries/cost-model-cache.js';
import { queryCosts, type CostQuery, type CostRow } from '../../src/analytics/queries/costs.js';
import type { ReservationConfig } from '../../src/shared/config-finops.js';
import { parseConfig } from '../../src/shared/config.js';
import { Money, ZERO, moneyText, type MoneyValue } from '../../src/shared/money.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { callRow } from '../../src/storage/rows.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { call } from '../fixtures/pricing/exact.js';

const H = 3_600_000;
const DAY = 24 * H;
const R0 = Date.UTC(2026, 2, 1);
const TENANTS = ['acme', 'acme corp', 'globex', 'émile', ''];
const DEPLOYMENTS = ['ptu-0', 'ptu-1', 'od-0'];
// Mostly covered; '' (no tier reported) is covered too, on_demand is overflow at token prices.
const TIERS = ['provisioned', 'provisioned', 'provisioned', '', 'on_demand'] as const;

/** A seeded generator, so a failing case names the seed that rebuilds it. */
function prng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor((s / 2_147_483_648) * n);
  };
}

/** A decimal with up to 18 places, as text (what a Decimal(38, 18) column holds). */
const amount = (rand: (n: number) => number, whole: number): string =>
  `${rand(whole)}.${String(rand(1e9)).padStart(9, '0')}${String(rand(1e9)).padStart(9, '0')}`;

interface Case {
  calls: LlmCall[];
  reservations: readonly ReservationConfig[];
  q: CostQuery;
}

function makeCase(seed: number, base: number): Case {
  const rand = prng(seed);
  const calls: LlmCall[] = [];
  const count = 20 + rand(60);
  for (let i = 0; i < count; i++) {
    const ns = BigInt(base + rand(3 * DAY)) * 1_000_000n;
    const input = rand(6000);
    calls.push(
      call({
        call_id: `u-${seed}-${i}`,
        span_id: `u-${seed}-${i}`,
        start_time_ns: ns,
        end_time_ns: ns + 1_000_000_000n,
        provider: 'openai',
        request_model: 'gpt-4.1',
        tenant: TENANTS[rand(TENANTS.length)] ?? '',
        deployment: DEPLOYMENTS[rand(DEPLOYMENTS.length)] ?? '',
        capacity_tier: TIERS[rand(TIERS.length)] ?? '',
        input_tokens: input,
        cache_read_tokens: rand(2) === 0 ? 0 : rand(input + 1),
        output_tokens: rand(900),
        cost_total: amount(rand, 3),
        list_cost: amount(rand, 5),
      }),
    );
  }
  const reservations = parseConfig({
    finops: {
      reservations: ['ptu-0', 'ptu-1'].slice(0, 1 + rand(2)).map((deployment) => ({
        deployment,
        units: 1 + rand(5),
        price_per_unit_hour: `${rand(3)}.${rand(1000)}`,
        // Small capacities put some hours over capacity; 7 a minute makes partial hours fractional.
        tokens_per_minute_per_unit: [7, 20, 100, 1000][rand(4)] ?? 100,
        weights: { input: 1 + rand(2), cached_input: rand(2), cache_write: 1, output: 1 + rand(4) },
        ...(rand(3) === 0 ? { start: new Date(base + rand(DAY)).toISOString() } : {}),
      })),
    },
  }).finops.reservations;
  const q: CostQuery = {
    from: new Date(base + rand(2 * H)),
    to: new Date(base + 3 * DAY - rand(2 * H)),
    groupBy: ['tenant'],
    reservations,
    unused: rand(2) === 0 ? 'spread' : 'row',
    now: new Date(base + 40 * DAY),
  };
  return { calls, reservations, q };
}

const covers = (r: ReservationConfig, c: LlmCall): boolean =>
  c.deployment === r.deployment && (c.capacity_tier === 'provisioned' || c.capacity_tier === '');
const startMs = (c: LlmCall): number => Number(c.start_time_ns / 1_000_000n);

interface Expected {
  tenants: Map<
    string,
    { calls: number; billed: MoneyValue; effective: MoneyValue; list: MoneyValue }
  >;
  purchase: MoneyValue;
  unused: MoneyValue;
}

/** The slow exact path: every amount a decimal, every hour split by splitHours. */
function expected({ calls, reservations, q }: Case): Expected {
  const from = q.from.getTime();
  const to = q.to.getTime();
  const inRange = calls.filter((c) => startMs(c) >= from && startMs(c) < to);
  const out: Expected = { tenants: new Map(), purchase: ZERO, unused: ZERO };
  const tenant = (t: string) => {
    let e = out.tenants.get(t);
    if (e === undefined)
      out.tenants.set(t, (e = { calls: 0, billed: ZERO, effective: ZERO, list: ZERO }));
    return e;
  };
  const ranges = reservations.map((r) => activeRange(r, q.from, q.to, q.now?.getTime()));
  for (const c of inRange) {
    const e = tenant(c.tenant);
    e.calls += 1;
    e.list = e.list.add(new Money(c.list_cost));
    const covered = reservations.some((r, k) => {
      const range = ranges[k];
      return range !== undefined && covers(r, c) && startMs(c) >= range[0] && startMs(c) < range[1];
    });
    if (covered) continue;
    e.billed = e.billed.add(new Money(c.cost_total));
    e.effective = e.effective.add(new Money(c.cost_total));
  }
  reservations.forEach((r, k) => {
    const range = ranges[k];
    if (range === undefined) return;
    const byGroupHour = new Map<string, HourGroup>();
    const used = new Map<number, MoneyValue>();
    for (const c of inRange) {
      if (!covers(r, c) || startMs(c) < range[0] || startMs(c) >= range[1]) continue;
      const hour = Math.floor(startMs(c) / H) * H;
      const converted = convertedTokens(r.weights, { ...c });
      const id = `${hour}|${JSON.stringify({ tenant: c.tenant })}`;
      const g = byGroupHour.get(id) ?? {
        hour,
        id: JSON.stringify({ tenant: c.tenant }),
        converted: ZERO,
      };
      g.converted = g.converted.add(converted);
      byGroupHour.set(id, g);
      used.set(hour, (used.get(hour) ?? ZERO).add(converted));
    }
    for (const h of splitHours(r, range, [...byGroupHour.values()], used, q.unused === 'spread')) {
      out.purchase = out.purchase.add(h.cost);
      out.unused = out.unused.add(h.unused);
      for (const [id, part] of h.parts) {
        const e = tenant((JSON.parse(id) as { tenant: string }).tenant);
        e.effective = e.effective.add(part).add(h.spread.get(id) ?? ZERO);
      }
    }
  });
  return out;
}

/** The rows' answer in the same shape (texts, so digits are compared). */
function answered(rows: readonly CostRow[]) {
  const sum = (pick: (r: CostRow) => boolean, field: 'billed_cost_usd' | 'effective_cost_usd') =>
    moneyText(rows.filter(pick).reduce((a, r) => a.add(new Money(r[field])), ZERO));
  const tenants = rows
    .filter((r) => r.reservation_purchase !== true && r.unused_reservation !== true)
    .map((r) => [
      String(r.tenant),
      r.calls,
      r.billed_cost_usd,
      r.effective_cost_usd,
      r.list_cost_usd,
    ])
    .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1));
  return {
    tenants,
    purchase: sum((r) => r.reservation_purchase === true, 'billed_cost_usd'),
    unused: sum((r) => r.unused_reservation === true, 'effective_cost_usd'),
  };
}

function want(e: Expected) {
  return {
    tenants: [...e.tenants]
      .filter(([, t]) => t.calls > 0)
      .map(([t, x]) => [t, x.calls, moneyText(x.billed), moneyText(x.effective), moneyText(x.list)])
      .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
    purchase: moneyText(e.purchase),
    unused: moneyText(e.unused),
  };
}

let dir = '';
let storage: QueryRunner;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llm-finops-cost-units-fuzz-'));
  storage = await createStorage({ database: 'default', dataDir: dir });
  await migrate(storage, { ttl_days: 4000 });
}, 60_000);
afterAll(async () => {
  await storage?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cost per tenant with reservations, in units', () => {
  it('equals the decimal split computed from the calls, cold, from the cache and split in JS', async () => {
    let k = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2_147_483_646 }), async (seed) => {
        // Each case in its own 5 days, so cases never meet in a question.
        const c = makeCase(seed, R0 + 5 * DAY * k++);
        await storage.insert('llm_calls', c.calls.map(callRow).join('\n'));
        const w = want(expected(c));
        clearSplitCache(storage);
        const engine = { ...c.q, split: 'engine' as const };
        expect(answered(await queryCosts(storage, engine)), `seed ${seed} cold`).toEqual(w);
        const hits = splitCacheStats(storage).hits;
        expect(answered(await queryCosts(storage, engine)), `seed ${seed} cached`).toEqual(w);
        expect(splitCacheStats(storage).hits, `seed ${seed}: days from the cache`).toBeGreaterThan(
          hits,
        );
        const js = { ...c.q, split: 'js' as const };
        expect(answered(await queryCosts(storage, js)), `seed ${seed} js`).toEqual(w);
      }),
      { numRuns: 12 },
    );
  }, 180_000);
});
