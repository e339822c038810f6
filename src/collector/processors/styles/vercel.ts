// Vercel AI SDK legacy `ai.*` spans (ai 4.x-6.x, and v7 through LegacyOpenTelemetry).
//
// Usage keys moved between majors: generateText writes ai.usage.promptTokens/completionTokens,
// streamText (>= 5.0) ai.usage.inputTokens/outputTokens/cachedInputTokens/reasoningTokens, v7
// adds ai.usage.inputTokenDetails.* and outputTokenDetails.*; ai 4.x kept cache and reasoning
// counts only in ai.response.providerMetadata (anthropic.cacheCreationInputTokens,
// openai.cachedPromptTokens).
//
// Anthropic is the one cache-exclusive case here. Up to ai 5.x (@ai-sdk/anthropic <= 2.x) the
// provider passed Anthropic's raw `input_tokens` (which excludes cache reads and writes) straight
// through as promptTokens/inputTokens; from 6.x (LanguageModelV3 usage) inputTokens is the total.
// The version is not on the span, so we decide from evidence, most exact first:
//  1. providerMetadata.anthropic.usage (the raw Anthropic usage, present since 5.x): if the
//     reported input equals raw input_tokens, it is exclusive; otherwise it is the total;
//  2. ai.usage.inputTokenDetails.* present (v7): inclusive (the details split the total);
//  3. otherwise (ai 4.x / 5.x without raw usage): exclusive.
import type { AttrValue, SpanRecord } from '../../span.js';
import { GEN_AI, GEN_AI_DEPRECATED } from '../../../shared/semconv.js';
import { VERCEL_AI } from '../../../shared/semconv-peers.js';
import {
  InvalidFieldError,
  MAX_TOKENS,
  dig,
  firstKey,
  firstTokens,
  has,
  objectAttr,
  str,
} from '../normalize-attrs.js';
import type { CacheAccounting, StyleReading, UsageReading } from './types.js';

const V = VERCEL_AI;

const KEYS = {
  input: [V.USAGE_INPUT_TOKENS, V.USAGE_PROMPT_TOKENS, GEN_AI.USAGE_INPUT_TOKENS, V.USAGE_TOKENS],
  output: [V.USAGE_OUTPUT_TOKENS, V.USAGE_COMPLETION_TOKENS, GEN_AI.USAGE_OUTPUT_TOKENS],
  cacheRead: [
    V.USAGE_CACHE_READ_TOKENS,
    V.USAGE_CACHED_INPUT_TOKENS,
    GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS,
  ],
  cacheCreation: [V.USAGE_CACHE_WRITE_TOKENS, GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS],
  reasoning: [
    V.USAGE_OUTPUT_REASONING_TOKENS,
    V.USAGE_REASONING_TOKENS,
    GEN_AI.USAGE_REASONING_OUTPUT_TOKENS,
  ],
} as const;

/** ai.response.providerMetadata, parsed (it is recorded as a JSON string). */
export function providerMetadata(span: SpanRecord): Record<string, AttrValue> | null {
  return objectAttr(span.attributes, V.RESPONSE_PROVIDER_METADATA);
}

export function readVercel(span: SpanRecord): StyleReading {
  const a = span.attributes;
  const provider = str(a, V.MODEL_PROVIDER, GEN_AI_DEPRECATED.SYSTEM, GEN_AI.PROVIDER_NAME);
  return {
    provider,
    requestModel: str(a, GEN_AI.REQUEST_MODEL, V.MODEL_ID),
    responseModel: str(a, V.RESPONSE_MODEL, GEN_AI.RESPONSE_MODEL),
    usage: readVercelUsage(span, provider.toLowerCase()),
  };
}

