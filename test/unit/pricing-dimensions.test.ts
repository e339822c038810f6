// Price dimensions beyond input/output: dated and time-of-day prices, service tiers, 1-hour cache
// writes, audio, image output, web-search and request fees, thresholds, and discounts by the
// call's provider. Prices come from fixtures (LiteLLM's own entries; a slice of the price
// database); every expected amount is computed independently in BigInt attodollars.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCatalog, loadCatalog, parseOverrides, priceCall } from '../../src/pricing/index.js';
import type { PriceCatalog } from '../../src/pricing/index.js';
import type { LlmCall } from '../../src/collector/call.js';
import { atto, call, times, usd } from '../fixtures/pricing/exact.js';

const FIXTURES = new URL('../fixtures/pricing/', import.meta.url);
const LITELLM = new URL('litellm-sample.json', FIXTURES).pathname;
const GENAI = JSON.parse(readFileSync(new URL('genai-sample.json', FIXTURES), 'utf8')) as unknown[];

const dbCatalog = (overrides: unknown = {}, extra: unknown[] = []): PriceCatalog =>
  createCatalog({
    label: 'genai-sample',
    database: {
      data: [...GENAI, ...extra],
      info: { name: 'genai-sample', version: 'test', asOf: '2026-09-23', from: 'fixture' },
    },
    overrides: parseOverrides(overrides),
  });
const db = dbCatalog();
const file = loadCatalog({ pricesFile: LITELLM, useDatabase: false });

const at = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;
const price = (c: PriceCatalog, over: Partial<LlmCall>): LlmCall =>
  priceCall(c, call({ start_time_ns: at('2026-11-01T12:00:00Z'), ...over }));

/** Every component, summed independently, equals cost_total. */
function expectComponentsSum(p: LlmCall): void {
  const parts = [
    p.cost_input,
    p.cost_cache_read,
    p.cost_cache_creation,
    p.cost_cache_creation_1h,
    p.cost_output,
    p.cost_audio,
    p.cost_image,
    p.cost_request,
  ];
  expect(usd(parts.reduce((s, x) => s + atto(x), 0n))).toBe(p.cost_total);
}

describe('prices in force at the call time', () => {
  const o3 = { provider: 'openai', request_model: 'o3', input_tokens: 1000, output_tokens: 100 };
  it('a dated price change applies from its date (UTC midnight) on', () => {
    const before = price(db, { ...o3, start_time_ns: at('2025-06-09T23:59:59.999Z') });
    expect(before).toMatchObject({ price_entry: 'openai:o3', priced: true });
    expect(before.cost_total).toBe(usd(times(1000, '1e-5') + times(100, '4e-5')));
    const after = price(db, { ...o3, start_time_ns: at('2025-06-10T00:00:00Z') });
    expect(after.price_entry).toBe('openai:o3@2025-06-10');
    expect(after.cost_total).toBe(usd(times(1000, '2e-6') + times(100, '8e-6')));
  });

  it('a time-of-day price applies inside its UTC window only', () => {
    const ds = { provider: 'deepseek', request_model: 'deepseek-chat', input_tokens: 1000 };
    const offPeak = price(db, { ...ds, start_time_ns: at('2026-11-01T00:29:59Z') });
    expect([offPeak.price_entry, offPeak.cost_total]).toEqual([
      'deepseek:deepseek-chat',
      usd(times(1000, '1.35e-7')),
    ]);
    const peak = price(db, { ...ds, start_time_ns: at('2026-11-01T00:30:00Z') });
    expect([peak.price_entry, peak.cost_total]).toEqual([
      'deepseek:deepseek-chat@00:30:00Z-16:30:00Z',
      usd(times(1000, '2.7e-7')),
    ]);
    const evening = price(db, { ...ds, start_time_ns: at('2026-11-01T16:30:00Z') });
    expect(evening.price_entry).toBe('deepseek:deepseek-chat');
  });
});

