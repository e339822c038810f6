// Turns a style's usage reading into the canonical token fields: input INCLUSIVE of cache reads
// and writes, output INCLUSIVE of reasoning (semconv v1.41 §1.6), so that pricing can take
// input - cache_read - cache_creation as the full-price part without knowing the source.
import type { CallKind, LlmCall } from '../call.js';
import type { SpanRecord } from '../span.js';
import { FINOPS_USAGE } from '../../shared/semconv.js';
import { tokenCount } from './normalize-attrs.js';
import type { UsageReading } from './styles/types.js';

/** The usage columns of a call; their meaning is documented once, on LlmCall. */
export type TokenFields = Pick<
  LlmCall,
  | 'input_tokens'
  | 'cache_read_tokens'
  | 'cache_creation_tokens'
  | 'output_tokens'
  | 'reasoning_tokens'
  | 'cache_creation_1h_tokens'
  | 'audio_input_tokens'
  | 'audio_output_tokens'
  | 'image_output_tokens'
  | 'web_search_requests'
  | 'usage_incomplete'
>;

/** Every token column at zero: the call normalize builds starts there (emptyCall). */
function zeroTokens(t: TokenFields): void {
  t.input_tokens = 0;
  t.cache_read_tokens = 0;
  t.cache_creation_tokens = 0;
  t.output_tokens = 0;
  t.reasoning_tokens = 0;
  t.cache_creation_1h_tokens = 0;
  t.audio_input_tokens = 0;
  t.audio_output_tokens = 0;
  t.image_output_tokens = 0;
  t.web_search_requests = 0;
  t.usage_incomplete = false;
}

/** An explicit finops.usage.* count, else what the style read (absent: null). */
function partOf(span: SpanRecord, key: string, fallback: number | null | undefined): number | null {
  return tokenCount(span.attributes, key) ?? fallback ?? null;
}

/**
 * The finops.usage.* parts (written by our wrapper, or any producer that knows them) over what
 * the style read: an explicit attribute is the most exact source of a part. Writes into
 * `usage`, which each style builds fresh per span.
 */
export function withUsageParts(usage: UsageReading, span: SpanRecord): UsageReading {
  usage.cacheCreation1h = partOf(
    span,
    FINOPS_USAGE.CACHE_CREATION_1H_INPUT_TOKENS,
    usage.cacheCreation1h,
  );
  usage.audioInput = partOf(span, FINOPS_USAGE.AUDIO_INPUT_TOKENS, usage.audioInput);
  usage.audioOutput = partOf(span, FINOPS_USAGE.AUDIO_OUTPUT_TOKENS, usage.audioOutput);
  usage.imageOutput = partOf(span, FINOPS_USAGE.IMAGE_OUTPUT_TOKENS, usage.imageOutput);
  usage.webSearch = partOf(span, FINOPS_USAGE.WEB_SEARCH_REQUESTS, usage.webSearch);
  return usage;
}
/** A part clamped to its total: a part larger than its whole is flagged, never priced twice. */
function part(n: number | null | undefined, total: number, name: string, w: string[]): number {
  if (n === null || n === undefined || n === 0) return 0;
  if (n > total) {
    w.push(`${name}_exceeds_total`);
    return total;
  }
  return n;
}

/** Parts, the exclusive-reasoning reading and the incomplete flag (see finalizeTokens). */
function finalizeParts(usage: UsageReading, t: TokenFields, warnings: string[]): void {
  if (usage.outputReasoning === 'exclusive' && t.reasoning_tokens > 0) {
    t.output_tokens += t.reasoning_tokens;
    warnings.push(`output_reasoning_added:${usage.outputNote ?? 'exclusive_source'}`);
  }
  t.cache_creation_1h_tokens = part(
    usage.cacheCreation1h,
    t.cache_creation_tokens,
    'cache_creation_1h',
    warnings,
  );
  t.audio_input_tokens = part(usage.audioInput, t.input_tokens, 'audio_input', warnings);
  const out = t.output_tokens;
  t.audio_output_tokens = part(usage.audioOutput, out, 'audio_output', warnings);
  t.image_output_tokens = part(
    usage.imageOutput,
    out - t.audio_output_tokens,
    'image_output',
    warnings,
  );
  t.web_search_requests = usage.webSearch ?? 0;
  if (usage.incomplete) {
    t.usage_incomplete = true;
    warnings.push(`usage_incomplete:${usage.incomplete}`);
  }
}

/** Only these kinds carry cost; the dedupe step relies on every other row having zero tokens. */
export function isBillableKind(kind: CallKind): boolean {
  return kind === 'inference' || kind === 'embeddings';
}

/**
 * Canonical token fields, written into `t` (the call being built; its warnings in `warnings`).
 * - Wrappers, agents and tools are zeroed: their usage (if any) repeats their children's.
 * - A call the provider rejected with an HTTP error (>= 400) is zeroed: nothing was billed, and
 *   some instrumentations record a request-side prompt estimate before the call fails. Errors
 *   without an HTTP status (a stream aborted after usage arrived) keep what was reported.
 * - Exclusive sources get cache added into input.
 * - Safety rule, every source: input below cache_read + cache_creation cannot be a total, so it
 *   was exclusive; add the cache. Likewise output below reasoning means reasoning was separate.
 * - Sources known to report output without reasoning (outputReasoning 'exclusive') get it added.
 * - Parts (1h cache writes, audio, image output) are clamped to their totals.
 */
export function finalizeTokens(
  t: TokenFields,
  usage: UsageReading,
  kind: CallKind,
  rejectedStatus: number,
  warnings: string[],
): void {
  zeroTokens(t);
  if (!isBillableKind(kind)) return;
  t.input_tokens = usage.input ?? 0;
  t.cache_read_tokens = usage.cacheRead ?? 0;
  t.cache_creation_tokens = usage.cacheCreation ?? 0;
  t.output_tokens = usage.output ?? 0;
  t.reasoning_tokens = usage.reasoning ?? 0;
  if (rejectedStatus >= 400) {
    if (
      t.input_tokens > 0 ||
      t.cache_read_tokens > 0 ||
      t.cache_creation_tokens > 0 ||
      t.output_tokens > 0 ||
      t.reasoning_tokens > 0
    )
      warnings.push('tokens_zeroed_http_error');
    zeroTokens(t);
    return;
  }
  const cache = t.cache_read_tokens + t.cache_creation_tokens;
  if (usage.inputCache === 'exclusive') {
    t.input_tokens += cache;
    if (cache > 0) warnings.push(`input_cache_added:${usage.note ?? 'exclusive_source'}`);
  } else if (cache > t.input_tokens) {
    t.input_tokens += cache;
    warnings.push('input_cache_added:input_below_cache');
  }
  if (usage.outputReasoning !== 'exclusive' && t.reasoning_tokens > t.output_tokens) {
    t.output_tokens += t.reasoning_tokens;
    warnings.push('output_reasoning_added:output_below_reasoning');
  }
  finalizeParts(usage, t, warnings);
  if (usage.input === null && usage.output === null) warnings.push('no_usage');
}
