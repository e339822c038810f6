// `prices explain`: the structured explanation and its text.
import { describe, expect, it } from 'vitest';
import {
  defaultCatalog,
  explainModel,
  formatExplanation,
  loadCatalog,
  runPricesExplain,
} from '../../src/pricing/index.js';

const OVERRIDES = new URL('../fixtures/pricing/overrides.yaml', import.meta.url).pathname;
const LITELLM = new URL('../fixtures/pricing/litellm-sample.json', import.meta.url).pathname;

describe('explainModel', () => {
  it('explains a snapshot match with prices per token and per million', () => {
    const file = loadCatalog({ pricesFile: LITELLM, useDatabase: false });
    const x = explainModel(file, 'gpt-4o-2024-11-20', 'openai');
    expect(x).toMatchObject({
      matched: true,
      normalizedModel: 'gpt-4o',
      provider: 'openai',
      entry: { key: 'gpt-4o', origin: 'file' },
    });
    expect(x.prices.find((p) => p.name === 'input')).toEqual({
      name: 'input',
      perToken: '0.0000025',
      perMillion: '2.5',
    });
    expect(x.steps.map((s) => `${s.rule}:${s.outcome}`)).toEqual([
      'exact:miss',
      'normalized:miss',
      'snapshot:hit',
    ]);
  });

  it('lists tier prices for tiered models, from the database', () => {
    const text = formatExplanation(explainModel(defaultCatalog(), 'gemini-2.5-pro', 'gcp.gemini'));
    expect(text).toContain('result: google:gemini-2.5-pro');
    expect(text).toMatch(/input \(prompt > 200000 tokens, whole call\)\s+0\.0000025\s+2\.5/);
    expect(text).toContain('source: https://ai.google.dev/gemini-api/docs/pricing');
  });

  it('shows the dated price in force at --at, and every dated change', () => {
    const before = runPricesExplain({
      catalog: defaultCatalog(),
      model: 'o3',
      provider: 'openai',
      at: '2025-05-01',
    });
    expect(before).toContain('dated prices: (undated), 2025-06-10; in force: (undated)');
    expect(before).toMatch(/\n {2}input\s+0\.00001\s+10\n/);
    const after = runPricesExplain({
      catalog: defaultCatalog(),
      model: 'o3',
      provider: 'openai',
      at: '2025-07-01',
    });
    expect(after).toContain('in force: 2025-06-10');
    expect(after).toMatch(/\n {2}input\s+0\.000002\s+2\n/);
    const aged = loadCatalog({ now: Date.parse('2030-01-01T00:00:00Z') });
    expect(runPricesExplain({ catalog: aged, model: 'o3' })).toMatch(
      /\nwarning: price data genai-prices \S+ is \d+ days old/,
    );
    expect(() =>
      runPricesExplain({ catalog: defaultCatalog(), model: 'o3', at: 'yesterday' }),
    ).toThrow(/--at/);
  });

  it('says UNPRICED and what to do for an unknown model', () => {
    const text = runPricesExplain({
      catalog: defaultCatalog(),
      model: 'llama-9-mega',
      provider: 'groq',
    });
    expect(text).toContain('UNPRICED');
    expect(text).toContain('provider: groq');
    expect(text).toMatch(
      /\[database\] miss: genai-prices [^:]+: no model of provider 'groq' matches 'llama-9-mega'/,
    );
  });

  it('loads files itself when no catalog is given, and shows alias and discount', () => {
    const text = runPricesExplain({ model: 'FAST', overridesFile: OVERRIDES });
    expect(text).toContain("alias 'FAST' -> 'gpt-4o-mini'");
    expect(text).toContain('result: gpt-4o-mini (provider openai, mode -, from override)');
    expect(text).toContain(`(${loadCatalog({ overridesFile: OVERRIDES }).version})`);
    expect(runPricesExplain({ model: 'gpt-4o', overridesFile: OVERRIDES })).toContain(
      'discount: 12.5% off list',
    );
    expect(
      runPricesExplain({
        model: 'claude-haiku-4-5',
        provider: 'anthropic',
        overridesFile: OVERRIDES,
      }),
    ).toContain('discount: 10% off list');
  });
});