describe('service tiers (priority / flex / batch)', () => {
  const g41 = {
    provider: 'openai',
    request_model: 'gpt-4.1',
    input_tokens: 1000,
    output_tokens: 100,
  };
  it('gpt-4.1 priority bills the priority rate (served tier or capacity tier)', () => {
    const expected = usd(times(1000, '3.5e-6') + times(100, '1.4e-5'));
    for (const over of [{ service_tier: 'priority' }, { capacity_tier: 'priority' as const }]) {
      const p = price(file, { ...g41, ...over });
      expect(p.cost_total).toBe(expected);
      expect(p.warnings.filter((w) => w.startsWith('tier_'))).toEqual([]);
    }
  });

  it('the served tier wins over the requested capacity tier (priority downgraded to default)', () => {
    const p = price(file, { ...g41, capacity_tier: 'priority', service_tier: 'default' });
    expect(p.cost_total).toBe(usd(times(1000, '2e-6') + times(100, '8e-6')));
  });

  it('batch and flex at their own rates', () => {
    expect(price(file, { ...g41, capacity_tier: 'batch' }).cost_total).toBe(
      usd(times(1000, '1e-6') + times(100, '4e-6')),
    );
    const flex = price(file, {
      provider: 'openai',
      request_model: 'gpt-5',
      service_tier: 'flex',
      input_tokens: 1000,
      cache_read_tokens: 400,
      output_tokens: 100,
    });
    expect(flex.cost_total).toBe(
      usd(times(600, '6.25e-7') + times(400, '6.25e-8') + times(100, '5e-6')),
    );
  });

  it('a tier price missing from the entry: standard price plus tier_price_missing:<tier>', () => {
    const flex = price(file, { ...g41, service_tier: 'flex' });
    expect(flex.cost_total).toBe(usd(times(1000, '2e-6') + times(100, '8e-6')));
    expect(flex.warnings).toContain('tier_price_missing:flex');
    // Batch has input/output prices but none for cache reads: that part is standard, warned.
    const batch = price(file, { ...g41, capacity_tier: 'batch', cache_read_tokens: 500 });
    expect(batch.cost_cache_read).toBe(usd(times(500, '5e-7')));
    expect(batch.warnings).toContain('tier_price_missing:batch');
    // The database has no service-tier prices at all.
    const dbPriority = price(db, { ...g41, service_tier: 'priority' });
    expect(dbPriority.cost_total).toBe(usd(times(1000, '2e-6') + times(100, '8e-6')));
    expect(dbPriority.warnings).toContain('tier_price_missing:priority');
  });
});

describe('cache writes with a 1-hour TTL', () => {
  const sonnet = {
    provider: 'anthropic',
    response_model: 'claude-sonnet-4-5-20250929',
    input_tokens: 10_000,
    cache_read_tokens: 4000,
    cache_creation_tokens: 3000,
    cache_creation_1h_tokens: 1000,
    output_tokens: 200,
  };
  it('are billed at their own rate, apart from 5-minute writes (LiteLLM and database)', () => {
    const expected = {
      cost_input: usd(times(3000, '3e-6')),
      cost_cache_read: usd(times(4000, '3e-7')),
      cost_cache_creation: usd(times(2000, '3.75e-6')),
      cost_cache_creation_1h: usd(times(1000, '6e-6')),
      cost_output: usd(times(200, '1.5e-5')),
    };
    for (const c of [file, db]) {
      const p = price(c, sonnet);
      expect(p).toMatchObject(expected);
      expectComponentsSum(p);
    }
  });

  it('above 200k the 1-hour write has its own tier price', () => {
    const big = { ...sonnet, input_tokens: 250_000 };
    for (const c of [file, db])
      expect(price(c, big).cost_cache_creation_1h).toBe(usd(times(1000, '1.2e-5')));
  });

  it('without a 1-hour price: the 5-minute price, and the row says so', () => {
    const p = price(file, { ...sonnet, response_model: 'claude-haiku-4-5-20251001' });
    expect(p.cost_cache_creation_1h).toBe(usd(times(1000, '1.25e-6')));
    expect(p.warnings).toContain('price_missing:cache_write_1h');
  });
});

