// Catalog loading: LiteLLM-format files (alone and as an overlay over the price database), the
// shipped database, overrides and their validation.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createCatalog,
  defaultCatalog,
  keyedEntries,
  loadCatalog,
  parseOverrides,
  parseOverridesText,
  priceCall,
} from '../../src/pricing/index.js';
import type { PriceCatalog, PriceEntry, Rates } from '../../src/pricing/index.js';
import { ConfigError } from '../../src/shared/errors.js';
import { call, times, usd } from '../fixtures/pricing/exact.js';

const FIXTURES = new URL('../fixtures/pricing/', import.meta.url);
const LITELLM = new URL('litellm-sample.json', FIXTURES).pathname;
const OVERRIDES = new URL('overrides.yaml', FIXTURES).pathname;

const entries = (c: PriceCatalog): Map<string, PriceEntry> => keyedEntries(c);
const base = (e: PriceEntry): Rates => e.periods[0]!.prices.base;

describe('LiteLLM-format prices file alone (pricing.use_database: false)', () => {
  const catalog = loadCatalog({ pricesFile: LITELLM, useDatabase: false });

  it('loads token-priced entries, ignores sample_spec and models without token prices', () => {
    const raw = JSON.parse(readFileSync(LITELLM, 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    const tokenPriced = Object.keys(raw).filter(
      (k) =>
        k !== 'sample_spec' &&
        Object.keys(raw[k]!).some((f) => /^(input|output)_cost_per_(audio_|image_)?token$/.test(f)),
    );
    expect([...entries(catalog).keys()].sort()).toEqual(tokenPriced.sort());
    expect(entries(catalog).has('sample_spec')).toBe(false);
    expect(entries(catalog).has('dall-e-3')).toBe(false);
    expect(entries(catalog).get('gpt-image-1')?.ignored).toEqual(['input_cost_per_image_token']);
    expect(catalog.warnings).toEqual([]);
    expect(catalog.label).toBe(LITELLM);
    expect(catalog.version).toMatch(/^none@-\+[0-9a-f]{12}$/);
  });

  it('reads e-notation numbers as the exact decimals written', () => {
    const e = entries(catalog).get('claude-opus-4-1-20250805')!;
    expect(base(e).cacheWrite?.toFixed()).toBe('0.00001875');
    expect(base(entries(catalog).get('azure/gpt-4o-mini')!).cacheRead?.toFixed()).toBe(
      '0.000000083',
    );
    expect(
      base(
        entries(catalog).get('us.anthropic.claude-sonnet-4-5-20250929-v1:0')!,
      ).cacheWrite?.toFixed(),
    ).toBe('0.000004125');
  });

  it('parses tiers generically (200k and 128k thresholds)', () => {
    const gemini = entries(catalog).get('gemini/gemini-1.5-pro')!.periods[0]!.prices;
    expect(gemini.thresholds.map((t) => t.threshold)).toEqual([128_000]);
    const tier = entries(catalog).get('claude-sonnet-4-20250514')!.periods[0]!.prices
      .thresholds[0]!;
    expect([tier.threshold, tier.rates.input?.toFixed(), tier.rates.cacheWrite?.toFixed()]).toEqual(
      [200_000, '0.000006', '0.0000075'],
    );
  });

  it('without the database, a model the file lacks is unpriced', () => {
    expect(entries(catalog).has('gpt-5-nano')).toBe(false);
    expect(
      priceCall(catalog, call({ provider: 'openai', request_model: 'gpt-5-nano', input_tokens: 1 }))
        .priced,
    ).toBe(false);
  });

  it('prices from the file, snapshot exact entry first', () => {
    const priced = priceCall(
      catalog,
      call({
        provider: 'openai',
        response_model: 'gpt-4o-2024-08-06',
        input_tokens: 1200,
        cache_read_tokens: 1024,
        output_tokens: 85,
      }),
    );
    expect(priced).toMatchObject({
      price_entry: 'gpt-4o-2024-08-06',
      cost_total: '0.00257',
      price_version: catalog.version,
    });
    const regional = priceCall(
      catalog,
      call({
        provider: 'aws.bedrock',
        request_model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
        input_tokens: 1000,
        output_tokens: 100,
      }),
    );
    expect(regional.cost_total).toBe(usd(times(1000, '3.3e-6') + times(100, '1.65e-5')));
    const reasoning = priceCall(
      catalog,
      call({
        provider: 'gcp.gemini',
        request_model: 'gemini-2.5-flash-preview-04-17',
        input_tokens: 100,
        output_tokens: 50,
        reasoning_tokens: 40,
      }),
    );
    expect(reasoning.cost_output).toBe(usd(times(10, '6e-7') + times(40, '3.5e-6')));
  });

  it('loads a LiteLLM-sized file (4,000 entries, every price distinct)', () => {
    const raw = JSON.parse(readFileSync(LITELLM, 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    const big: Record<string, unknown> = {};
    for (let i = 0; i < 125; i++) {
      for (const [k, v] of Object.entries(raw).filter(
        ([name]) => name !== 'sample_spec' || i === 0,
      )) {
        // Distinct prices per copy: the worst case for loading (no repeated values to share).
        const scaled = Object.entries(v).map(([f, x]) => [
          f,
          typeof x === 'number' && f.includes('cost') ? x * (1 + i / 1000) : x,
        ]);
        big[i === 0 ? k : `x${i}/${k}`] = Object.fromEntries(scaled);
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    const path = join(dir, 'big.json');
    writeFileSync(path, JSON.stringify(big, null, 4));
    // Load time is a benchmark's business (speed goals never go in timed unit tests); here only
    // that a LiteLLM-sized file loads whole.
    const loaded = loadCatalog({ pricesFile: path, useDatabase: false });
    rmSync(dir, { recursive: true, force: true });
    expect(entries(loaded).size).toBe(125 * entries(catalog).size);
  });

  it('skips bad entries with a warning naming the key and field', () => {
    const c = createCatalog({
      prices: JSON.stringify({
        good: { input_cost_per_token: 1e-6 },
        bad: { input_cost_per_token: 'free' },
        neg: { output_cost_per_token: -1 },
      }),
      label: 't',
    });
    expect([...entries(c).keys()]).toEqual(['good']);
    expect(c.warnings.join('\n')).toMatch(/bad\.input_cost_per_token/);
    expect(c.warnings.join('\n')).toMatch(/neg\.output_cost_per_token/);
  });

  it('rejects unreadable or malformed files with a ConfigError naming the file', () => {
    expect(() => loadCatalog({ pricesFile: '/nonexistent/prices.json' })).toThrow(
      /prices file \/nonexistent\/prices.json/,
    );
    expect(() => createCatalog({ prices: '{not json', label: 'my.json' })).toThrow(ConfigError);
    expect(() => createCatalog({ prices: '[1,2]', label: 'my.json' })).toThrow(
      /my.json: price file: top level/,
    );
  });
});

describe('a LiteLLM-format file as an overlay over the price database', () => {
  const overlay = loadCatalog({ pricesFile: LITELLM, now: Date.parse('2026-10-01T00:00:00Z') });

  it('prices a model the file has from the file, at every time', () => {
    const priced = priceCall(
      overlay,
      call({ provider: 'openai', request_model: 'o3', input_tokens: 1000, output_tokens: 100 }),
    );
    // The file's o3 (2e-6 / 8e-6), not the database's dated history.
    expect(priced).toMatchObject({
      price_entry: 'o3',
      cost_total: usd(times(1000, '2e-6') + times(100, '8e-6')),
    });
  });

  it('prices a model only the database has from the database', () => {
    const priced = priceCall(
      overlay,
      call({ provider: 'openai', request_model: 'gpt-5-nano', input_tokens: 1000 }),
    );
    expect(priced).toMatchObject({ priced: true, price_entry: 'openai:gpt-5-nano' });
    expect(priced.cost_total).toBe(usd(times(1000, '5e-8')));
  });

  it("a file entry of another provider does not beat the database's own-provider entry", () => {
    // The file has anthropic's claude-haiku-4-5 only; Bedrock's own price comes from the database.
    const priced = priceCall(
      overlay,
      call({
        provider: 'aws.bedrock',
        request_model: 'global.anthropic.claude-haiku-4-5-20251001-v1:0',
        input_tokens: 10,
      }),
    );
    expect(priced.price_entry).toBe('aws:global.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(priced.warnings).not.toContain('cross_provider_price:anthropic');
  });

  it('names both sources in its label and version', () => {
    expect(overlay.label).toBe(`${LITELLM} over genai-prices ${overlay.data.version}`);
    expect(overlay.version).toMatch(/^genai-prices@\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
  });
});

describe('default catalog (the shipped price database)', () => {
  const catalog = defaultCatalog();
  it('is the bundled @pydantic/genai-prices snapshot', () => {
    expect(catalog.data).toMatchObject({ name: 'genai-prices' });
    expect(catalog.data.from).toBe(`bundled @pydantic/genai-prices ${catalog.data.version}`);
    expect(catalog.layers.map((l) => l.type)).toEqual(['db']);
    expect(catalog.version).toMatch(
      new RegExp(`^genai-prices@${catalog.data.version}\\+[0-9a-f]{12}$`),
    );
  });

  it('has a stable version, and overrides change it', () => {
    expect(loadCatalog().version).toBe(catalog.version);
    expect(loadCatalog({ deploymentModels: { d: 'gpt-4o' } }).version).not.toBe(catalog.version);
  });
});

describe('overrides', () => {
  const catalog = loadCatalog({
    overridesFile: OVERRIDES,
    deploymentModels: { 'cfg-deploy': 'gpt-4.1' },
  });

  it('custom model reached through an alias', () => {
    const priced = priceCall(
      catalog,
      call({
        provider: 'openai',
        request_model: 'support-bot',
        input_tokens: 1000,
        cache_read_tokens: 500,
        output_tokens: 100,
      }),
    );
    expect(priced).toMatchObject({ price_entry: 'ft:gpt-4o-mini:acme:support', priced: true });
    expect(priced.cost_total).toBe(
      usd(times(500, '0.0000003') + times(500, '0.00000015') + times(100, '0.0000012')),
    );
    expect(entries(catalog).get('ft:gpt-4o-mini:acme:support')).toMatchObject({
      origin: 'override',
      source: 'contract ACME-2025-07',
    });
  });

  it("a partial override changes one field and keeps the rest of the database's entry", () => {
    const e = entries(catalog).get('gpt-4o-mini')!;
    const r = base(e);
    expect([r.input?.toFixed(), r.output?.toFixed(), r.cacheRead?.toFixed(), e.origin]).toEqual([
      '0.00000015',
      '0.0000005',
      '0.000000075',
      'override',
    ]);
    expect(e.provider).toBe('openai');
    const priced = priceCall(
      catalog,
      call({
        provider: 'openai',
        request_model: 'gpt-4o-mini-2024-07-18',
        input_tokens: 100,
        output_tokens: 10,
      }),
    );
    expect(priced).toMatchObject({
      price_entry: 'gpt-4o-mini',
      cost_total: usd(times(100, '1.5e-7') + times(10, '5e-7')),
    });
  });

  it('model discount: effective cost discounted, list cost at list price', () => {
    const priced = priceCall(
      catalog,
      call({
        provider: 'openai',
        request_model: 'gpt-4o',
        input_tokens: 1200,
        cache_read_tokens: 1024,
        output_tokens: 85,
      }),
    );
    // list 0.00257; 12.5% off: 0.00257 * 0.875 = 0.00224875
    expect(priced).toMatchObject({
      list_cost: '0.00257',
      cost_total: '0.00224875',
      cost_input: '0.000385',
      cost_cache_read: '0.00112',
      cost_output: '0.00074375',
    });
  });

  it('provider discount applies by the call provider only (not Claude on Bedrock)', () => {
    const direct = priceCall(
      catalog,
      call({
        provider: 'anthropic',
        request_model: 'claude-haiku-4-5',
        input_tokens: 1000,
        output_tokens: 1000,
      }),
    );
    const list = times(1000, '1e-6') + times(1000, '5e-6');
    expect(direct).toMatchObject({ list_cost: usd(list), cost_total: usd((list * 9n) / 10n) });
    const bedrock = priceCall(
      catalog,
      call({
        provider: 'aws.bedrock',
        request_model: 'anthropic.claude-3-5-haiku-20241022-v1:0',
        input_tokens: 1000,
      }),
    );
    expect(bedrock).toMatchObject({ priced: true });
    expect(bedrock.price_entry).toMatch(/^aws:/);
    expect(bedrock.cost_total).toBe(bedrock.list_cost);
  });

  it('deployment maps from the overrides file and from config, case-insensitive', () => {
    const fromFile = priceCall(
      catalog,
      call({
        provider: 'azure.ai.openai',
        request_model: 'prod-chat-eastus',
        deployment: 'prod-chat-eastus',
        input_tokens: 1,
      }),
    );
    // Azure bills gpt-4o at OpenAI's price (the database says so: a provider fallback).
    expect(fromFile.price_entry).toBe('openai:gpt-4o');
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123';
    expect(
      priceCall(catalog, call({ provider: 'aws.bedrock', request_model: arn, input_tokens: 1 }))
        .price_entry,
    ).toBe('aws:regional.anthropic.claude-sonnet-4-20250514-v1:0');
    expect(
      priceCall(
        catalog,
        call({
          provider: 'azure.ai.openai',
          deployment: 'CFG-DEPLOY',
          request_model: 'cfg-deploy',
          input_tokens: 1,
        }),
      ).price_entry,
    ).toBe('openai:gpt-4.1');
  });

  it('inline overrides win over the file, key by key', () => {
    const c = loadCatalog({
      overridesFile: OVERRIDES,
      overrides: { discounts: { models: { 'gpt-4o': 50 } } },
    });
    expect(c.discounts.models.get('gpt-4o')?.toFixed()).toBe('50');
    expect(c.discounts.providers.get('anthropic')?.toFixed()).toBe('10');
  });

  // [description, overrides text, fragment the error must contain]
  const BAD: Array<[string, string, string]> = [
    [
      'unknown price field (typo)',
      'models:\n  gpt-4o:\n    input_cost_per_tokens: 1e-6\n',
      'models.gpt-4o',
    ],
    [
      'negative price',
      'models:\n  m:\n    input_cost_per_token: -1\n',
      'models.m.input_cost_per_token',
    ],
    [
      'price as words',
      'models:\n  m:\n    output_cost_per_token: "cheap"\n',
      'models.m.output_cost_per_token',
    ],
    [
      'discount above 100',
      'discounts:\n  providers:\n    openai: 120\n',
      'discounts.providers.openai',
    ],
    ['unknown section', 'discount:\n  openai: 10\n', 'discount'],
    ['alias to nothing', 'aliases:\n  fast: ""\n', 'aliases.fast'],
    ['not YAML', 'models: [unclosed', 'not valid YAML/JSON'],
  ];
  it.each(BAD)('rejects %s naming the key', (_name, text, fragment) => {
    expect(() => parseOverridesText(text, 'pricing.yaml')).toThrow(ConfigError);
    expect(() => parseOverridesText(text, 'pricing.yaml')).toThrow(fragment);
  });

  it('a custom model without any token price is rejected', () => {
    expect(() =>
      createCatalog({
        prices: {},
        label: 't',
        overrides: parseOverrides({ models: { x: { mode: 'chat' } } }),
      }),
    ).toThrow(/models\.x/);
  });

  it('JSON overrides are accepted too', () => {
    expect(parseOverridesText('{"aliases": {"a": "gpt-4o"}}').aliases).toEqual({ a: 'gpt-4o' });
  });
});
