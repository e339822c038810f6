// OpenInference (Arize): llm.* model/provider names and llm.token_count.* usage.
// Input is treated as inclusive of cache: the OpenInference Anthropic and Bedrock
// instrumentations sum input_tokens + cache_creation_input_tokens + cache_read_input_tokens
// into llm.token_count.prompt, and OpenAI's prompt_tokens already includes cached tokens.
// Older releases that did not are caught by the generic safety rule (normalize-tokens).
import type { SpanRecord } from '../../span.js';
import { GEN_AI_PROVIDER } from '../../../shared/semconv.js';
import { OPENINFERENCE } from '../../../shared/semconv-peers.js';
import { firstTokens, str } from '../normalize-attrs.js';
import { GENAI_USAGE_KEYS } from './genai.js';
import type { StyleReading } from './types.js';

const OI = OPENINFERENCE;

export function readOpenInference(span: SpanRecord): StyleReading {
  const a = span.attributes;
  return {
    provider: openInferenceProvider(str(a, OI.PROVIDER), str(a, OI.SYSTEM)),
    // The JS instrumentation writes the request model to llm.model_name, then overwrites it
    // with the response model; llm.request/response.model_name are exact when present.
    requestModel: str(a, OI.REQUEST_MODEL_NAME, OI.MODEL_NAME),
    responseModel: str(a, OI.RESPONSE_MODEL_NAME, OI.MODEL_NAME),
    usage: {
      input: firstTokens(a, [OI.TOKEN_COUNT_PROMPT, ...GENAI_USAGE_KEYS.input]),
      output: firstTokens(a, [OI.TOKEN_COUNT_COMPLETION, ...GENAI_USAGE_KEYS.output]),
      cacheRead: firstTokens(a, [OI.TOKEN_COUNT_CACHE_READ, ...GENAI_USAGE_KEYS.cacheRead]),
      cacheCreation: firstTokens(a, [
        OI.TOKEN_COUNT_CACHE_WRITE,
        ...GENAI_USAGE_KEYS.cacheCreation,
      ]),
      reasoning: firstTokens(a, [OI.TOKEN_COUNT_REASONING, ...GENAI_USAGE_KEYS.reasoning]),
      inputCache: 'inclusive',
    },
  };
}

/**
 * llm.provider is the host that billed the call (openai, azure, aws, google), llm.system the
 * model family (openai, anthropic). The host decides the bill, so it wins; Anthropic models on
 * Google are only served by Vertex AI.
 */
function openInferenceProvider(provider: string, system: string): string {
  const p = provider.toLowerCase();
  if (p === 'google' && system.toLowerCase() === 'anthropic') return GEN_AI_PROVIDER.GCP_VERTEX_AI;
  return provider || system;
}
