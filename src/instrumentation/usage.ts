// Token usage in one shape, whatever the vendor reports, written as current GenAI semconv.
// Input tokens are always *inclusive* of cache reads and writes (semconv rule), so providers
// that report them separately (Anthropic, Bedrock) are summed here, once, before the span.
import type { Span } from '@opentelemetry/api';
import { FINOPS_USAGE, GEN_AI } from '../shared/semconv.js';

export interface TokenUsage {
  /** All input tokens, cache reads and cache writes included. */
  inputTokens?: number;
  /** All output tokens, reasoning included. */
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
  reasoningOutputTokens?: number;
  /** Part of cacheCreationInputTokens written with the 1-hour TTL (billed at its own rate). */
  cacheCreation1hInputTokens?: number;
  /** Audio parts of the input and output totals. */
  audioInputTokens?: number;
  audioOutputTokens?: number;
  /** Server-side web searches, billed per search. */
  webSearchRequests?: number;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

type Rec = Record<string, unknown>;
function rec(v: unknown): Rec | undefined {
  return v !== null && typeof v === 'object' ? (v as Rec) : undefined;
}

/**
 * OpenAI usage: chat/embeddings (`prompt_tokens`, `completion_tokens`) and Responses
 * (`input_tokens`, `output_tokens`). OpenAI's input counts are already inclusive of cached tokens.
 * `prompt_cache_hit_tokens` is DeepSeek's spelling on its OpenAI-compatible API.
 */
export function fromOpenAIUsage(raw: unknown): TokenUsage | undefined {
  const u = rec(raw);
  if (!u) return undefined;
  const inDetails = rec(u['prompt_tokens_details']) ?? rec(u['input_tokens_details']);
  const outDetails = rec(u['completion_tokens_details']) ?? rec(u['output_tokens_details']);
  return {
    inputTokens: num(u['prompt_tokens']) ?? num(u['input_tokens']),
    outputTokens: num(u['completion_tokens']) ?? num(u['output_tokens']),
    cacheReadInputTokens: num(inDetails?.['cached_tokens']) ?? num(u['prompt_cache_hit_tokens']),
    reasoningOutputTokens: num(outDetails?.['reasoning_tokens']),
    audioInputTokens: num(inDetails?.['audio_tokens']),
    audioOutputTokens: num(outDetails?.['audio_tokens']),
  };
}

/**
 * Anthropic usage: `input_tokens` excludes cache reads and writes, so semconv input is the sum.
 * A streamed `message_delta` carries cumulative counts, so later calls overwrite earlier ones.
 */
export function fromAnthropicUsage(raw: unknown): TokenUsage | undefined {
  const u = rec(raw);
  if (!u) return undefined;
  const uncached = num(u['input_tokens']);
  const cacheRead = num(u['cache_read_input_tokens']);
  const cacheCreation = num(u['cache_creation_input_tokens']);
  const hasInput = uncached !== undefined || cacheRead !== undefined || cacheCreation !== undefined;
  const outDetails = rec(u['output_tokens_details']);
  return {
    inputTokens: hasInput ? (uncached ?? 0) + (cacheRead ?? 0) + (cacheCreation ?? 0) : undefined,
    outputTokens: num(u['output_tokens']),
    cacheReadInputTokens: cacheRead,
    cacheCreationInputTokens: cacheCreation,
    reasoningOutputTokens: num(outDetails?.['thinking_tokens']),
    cacheCreation1hInputTokens: num(rec(u['cache_creation'])?.['ephemeral_1h_input_tokens']),
    webSearchRequests: num(rec(u['server_tool_use'])?.['web_search_requests']),
  };
}

/**
 * Google Gen AI `usageMetadata` (Gemini API and Vertex): `promptTokenCount` already includes
 * `cachedContentTokenCount`; tool-use prompt tokens are billed as input; thoughts are billed as
 * output but counted apart from `candidatesTokenCount`, so semconv output is their sum.
 */
export function fromGeminiUsage(raw: unknown): TokenUsage | undefined {
  const u = rec(raw);
  if (!u) return undefined;
  const prompt = num(u['promptTokenCount']);
  const toolUse = num(u['toolUsePromptTokenCount']);
  const candidates = num(u['candidatesTokenCount']);
  const thoughts = num(u['thoughtsTokenCount']);
  const hasInput = prompt !== undefined || toolUse !== undefined;
  const hasOutput = candidates !== undefined || thoughts !== undefined;
  return {
    inputTokens: hasInput ? (prompt ?? 0) + (toolUse ?? 0) : undefined,
    outputTokens: hasOutput ? (candidates ?? 0) + (thoughts ?? 0) : undefined,
    cacheReadInputTokens: num(u['cachedContentTokenCount']),
    reasoningOutputTokens: thoughts,
  };
}

/**
 * Bedrock Converse `usage` (also ConverseStream's `metadata` event): `inputTokens` excludes
 * cache reads and writes (`totalTokens` = input + output + cacheRead + cacheWrite), so semconv
 * input is the sum.
 */
export function fromBedrockUsage(raw: unknown): TokenUsage | undefined {
  const u = rec(raw);
  if (!u) return undefined;
  const uncached = num(u['inputTokens']);
  const cacheRead = num(u['cacheReadInputTokens']);
  const cacheWrite = num(u['cacheWriteInputTokens']);
  const hasInput = uncached !== undefined || cacheRead !== undefined || cacheWrite !== undefined;
  return {
    inputTokens: hasInput ? (uncached ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0) : undefined,
    outputTokens: num(u['outputTokens']),
    cacheReadInputTokens: cacheRead,
    cacheCreationInputTokens: cacheWrite,
  };
}

/** Later, non-missing values win: stream events report usage piecemeal. */
export function mergeUsage(
  a: TokenUsage | undefined,
  b: TokenUsage | undefined,
): TokenUsage | undefined {
  if (!a) return b;
  if (!b) return a;
  const out: TokenUsage = { ...a };
  for (const [k, v] of Object.entries(b) as [keyof TokenUsage, number | undefined][]) {
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function setUsageAttributes(span: Span, usage: TokenUsage): void {
  if (usage.inputTokens !== undefined)
    span.setAttribute(GEN_AI.USAGE_INPUT_TOKENS, usage.inputTokens);
  if (usage.outputTokens !== undefined)
    span.setAttribute(GEN_AI.USAGE_OUTPUT_TOKENS, usage.outputTokens);
  if (usage.cacheReadInputTokens !== undefined) {
    span.setAttribute(GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS, usage.cacheReadInputTokens);
  }
  if (usage.cacheCreationInputTokens !== undefined) {
    span.setAttribute(GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS, usage.cacheCreationInputTokens);
  }
  if (usage.reasoningOutputTokens !== undefined) {
    span.setAttribute(GEN_AI.USAGE_REASONING_OUTPUT_TOKENS, usage.reasoningOutputTokens);
  }
  // Parts pricing bills at their own rates; zeros are left out (most calls have none).
  const parts: [string, number | undefined][] = [
    [FINOPS_USAGE.CACHE_CREATION_1H_INPUT_TOKENS, usage.cacheCreation1hInputTokens],
    [FINOPS_USAGE.AUDIO_INPUT_TOKENS, usage.audioInputTokens],
    [FINOPS_USAGE.AUDIO_OUTPUT_TOKENS, usage.audioOutputTokens],
    [FINOPS_USAGE.WEB_SEARCH_REQUESTS, usage.webSearchRequests],
  ];
  for (const [key, n] of parts) if (n !== undefined && n > 0) span.setAttribute(key, n);
}
