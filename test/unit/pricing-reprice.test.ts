// Re-pricing a stored call drops the warnings pricing wrote with the old data (so a model the new
// data prices loses 'unpriced_model') and keeps what the normalizer flagged.
import { describe, expect, it } from 'vitest';
import {
  createCatalog,
  isPricingWarning,
  parseOverrides,
  priceCall,
  repriceCall,
} from '../../src/pricing/index.js';
import { call, times, usd } from '../fixtures/pricing/exact.js';

const empty = createCatalog({ label: 'empty', overrides: parseOverrides({}) });
const priced = createCatalog({
  label: 'with-model',
  prices: {
    'zz-new-model': {
      input_cost_per_token: 2e-6,
      output_cost_per_token: 5e-6,
      litellm_provider: 'openai',
    },
  },
});

describe('repriceCall', () => {
  const stored = priceCall(
    empty,
    call({
      provider: 'openai',
      request_model: 'zz-new-model',
      input_tokens: 1000,
      output_tokens: 10,
      warnings: ['input_cache_added:input_below_cache'],
    }),
  );

  it('the old data left the call unpriced with its own warning', () => {
    expect(stored.priced).toBe(false);
    expect(stored.warnings).toEqual(['input_cache_added:input_below_cache', 'unpriced_model']);
    expect(stored.warnings.map(isPricingWarning)).toEqual([false, true]);
  });

  it('the new data prices it, drops unpriced_model and keeps the normalizer warning', () => {
    const again = repriceCall(priced, stored);
    expect(again.priced).toBe(true);
    expect(again.cost_total).toBe(usd(times(1000, '2e-6') + times(10, '5e-6')));
    expect(again.warnings).toEqual(['input_cache_added:input_below_cache']);
    expect(again.price_version).toBe(priced.version);
  });

  it('classifies every warning pricing writes with a detail', () => {
    for (const w of [
      'price_missing:output',
      'cross_provider_price:openai',
      'tier_price_missing:flex',
      'audio_priced_as_text:input',
    ])
      expect(isPricingWarning(w), w).toBe(true);
    for (const w of ['negative_tokens_clamped', 'usage_incomplete:no_cache_tokens', 'no_usage'])
      expect(isPricingWarning(w), w).toBe(false);
  });
});
