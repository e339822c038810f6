// traceLlmCall: the same span for any other client (Bedrock, Vertex, raw fetch, a gateway's own
// HTTP call). The callback gets a handle to mark stream chunks and report usage itself.
import { context, diag, INVALID_SPAN_CONTEXT, trace } from '@opentelemetry/api';
import type { Attributes, Span, TracerProvider } from '@opentelemetry/api';
import { GEN_AI_OPERATION } from '../shared/semconv.js';
import { LlmCall } from './call.js';
import type { CallResponse } from './call.js';
import { getTracer } from './tracer.js';
import type { TokenUsage } from './usage.js';

export interface LlmCallMeta {
  provider: string;
  model?: string;
  /** Default `chat`. */
  operation?: string;
  serverAddress?: string;
  serverPort?: number;
  stream?: boolean;
  attributes?: Attributes;
  tracerProvider?: TracerProvider;
}

/** What `extractUsage` returns. Set `inputExcludesCache` when input_tokens omits cache tokens. */
export interface ExtractedUsage extends TokenUsage {
  inputExcludesCache?: boolean;
  responseModel?: string;
  responseId?: string;
  finishReasons?: string[];
}

export interface LlmCallHandle {
  readonly span: Span;
  /** Call once per output chunk of a stream: gives TTFT and inter-chunk latency. */
  chunk(): void;
  /** Report usage / response facts (e.g. from a stream's final event). */
  record(usage: ExtractedUsage): void;
}

function toResponse(u: ExtractedUsage): CallResponse {
  const { inputExcludesCache, responseModel, responseId, finishReasons, ...usage } = u;
  if (inputExcludesCache && usage.inputTokens !== undefined) {
    usage.inputTokens += (usage.cacheReadInputTokens ?? 0) + (usage.cacheCreationInputTokens ?? 0);
  }
  return { model: responseModel, id: responseId, finishReasons, usage };
}

/**
 * Runs `fn` inside a GenAI CLIENT span; the span ends when `fn` settles (error.type on throw).
 * `extractUsage` reads usage from the result; its failures are logged through `diag`, never
 * thrown. When the span cannot be started, `fn` still runs, with a non-recording span.
 */
export async function traceLlmCall<T>(
  meta: LlmCallMeta,
  fn: (call: LlmCallHandle) => Promise<T> | T,
  extractUsage?: (result: T) => ExtractedUsage | undefined,
): Promise<T> {
  let call: LlmCall;
  try {
    const { tracerProvider, operation, ...rest } = meta;
    call = new LlmCall(getTracer(tracerProvider), {
      ...rest,
      operation: operation ?? GEN_AI_OPERATION.CHAT,
    });
  } catch (err) {
    diag.warn('llm-finops: could not start the LLM span; calling untraced', err);
    // A usable span all the same: user code may call handle.span.setAttribute unconditionally.
    return fn({
      span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
      chunk: () => undefined,
      record: () => undefined,
    });
  }
  const handle: LlmCallHandle = {
    span: call.span,
    chunk: () => call.chunk(),
    record: (u) => call.response(toResponse(u)),
  };
  let result: T;
  try {
    result = await context.with(call.ctx, () => fn(handle));
  } catch (err) {
    call.fail(err);
    throw err;
  }
  try {
    const usage = extractUsage?.(result);
    if (usage) call.response(toResponse(usage));
  } catch (err) {
    // A broken extractor must not fail the host call; the span ends without usage.
    diag.warn('llm-finops: extractUsage threw; the span has no usage', err);
  }
  call.end();
  return result;
}
