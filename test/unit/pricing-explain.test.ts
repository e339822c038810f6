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

describe('explainModel', () => {
  it('explains a snapshot match with prices per token and per million', () => {
    const x = explainModel(defaultCatalog(), 'gpt-4o-2024-08-06', 'openai');
    expect(x).toMatchObject({
      matched: true,
      normalizedModel: 'gpt-4o',
      provider: 'openai',
      entry: { key: 'gpt-4o', origin: 'default' },
    });
    expect(x.prices.find((p) => p.name === 'input')).toEqual({
      name: 'input',
      perToken: '0.0000025',
      perMillion: '2.5',
    });
    expect(x.steps.map((s) => `${s.rule}:${s.outcome}`)).toEqual([
      'exact:miss',
      'normalized:miss',
      'snapshot:rewrite',
      'snapshot:hit',
    ]);
  });

  it('lists tier prices for tiered models', () => {
    const text = formatExplanation(explainModel(defaultCatalog(), 'gemini-2.5-pro', 'gcp.gemini'));
    expect(text).toContain('result: gemini/gemini-2.5-pro');
    expect(text).toMatch(/input \(prompt > 200000 tokens, whole call\)\s+0\.0000025\s+2\.5/);
    expect(text).toContain('source: https://ai.google.dev/gemini-api/docs/pricing');
  });

  it('says UNPRICED and what to do for an unknown model', () => {
    const text = runPricesExplain({
      catalog: defaultCatalog(),
      model: 'llama-9-mega',
      provider: 'groq',
    });
    expect(text).toContain('UNPRICED');
    expect(text).toContain('provider: groq');
    expect(text).toMatch(/\[exact\] miss: no key 'groq\/llama-9-mega', 'llama-9-mega'/);
  });

  it('loads files itself when no catalog is given, and shows alias and discount', () => {
    const text = runPricesExplain({ model: 'FAST', overridesFile: OVERRIDES });
    expect(text).toContain("alias 'FAST' -> 'gpt-4o-mini'");
    expect(text).toContain('result: gpt-4o-mini');
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
