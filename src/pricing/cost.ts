// Cost of one call from its token counts and a catalog entry, in exact decimals.
//
// Token semantics are the canonical record's (src/shared/call.ts): input_tokens INCLUDES
// cache reads and cache writes; output_tokens INCLUDES reasoning tokens. Components:
//   input          (input - cache_read - cache_creation) * input price
//   cache_read     cache_read * cache read price      (no cache price: input price)
//   cache_creation cache_creation * cache write price (no cache price: input price)
//   output         output * output price; if the entry has output_cost_per_reasoning_token,
//                  reasoning tokens use that price and the rest the output price
// The input-price fallback never undercounts: a provider without a cache discount bills cached
// tokens as ordinary input. Tiers: when the prompt (input_tokens, inclusive) is strictly above a
// tier threshold, that tier's prices apply to the WHOLE call, input and output alike; that is
// how Gemini 2.5 Pro and Claude long context bill (the threshold is not a marginal bracket).
import { Money, ZERO, type MoneyValue } from '../shared/money.js';
import type { PriceEntry, PriceTier } from './types.js';

export interface TokenCounts {
  input_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

export interface Cost {
  input: MoneyValue;
  cacheRead: MoneyValue;
  cacheCreation: MoneyValue;
  output: MoneyValue;
  total: MoneyValue;
  /** The tier applied (0 = base prices). */
  tierThreshold: number;
  warnings: string[];
}

/** Defensive: the normalizer clamps bad counts, but a NaN here must not become a NaN cost. */
const count = (n: number): number => (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);

/** tokens * price; most calls have no cache writes, so skip the decimal work for zeros. */
const mul = (price: MoneyValue, tokens: number): MoneyValue =>
  tokens === 0 ? ZERO : price.mul(tokens);

export interface Rates {
  input: MoneyValue;
  output: MoneyValue;
  cacheRead: MoneyValue;
  cacheCreation: MoneyValue;
  reasoning: MoneyValue | undefined;
  tier: PriceTier | undefined;
}

/** The per-token prices that apply to a prompt of `promptTokens` (inclusive of cache). */
export function ratesFor(entry: PriceEntry, promptTokens: number): Rates {
  const tier = entry.tiers.find((t) => promptTokens > t.threshold);
  const input = tier?.input ?? entry.input;
  return {
    input,
    output: tier?.output ?? entry.output,
    cacheRead: tier?.cacheRead ?? entry.cacheRead ?? input,
    cacheCreation: tier?.cacheCreation ?? entry.cacheCreation ?? input,
    reasoning: entry.reasoning,
    tier,
  };
}

/** List (undiscounted) cost of a call. */
export function listCost(entry: PriceEntry, t: TokenCounts): Cost {
  const warnings: string[] = [];
  const input = count(t.input_tokens);
  const cacheRead = count(t.cache_read_tokens);
  const cacheCreation = count(t.cache_creation_tokens);
  let uncached = input - cacheRead - cacheCreation;
  if (uncached < 0) {
    warnings.push('cache_tokens_exceed_input');
    uncached = 0;
  }
  const output = count(t.output_tokens);
  const reasoning = Math.min(count(t.reasoning_tokens), output);
  const r = ratesFor(entry, input);
  const outputCost = r.reasoning
    ? mul(r.output, output - reasoning).add(mul(r.reasoning, reasoning))
    : mul(r.output, output);
  const parts = {
    input: mul(r.input, uncached),
    cacheRead: mul(r.cacheRead, cacheRead),
    cacheCreation: mul(r.cacheCreation, cacheCreation),
    output: outputCost,
  };
  const total = parts.input.add(parts.cacheRead).add(parts.cacheCreation).add(parts.output);
  return { ...parts, total, tierThreshold: r.tier?.threshold ?? 0, warnings };
}

/** Applies `percent` off to every component; exact, so components still sum to the total. */
export function discounted(cost: Cost, percent: MoneyValue | undefined): Cost {
  if (!percent || percent.isZero()) return cost;
  const factor = new Money(1).sub(percent.div(100));
  const input = cost.input.mul(factor);
  const cacheRead = cost.cacheRead.mul(factor);
  const cacheCreation = cost.cacheCreation.mul(factor);
  const output = cost.output.mul(factor);
  return {
    ...cost,
    input,
    cacheRead,
    cacheCreation,
    output,
    total: input.add(cacheRead).add(cacheCreation).add(output),
  };
}

export const ZERO_COST: Cost = {
  input: ZERO,
  cacheRead: ZERO,
  cacheCreation: ZERO,
  output: ZERO,
  total: ZERO,
  tierThreshold: 0,
  warnings: [],
};