describe('audio and image tokens', () => {
  it('audio input and output at audio rates (LiteLLM gpt-4o-audio-preview)', () => {
    const p = price(file, {
      provider: 'openai',
      request_model: 'gpt-4o-audio-preview',
      input_tokens: 1000,
      audio_input_tokens: 600,
      output_tokens: 300,
      audio_output_tokens: 200,
    });
    expect(p).toMatchObject({
      cost_input: usd(times(400, '2.5e-6')),
      cost_audio: usd(times(600, '4e-5') + times(200, '8e-5')),
      cost_output: usd(times(100, '1e-5')),
    });
    expectComponentsSum(p);
  });

  it('audio on an entry without audio prices: text rate, warned (database gpt-4o)', () => {
    const p = price(db, {
      provider: 'openai',
      request_model: 'gpt-4o',
      input_tokens: 1000,
      audio_input_tokens: 600,
    });
    expect(p.cost_audio).toBe(usd(times(600, '2.5e-6')));
    expect(p.warnings).toContain('audio_priced_as_text:input');
  });

  it('image output at the image rate (database gemini-2.5-flash-image)', () => {
    const p = price(db, {
      provider: 'gcp.gemini',
      request_model: 'gemini-2.5-flash-image',
      input_tokens: 100,
      output_tokens: 1400,
      image_output_tokens: 1290,
    });
    expect(p).toMatchObject({
      cost_image: usd(times(1290, '3e-5')),
      cost_output: usd(times(110, '2.5e-6')),
      priced: true,
    });
  });

  it('an entry with only output_cost_per_image_token is never priced=true with $0 output', () => {
    const img = { provider: 'openai', request_model: 'gpt-image-1', input_tokens: 50 };
    // The source did not split image tokens out: the output of an image-only entry is images.
    const unsplit = price(file, { ...img, output_tokens: 4160 });
    expect(unsplit).toMatchObject({ priced: true, cost_image: usd(times(4160, '4e-5')) });
    expect(unsplit.warnings).toContain('output_read_as_image');
    // Text output besides the images has no price in that entry: the call is unpriced.
    const mixed = price(file, { ...img, output_tokens: 4200, image_output_tokens: 4160 });
    expect(mixed).toMatchObject({ priced: false, cost_total: '0', price_entry: 'gpt-image-1' });
    expect(mixed.warnings).toContain('price_missing:output');
  });
});

describe('fees per search and per request', () => {
  it('web searches at the entry price, in cost_request', () => {
    const p = price(db, {
      provider: 'openai',
      request_model: 'gpt-4o',
      input_tokens: 100,
      web_search_requests: 3,
    });
    expect(p.cost_request).toBe(usd(times(3, '0.01')));
    expectComponentsSum(p);
    const litellm = price(file, {
      provider: 'anthropic',
      response_model: 'claude-sonnet-4-5-20250929',
      input_tokens: 100,
      web_search_requests: 2,
    });
    expect(litellm.cost_request).toBe(usd(times(2, '0.01')));
  });

  it('web searches on an entry without a search price: named on the row', () => {
    const p = price(file, {
      provider: 'openai',
      request_model: 'gpt-4o',
      input_tokens: 100,
      web_search_requests: 1,
    });
    expect(p.cost_request).toBe('0');
    expect(p.warnings).toContain('price_missing:web_search');
  });

  it('a per-request fee applies to successful requests', () => {
    const c = createCatalog({
      label: 't',
      prices: {
        sonar: {
          litellm_provider: 'perplexity',
          input_cost_per_token: 1e-6,
          output_cost_per_token: 1e-6,
          input_cost_per_request: 0.005,
        },
      },
    });
    const ok = price(c, { provider: 'perplexity', request_model: 'sonar', input_tokens: 10 });
    expect(ok.cost_request).toBe('0.005');
    const failed = price(c, {
      provider: 'perplexity',
      request_model: 'sonar',
      status: 'error',
      http_status: 500,
    });
    expect(failed.cost_request).toBe('0');
  });
});

