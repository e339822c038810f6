// The integer cost arithmetic (src/pricing/cost.ts, BigInt units) against the decimal.js
// implementation it replaced (frozen in test/fixtures/pricing/cost-decimal.ts): for every price
// entry of the bundled database, the LiteLLM sample file and the overrides fixture, every
// period, service tier and threshold, the same cost texts, warnings and missing parts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { discounted, listCost, loadCatalog } from '../../src/pricing/index.js';
import type { Cost, TokenCounts } from '../../src/pricing/index.js';
import type { PriceCatalog, PriceEntry, ServiceTier } from '../../src/pricing/index.js';
import { unitsText, unitsValue } from '../../src/pricing/units.js';
import { Money, moneyText } from '../../src/shared/money.js';
import * as old from '../fixtures/pricing/cost-decimal.js';

const FIXTURES = new URL('../fixtures/pricing/', import.meta.url).pathname;

function entriesOf(catalog: PriceCatalog): PriceEntry[] {
  const out: PriceEntry[] = [];
  for (const layer of catalog.layers) {
    if (layer.type === 'keyed') out.push(...layer.entries.values());
    else for (const p of layer.providers) for (const m of p.models) out.push(m.entry);
  }
  return out;
}

const ENTRIES = [
  ...entriesOf(loadCatalog({})),
  ...entriesOf(
    loadCatalog({
      pricesFile: `${FIXTURES}litellm-sample.json`,
      overridesFile: `${FIXTURES}overrides.yaml`,
      useDatabase: false,
    }),
  ),
];

const TIERS: (ServiceTier | undefined)[] = [undefined, 'priority', 'flex', 'batch'];

type Shape = Record<string, unknown>;

function newShape(c: Cost): Shape {
  const t = (v: bigint): string => unitsText(v, c.scale);
  return {
    parts: [c.input, c.cacheRead, c.cacheWrite, c.cacheWrite1h, c.output, c.audio, c.image]
      .map(t)
      .concat([t(c.request), t(c.total)]),
    tier: c.tierThreshold,
    period: c.period?.label,
    missing: c.missing,
    warnings: c.warnings,
  };
}

function oldShape(c: old.Cost): Shape {
  const t = moneyText;
  return {
    parts: [c.input, c.cacheRead, c.cacheWrite, c.cacheWrite1h, c.output, c.audio, c.image]
      .map(t)
      .concat([t(c.request), t(c.total)]),
    tier: c.tierThreshold,
    period: c.period?.label,
    missing: c.missing,
    warnings: c.warnings,
  };
}

interface Case {
  entry: PriceEntry;
  counts: TokenCounts;
  tier: ServiceTier | undefined;
  timeMs: number;
  billRequest: boolean;
  percent: string | undefined;
}

function compare(c: Case): void {
  const q = {
    timeMs: () => c.timeMs,
    startTimeNs: BigInt(c.timeMs) * 1_000_000n,
    serviceTier: c.tier,
    billRequest: c.billRequest,
  };
  const percent = c.percent === undefined ? undefined : new Money(c.percent);
  const now = newShape(discounted(listCost(c.entry, c.counts, q), percent));
  const before = oldShape(old.discounted(old.listCost(c.entry, c.counts, q), percent));
  expect(now, `${c.entry.key} ${JSON.stringify({ ...c, entry: undefined })}`).toEqual(before);
}

const counts = (o: Partial<TokenCounts>): TokenCounts => ({
  input_tokens: 0,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  cache_creation_1h_tokens: 0,
  output_tokens: 0,
  reasoning_tokens: 0,
  audio_input_tokens: 0,
  audio_output_tokens: 0,
  image_output_tokens: 0,
  web_search_requests: 0,
  ...o,
});

/** Token counts from none to past 2^53, weighted to the sizes calls have. */
const tokenCount = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 300_000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 300_000, max: 5_000_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 53, 2 ** 60 + 2048, 1e21, 1e23, 123.75) },
);