function readVercelUsage(span: SpanRecord, provider: string): UsageReading {
  const anthropic = provider.includes('anthropic');
  const google = !anthropic && provider.includes('google');
  const a = span.attributes;
  const meta = providerMetadata(span);
  const usage: UsageReading = {
    input: firstTokens(a, KEYS.input),
    output: firstTokens(a, KEYS.output),
    cacheRead:
      firstTokens(a, KEYS.cacheRead) ??
      metaTokens(meta, 'anthropic', 'cacheReadInputTokens') ??
      metaTokens(meta, 'openai', 'cachedPromptTokens'),
    cacheCreation:
      firstTokens(a, KEYS.cacheCreation) ??
      metaTokens(meta, 'anthropic', 'cacheCreationInputTokens'),
    reasoning: firstTokens(a, KEYS.reasoning) ?? metaTokens(meta, 'openai', 'reasoningTokens'),
    inputCache: 'inclusive',
    // Anthropic's raw usage (providerMetadata since 5.x) splits cache writes by TTL.
    cacheCreation1h: metaTokens(
      meta,
      'anthropic',
      'usage',
      'cache_creation',
      'ephemeral_1h_input_tokens',
    ),
    webSearch: metaTokens(meta, 'anthropic', 'usage', 'server_tool_use', 'web_search_requests'),
  };
  if (anthropic) {
    const { accounting, note } = anthropicAccounting(span, meta, usage.input);
    usage.inputCache = accounting;
    usage.note = note;
  } else if (google) {
    const { accounting, note } = googleReasoningAccounting(span, meta, usage);
    usage.outputReasoning = accounting;
    usage.outputNote = note;
  }
  return usage;
}

/**
 * The Google provider up to ai 5.x (LanguageModelV2) reports outputTokens = candidatesTokenCount
 * and reasoningTokens = thoughtsTokenCount: thoughts are billed as output but are NOT in the
 * output count. From 6.x (LanguageModelV3) outputTokens is candidates + thoughts. Evidence, most
 * exact first: the raw usageMetadata in providerMetadata; ai.usage.totalTokens (Gemini's total
 * counts thoughts once); v7 output details (inclusive); else the legacy reading (exclusive).
 */
function googleReasoningAccounting(
  span: SpanRecord,
  meta: Record<string, AttrValue> | null,
  usage: UsageReading,
): { accounting: CacheAccounting; note: string } {
  const reasoning = usage.reasoning ?? 0;
  const output = usage.output;
  const candidates = dig(meta ?? undefined, 'google', 'usageMetadata', 'candidatesTokenCount');
  if (typeof candidates === 'number' && output !== null && reasoning > 0) {
    if (output === candidates)
      return { accounting: 'exclusive', note: 'vercel_google_output_without_thoughts' };
    if (output === candidates + reasoning)
      return { accounting: 'inclusive', note: 'vercel_google_output_with_thoughts' };
  }
  const total = firstTokens(span.attributes, [V.USAGE_TOTAL_TOKENS]);
  if (total !== null && output !== null && usage.input !== null && reasoning > 0) {
    if (total === usage.input + output + reasoning)
      return { accounting: 'exclusive', note: 'vercel_google_total_counts_thoughts_apart' };
    if (total === usage.input + output)
      return { accounting: 'inclusive', note: 'vercel_google_output_with_thoughts' };
  }
  if (has(span.attributes, V.USAGE_OUTPUT_REASONING_TOKENS))
    return { accounting: 'inclusive', note: 'vercel_google_output_details' };
  return { accounting: 'exclusive', note: 'vercel_google_legacy_output_without_thoughts' };
}

function anthropicAccounting(
  span: SpanRecord,
  meta: Record<string, AttrValue> | null,
  input: number | null,
): { accounting: CacheAccounting; note: string } {
  const rawInput = dig(meta ?? undefined, 'anthropic', 'usage', 'input_tokens');
  if (typeof rawInput === 'number' && input !== null) {
    return input === rawInput
      ? { accounting: 'exclusive', note: 'vercel_anthropic_raw_input_exclusive' }
      : { accounting: 'inclusive', note: 'vercel_anthropic_total_input' };
  }
  const v7 = firstKey(span.attributes, [
    V.USAGE_CACHE_READ_TOKENS,
    V.USAGE_CACHE_WRITE_TOKENS,
    V.USAGE_NO_CACHE_TOKENS,
  ]);
  if (v7 !== undefined) return { accounting: 'inclusive', note: 'vercel_anthropic_input_details' };
  return { accounting: 'exclusive', note: 'vercel_anthropic_legacy_input_exclusive' };
}

/** A token count inside providerMetadata, validated like an attribute. */
function metaTokens(
  meta: Record<string, AttrValue> | null,
  provider: string,
  ...path: string[]
): number | null {
  if (meta === null) return null;
  const v = dig(meta, provider, ...path);
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_TOKENS) return v;
  throw new InvalidFieldError(
    `${V.RESPONSE_PROVIDER_METADATA}.${provider}.${path.join('.')}`,
    `is not a token count (${JSON.stringify(v)})`,
  );
}

/** True for a legacy `ai.*` span (the v7 GenAI integration writes plain gen_ai.* instead). */
export function isVercelLegacy(span: SpanRecord): boolean {
  return has(span.attributes, V.OPERATION_ID);
}
