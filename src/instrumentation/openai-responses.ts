// responses.create (plain and streamed events) and embeddings.create.
import type { Attributes } from '@opentelemetry/api';
import { GEN_AI, GEN_AI_OPERATION, OPENAI } from '../shared/semconv.js';
import type { LlmCall } from './call.js';
import { inputMessagesJson, outputMessagesJson } from './content.js';
import { openAIRequestAttributes } from './openai-request.js';
import { rec, str } from './spec.js';
import type { MethodSpec, StreamAccumulator } from './spec.js';
import { fromOpenAIUsage } from './usage.js';

/** `status` (completed, failed...) or, for an incomplete response, why (max_output_tokens...). */
function finishReason(r: Record<string, unknown>): string | undefined {
  return str(rec(r['incomplete_details'])['reason']) ?? str(r['status']);
}

function onResponse(call: LlmCall, data: unknown, capture: boolean, streamedText?: string): void {
  const r = rec(data);
  const reason = finishReason(r);
  const attributes: Attributes = {};
  const tier = str(r['service_tier']);
  if (tier !== undefined) attributes[OPENAI.RESPONSE_SERVICE_TIER] = tier;
  if (capture) {
    const text = streamedText ?? str(r['output_text']);
    if (text !== undefined) attributes[GEN_AI.OUTPUT_MESSAGES] = outputMessagesJson(text, reason);
  }
  call.response({
    id: str(r['id']),
    model: str(r['model']),
    usage: r['usage'] ? fromOpenAIUsage(r['usage']) : undefined,
    finishReasons: reason !== undefined ? [reason] : undefined,
    attributes,
  });
}

const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

class ResponsesStream implements StreamAccumulator {
  private last: unknown;
  private text = '';

  constructor(
    private readonly call: LlmCall,
    private readonly capture: boolean,
  ) {}

  onItem(item: unknown): void {
    const e = rec(item);
    const type = str(e['type']) ?? '';
    // Only model output counts for TTFT/ITL, not `response.created` / `in_progress` bookkeeping.
    if (type.endsWith('.delta')) {
      this.call.chunk();
      if (this.capture && type === 'response.output_text.delta') this.text += str(e['delta']) ?? '';
    } else if (type === 'response.created' || FINAL_EVENTS.has(type)) {
      this.last = e['response'];
    }
  }

  flush(): void {
    if (this.last !== undefined) onResponse(this.call, this.last, this.capture, this.text);
  }
}

export function responsesSpec(capture: boolean): MethodSpec {
  return {
    operation: GEN_AI_OPERATION.CHAT,
    isStream: (p) => rec(p)['stream'] === true,
    model: (p) => str(rec(p)['model']),
    requestAttributes(p) {
      const attrs = openAIRequestAttributes(p);
      if (capture) {
        const input = inputMessagesJson(rec(p)['input'], rec(p)['instructions'] ?? undefined);
        if (input !== undefined) attrs[GEN_AI.INPUT_MESSAGES] = input;
      }
      return attrs;
    },
    onResult: (call, data) => onResponse(call, data, capture),
    newStream: (call) => new ResponsesStream(call, capture),
  };
}

export function embeddingsSpec(): MethodSpec {
  return {
    operation: GEN_AI_OPERATION.EMBEDDINGS,
    isStream: () => false,
    model: (p) => str(rec(p)['model']),
    requestAttributes: (p) => {
      const attrs = openAIRequestAttributes(p);
      const dims = rec(p)['dimensions'];
      if (typeof dims === 'number') attrs[GEN_AI.EMBEDDINGS_DIMENSION_COUNT] = dims;
      return attrs;
    },
    onResult(call, data) {
      const r = rec(data);
      const first = Array.isArray(r['data']) ? rec(r['data'][0])['embedding'] : undefined;
      const attributes: Attributes = {};
      if (Array.isArray(first)) attributes[GEN_AI.EMBEDDINGS_DIMENSION_COUNT] = first.length;
      const usage = fromOpenAIUsage(r['usage']);
      call.response({
        model: str(r['model']),
        usage: usage && { inputTokens: usage.inputTokens },
        attributes,
      });
    },
  };
}