const percentText = fc.oneof(
  fc.constantFrom('0', '10', '12.5', '33.333', '0.01', '100', '7.125'),
  fc.integer({ min: 0, max: 10_000 }).map((n) => (n / 100).toString()),
);

const arbitraryCase: fc.Arbitrary<Case> = fc.record({
  entry: fc.constantFrom(...ENTRIES),
  counts: fc.record({
    input_tokens: tokenCount,
    cache_read_tokens: tokenCount,
    cache_creation_tokens: tokenCount,
    cache_creation_1h_tokens: tokenCount,
    output_tokens: tokenCount,
    reasoning_tokens: tokenCount,
    audio_input_tokens: tokenCount,
    audio_output_tokens: tokenCount,
    image_output_tokens: tokenCount,
    web_search_requests: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 50 })),
  }),
  tier: fc.constantFrom(...TIERS),
  // 2023 to 2028: before and after every dated price change, every hour of the day.
  timeMs: fc.integer({ min: Date.UTC(2023, 0, 1), max: Date.UTC(2028, 0, 1) }),
  billRequest: fc.boolean(),
  percent: fc.option(percentText, { nil: undefined }),
});

/** Prompt sizes at and around every threshold an entry has (any period, any tier). */
function promptSizes(entry: PriceEntry): number[] {
  const sizes = new Set([0, 1, 1000]);
  for (const period of entry.periods) {
    const sets = [period.prices, ...Object.values(period.prices.service)];
    for (const set of sets)
      for (const t of set.thresholds) [t.threshold, t.threshold + 1].forEach((n) => sizes.add(n));
  }
  return [...sizes];
}

describe('integer pricing equals the decimal.js pricing it replaced', () => {
  it('has the whole catalog to check', () => {
    expect(ENTRIES.length).toBeGreaterThan(500);
    // Shapes the sweep must cover: thresholds, service tiers, dated periods, per-request fees.
    const shapes = ENTRIES.flatMap((e) => e.periods.map((p) => p.prices));
    expect(shapes.some((s) => s.thresholds.length > 0)).toBe(true);
    expect(shapes.some((s) => Object.keys(s.service).length > 0)).toBe(true);
    expect(ENTRIES.some((e) => e.periods.length > 1)).toBe(true);
    expect(shapes.some((s) => s.base.request !== undefined)).toBe(true);
  });

  it('every entry, period, service tier and threshold: every part, the total, the warnings', () => {
    for (const entry of ENTRIES)
      for (const period of entry.periods)
        for (const tier of TIERS)
          for (const prompt of promptSizes(entry)) {
            const timeMs = Number.isFinite(period.fromMs)
              ? period.fromMs + (period.timeOfDay?.startS ?? 0) * 1000
              : Date.UTC(2024, 0, 1);
            const c = counts({
              input_tokens: prompt,
              cache_read_tokens: Math.floor(prompt / 3),
              cache_creation_tokens: Math.floor(prompt / 5),
              cache_creation_1h_tokens: Math.floor(prompt / 10),
              audio_input_tokens: Math.floor(prompt / 7),
              output_tokens: 777,
              reasoning_tokens: 300,
              audio_output_tokens: 20,
              image_output_tokens: 11,
              web_search_requests: 2,
            });
            compare({ entry, counts: c, tier, timeMs, billRequest: true, percent: '12.5' });
            compare({ entry, counts: c, tier, timeMs, billRequest: false, percent: undefined });
          }
  });

  it('random token counts, times, tiers and discounts', () => {
    fc.assert(fc.property(arbitraryCase, compare), { numRuns: 20_000 });
  });

  it('unitsText and unitsValue read units exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.nat(40), (u, scale) => {
        const value = unitsValue(u, scale);
        expect(unitsText(u, scale)).toBe(moneyText(value));
        expect(BigInt(value.mul(new Money(10).pow(scale)).toFixed(0))).toBe(u);
      }),
      { numRuns: 5000 },
    );
  });
});