describe('threshold tiers', () => {
  it('reads _above_<N>_tokens as well as _above_<N>k_tokens; the highest exceeded wins', () => {
    const c = createCatalog({
      label: 't',
      prices: {
        m: {
          input_cost_per_token: 1e-6,
          output_cost_per_token: 2e-6,
          input_cost_per_token_above_128000_tokens: 3e-6,
          input_cost_per_token_above_200k_tokens: 5e-6,
        },
      },
    });
    const cost = (n: number): string =>
      price(c, { request_model: 'm', input_tokens: n }).cost_total;
    expect(cost(128_000)).toBe(usd(times(128_000, '1e-6')));
    expect(cost(128_001)).toBe(usd(times(128_001, '3e-6')));
    expect(cost(200_001)).toBe(usd(times(200_001, '5e-6')));
  });

  it('database tiers with several starts: each key takes its last tier the prompt exceeds', () => {
    const extra = {
      id: 'tiered',
      name: 'Tiered',
      models: [
        {
          id: 'tt',
          match: { equals: 'tt' },
          prices: {
            input_mtok: {
              base: 1,
              tiers: [
                { start: 100000, price: 2 },
                { start: 300000, price: 4 },
              ],
            },
            output_mtok: { base: 10, tiers: [{ start: 300000, price: 40 }] },
          },
        },
      ],
    };
    const c = dbCatalog({}, [extra]);
    const cost = (n: number): string =>
      price(c, { provider: 'tiered', request_model: 'tt', input_tokens: n, output_tokens: 10 })
        .cost_total;
    expect(cost(100_000)).toBe(usd(times(100_000, '1e-6') + times(10, '1e-5')));
    expect(cost(150_000)).toBe(usd(times(150_000, '2e-6') + times(10, '1e-5')));
    expect(cost(300_001)).toBe(usd(times(300_001, '4e-6') + times(10, '4e-5')));
  });
});

describe('cross-provider matches and discounts by the call provider', () => {
  it('a price guessed from another provider is warned on the row', () => {
    const p = price(db, {
      provider: 'openai',
      request_model: 'gemini-2.5-flash',
      input_tokens: 10,
    });
    expect(p.priced).toBe(true);
    expect(p.warnings).toContain('cross_provider_price:google');
  });

  it("an OpenAI discount does not touch Azure, even priced from OpenAI's entry", () => {
    const c = dbCatalog({ discounts: { providers: { openai: 20 } } });
    const call4o = { request_model: 'gpt-4o', input_tokens: 1000 };
    const openai = price(c, { ...call4o, provider: 'openai' });
    expect(openai).toMatchObject({ list_cost: '0.0025', cost_total: '0.002' });
    const azure = price(c, { ...call4o, provider: 'azure.ai.openai' });
    expect(azure).toMatchObject({
      price_entry: 'openai:gpt-4o',
      list_cost: '0.0025',
      cost_total: '0.0025',
    });
  });

  it('an Anthropic discount does not touch Claude on Bedrock or Vertex', () => {
    const c = dbCatalog({ discounts: { providers: { anthropic: 10 } } });
    const claude = { response_model: 'claude-sonnet-4-5-20250929', input_tokens: 1000 };
    expect(price(c, { ...claude, provider: 'anthropic' }).cost_total).toBe('0.0027');
    const vertex = price(c, { ...claude, provider: 'gcp.vertex_ai' });
    expect(vertex.price_entry).toBe('anthropic:claude-sonnet-4-5');
    expect(vertex.cost_total).toBe(vertex.list_cost);
    const bedrock = price(c, {
      ...claude,
      provider: 'aws.bedrock',
      response_model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    });
    expect(bedrock.cost_total).toBe(bedrock.list_cost);
  });

  it('a model discount scoped "<provider>/<model>" applies to that provider only', () => {
    const c = dbCatalog({ discounts: { models: { 'azure.ai.openai/gpt-4o': 50 } } });
    expect(
      price(c, { provider: 'azure.ai.openai', request_model: 'gpt-4o', input_tokens: 1000 })
        .cost_total,
    ).toBe('0.00125');
    expect(
      price(c, { provider: 'openai', request_model: 'gpt-4o', input_tokens: 1000 }).cost_total,
    ).toBe('0.0025');
  });
});
