// Which of a call's warnings pricing wrote. Re-pricing a stored row drops these first and lets the
// current price data write its own: a model that is now priced must lose 'unpriced_model', while
// what the normalizer flagged (clamped counts, inclusive-cache readings) stays.
import type { LlmCall } from '../shared/call.js';
import { createPricingProcessor, priceCall } from './price-call.js';
import type { PriceCatalog } from './types.js';

/** Warnings pricing writes verbatim (price-call.ts, cost.ts). */
const EXACT = new Set([
  'unpriced_model',
  'no_token_usage',
  'output_parts_exceed_output',
  'output_read_as_image',
  'cache_tokens_exceed_input',
  'image_priced_as_text',
]);

/** Warnings pricing writes with a detail after the colon. */
const PREFIXES = [
  'price_missing:',
  'cross_provider_price:',
  'tier_price_missing:',
  'audio_priced_as_text:',
];

export function isPricingWarning(warning: string): boolean {
  return EXACT.has(warning) || PREFIXES.some((p) => warning.startsWith(p));
}

/** The warnings without pricing's own (the same array when there are none). */
export function withoutPricingWarnings(warnings: readonly string[]): string[] {
  return warnings.some(isPricingWarning)
    ? warnings.filter((w) => !isPricingWarning(w))
    : [...warnings];
}

/** A stored call priced again with `catalog`: pricing's old warnings dropped, the rest kept. */
export function repriceCall(catalog: PriceCatalog, call: LlmCall): LlmCall {
  return priceCall(catalog, { ...call, warnings: withoutPricingWarnings(call.warnings) });
}

/**
 * Re-prices a batch of stored calls with `catalog`, model lookups memoized as on the collector's
 * hot path (a range repeats a handful of models many thousand times).
 */
export function createRepricer(catalog: PriceCatalog): (calls: LlmCall[]) => LlmCall[] {
  // The copies made here are the repricer's own, so pricing may fill them in place.
  const price = createPricingProcessor(catalog, { inPlace: true });
  return (calls) =>
    price(calls.map((c) => ({ ...c, warnings: withoutPricingWarnings(c.warnings) })));
}
