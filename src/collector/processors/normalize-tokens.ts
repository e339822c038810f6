// Turns a style's usage reading into the canonical token fields: input INCLUSIVE of cache reads
// and writes, output INCLUSIVE of reasoning (semconv v1.41 §1.6), so that pricing can take
// input - cache_read - cache_creation as the full-price part without knowing the source.
import type { CallKind } from '../call.js';
import type { UsageReading } from './styles/types.js';

export interface TokenFields {
  input_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

const ZERO: TokenFields = {
  input_tokens: 0,
  cache_read_tokens: 0,
  cache_creation_tokens: 0,
  output_tokens: 0,
  reasoning_tokens: 0,
};

/** Only these kinds carry cost; the dedupe step relies on every other row having zero tokens. */
export function isBillableKind(kind: CallKind): boolean {
  return kind === 'inference' || kind === 'embeddings';
}

/**
 * Canonical token fields.
 * - Wrappers, agents and tools are zeroed: their usage (if any) repeats their children's.
 * - A call the provider rejected with an HTTP error (>= 400) is zeroed: nothing was billed, and
 *   some instrumentations record a request-side prompt estimate before the call fails. Errors
 *   without an HTTP status (a stream aborted after usage arrived) keep what was reported.
 * - Exclusive sources get cache added into input.
 * - Safety rule, every source: input below cache_read + cache_creation cannot be a total, so it
 *   was exclusive; add the cache. Likewise output below reasoning means reasoning was separate.
 */
export function finalizeTokens(
  usage: UsageReading,
  kind: CallKind,
  rejectedStatus: number,
  warnings: string[],
): TokenFields {
  if (!isBillableKind(kind)) return { ...ZERO };
  const t: TokenFields = {
    input_tokens: usage.input ?? 0,
    cache_read_tokens: usage.cacheRead ?? 0,
    cache_creation_tokens: usage.cacheCreation ?? 0,
    output_tokens: usage.output ?? 0,
    reasoning_tokens: usage.reasoning ?? 0,
  };
  if (rejectedStatus >= 400) {
    if (Object.values(t).some((n) => n > 0)) warnings.push('tokens_zeroed_http_error');
    return { ...ZERO };
  }
  const cache = t.cache_read_tokens + t.cache_creation_tokens;
  if (usage.inputCache === 'exclusive') {
    t.input_tokens += cache;
    if (cache > 0) warnings.push(`input_cache_added:${usage.note ?? 'exclusive_source'}`);
  } else if (cache > t.input_tokens) {
    t.input_tokens += cache;
    warnings.push('input_cache_added:input_below_cache');
  }
  if (t.reasoning_tokens > t.output_tokens) {
    t.output_tokens += t.reasoning_tokens;
    warnings.push('output_reasoning_added:output_below_reasoning');
  }
  if (usage.input === null && usage.output === null) warnings.push('no_usage');
  return t;
}
