// chat.completions.create: plain result and streamed chunks.
import type { Attributes } from '@opentelemetry/api';
import { GEN_AI, GEN_AI_OPERATION, OPENAI } from '../shared/semconv.js';
import type { LlmCall } from './call.js';
import { inputMessagesJson, outputMessagesJson } from './content.js';
import { openAIRequestAttributes, withStreamUsage } from './openai-request.js';
import { rec, str } from './spec.js';
import type { MethodSpec, StreamAccumulator } from './spec.js';
import { fromOpenAIUsage } from './usage.js';
import type { TokenUsage } from './usage.js';

function responseAttributes(r: Record<string, unknown>): Attributes {
  const attrs: Attributes = {};
  const tier = str(r['service_tier']);
  if (tier !== undefined) attrs[OPENAI.RESPONSE_SERVICE_TIER] = tier;
  const fp = str(r['system_fingerprint']);
  if (fp !== undefined) attrs[OPENAI.RESPONSE_SYSTEM_FINGERPRINT] = fp;
  return attrs;
}

class ChatStream implements StreamAccumulator {
  private id: string | undefined;
  private model: string | undefined;
  private usage: TokenUsage | undefined;
  private readonly finish: string[] = [];
  // Every chunk repeats these: keep the latest strings, build attributes once at the end.
  private tier: string | undefined;
  private fingerprint: string | undefined;
  private text = '';

  constructor(
    private readonly call: LlmCall,
    private readonly capture: boolean,
  ) {}

  onItem(item: unknown): void {
    const c = rec(item);
    // Azure OpenAI streams open with a content-filter chunk whose id and model are empty.
    this.id ??= str(c['id']) || undefined;
    this.model ??= str(c['model']) || undefined;
    if (c['usage']) this.usage = fromOpenAIUsage(c['usage']);
    this.tier = str(c['service_tier']) ?? this.tier;
    this.fingerprint = str(c['system_fingerprint']) ?? this.fingerprint;
    const choices = c['choices'];
    // The usage chunk has no choices: it is not output and must not count for ITL.
    if (!Array.isArray(choices) || choices.length === 0) return;
    this.call.chunk();
    for (const ch of choices) {
      const r = rec(ch);
      const reason = str(r['finish_reason']);
      if (reason !== undefined)
        this.finish[typeof r['index'] === 'number' ? r['index'] : 0] = reason;
      if (this.capture) this.text += str(rec(r['delta'])['content']) ?? '';
    }
  }

  flush(): void {
    const finishReasons = this.finish.filter((f) => f !== undefined);
    const attributes = responseAttributes({
      service_tier: this.tier,
      system_fingerprint: this.fingerprint,
    });
    if (this.capture && this.text !== '')
      attributes[GEN_AI.OUTPUT_MESSAGES] = outputMessagesJson(this.text, finishReasons[0]);
    this.call.response({
      id: this.id,
      model: this.model,
      usage: this.usage,
      finishReasons,
      attributes,
    });
  }
}

function onChatResult(call: LlmCall, data: unknown, capture: boolean): void {
  const r = rec(data);
  const choices = Array.isArray(r['choices']) ? r['choices'].map(rec) : [];
  const finishReasons = choices
    .map((c) => str(c['finish_reason']))
    .filter((f): f is string => f !== undefined);
  const attributes = responseAttributes(r);
  if (capture && choices[0]) {
    const text = str(rec(choices[0]['message'])['content']) ?? '';
    attributes[GEN_AI.OUTPUT_MESSAGES] = outputMessagesJson(text, finishReasons[0]);
  }
  call.response({
    id: str(r['id']),
    model: str(r['model']),
    usage: fromOpenAIUsage(r['usage']),
    finishReasons,
    attributes,
  });
}

export function chatSpec(capture: boolean, streamUsage: boolean): MethodSpec {
  return {
    operation: GEN_AI_OPERATION.CHAT,
    isStream: (p) => rec(p)['stream'] === true,
    model: (p) => str(rec(p)['model']),
    requestAttributes(p) {
      const attrs = openAIRequestAttributes(p);
      if (capture) {
        const input = inputMessagesJson(rec(p)['messages']);
        if (input !== undefined) attrs[GEN_AI.INPUT_MESSAGES] = input;
      }
      return attrs;
    },
    prepareStreamParams: streamUsage ? withStreamUsage : undefined,
    onResult: (call, data) => onChatResult(call, data, capture),
    newStream: (call) => new ChatStream(call, capture),
  };
}
