// The gen_ai.* family: current semconv (our wrapper, OpenLIT, current OpenLLMetry, AI SDK v7
// GenAI integration), deprecated semconv (gen_ai.system, prompt_tokens / completion_tokens),
// @opentelemetry/instrumentation-openai and legacy OpenLLMetry (flat cache/reasoning keys).
// All of these report input inclusive of cache: semconv requires it, OpenAI's prompt_tokens
// already is, and OpenLLMetry's Anthropic instrumentation adds the cache counts in (OpenLIT's
// does not: styles/openlit.ts). The generic safety rule (normalize-tokens) still catches a
// producer that did not.
import type { SpanRecord } from '../../span.js';
import { GEN_AI, GEN_AI_DEPRECATED } from '../../../shared/semconv.js';
import { OPENLLMETRY } from '../../../shared/semconv-peers.js';
import { firstTokens, str } from '../normalize-attrs.js';
import type { StyleReading, UsageReading } from './types.js';

/** Key precedence per concept: current names first, then older spellings. */
export const GENAI_USAGE_KEYS = {
  input: [GEN_AI.USAGE_INPUT_TOKENS, GEN_AI_DEPRECATED.USAGE_PROMPT_TOKENS],
  output: [GEN_AI.USAGE_OUTPUT_TOKENS, GEN_AI_DEPRECATED.USAGE_COMPLETION_TOKENS],
  cacheRead: [GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS, OPENLLMETRY.USAGE_CACHE_READ_INPUT_TOKENS],
  cacheCreation: [
    GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS,
    GEN_AI.USAGE_CACHE_WRITE_INPUT_TOKENS,
    OPENLLMETRY.USAGE_CACHE_CREATION_INPUT_TOKENS,
  ],
  reasoning: [GEN_AI.USAGE_REASONING_OUTPUT_TOKENS, OPENLLMETRY.USAGE_REASONING_TOKENS],
} as const;

/** Usage from gen_ai.usage.* keys (throws InvalidFieldError on a bad count). */
export function readGenAiUsage(span: SpanRecord): UsageReading {
  const a = span.attributes;
  return {
    input: firstTokens(a, GENAI_USAGE_KEYS.input),
    output: firstTokens(a, GENAI_USAGE_KEYS.output),
    cacheRead: firstTokens(a, GENAI_USAGE_KEYS.cacheRead),
    cacheCreation: firstTokens(a, GENAI_USAGE_KEYS.cacheCreation),
    reasoning: firstTokens(a, GENAI_USAGE_KEYS.reasoning),
    inputCache: 'inclusive',
  };
}

export function readGenAi(span: SpanRecord): StyleReading {
  const a = span.attributes;
  return {
    provider: str(a, GEN_AI.PROVIDER_NAME, GEN_AI_DEPRECATED.SYSTEM),
    requestModel: str(a, GEN_AI.REQUEST_MODEL),
    responseModel: str(a, GEN_AI.RESPONSE_MODEL),
    usage: readGenAiUsage(span),
  };
}
