// Bedrock InvokeModel and InvokeModelWithResponseStream: the body is the model vendor's own
// JSON, so usage is read by shape (Anthropic Messages, Amazon Nova, Meta Llama, Amazon Titan,
// Cohere); a body without usage (e.g. Mistral) falls back to the token-count headers Bedrock
// sends with every InvokeModel response, or to the stream's `amazon-bedrock-invocationMetrics`.
import type { Attributes } from '@opentelemetry/api';
import { GEN_AI } from '../shared/semconv.js';
import { messageFacts, MessageStream, textOf as anthropicText } from './anthropic.js';
import { bedrockTierAttributes, inputOf, requestIdOf } from './bedrock-converse.js';
import type { CallResponse, LlmCall } from './call.js';
import { inputMessagesJson } from './content.js';
import { rec, str } from './spec.js';
import type { MethodSpec, Rec, StreamAccumulator } from './spec.js';
import { fromAnthropicUsage, fromBedrockUsage } from './usage.js';
import type { TokenUsage } from './usage.js';

/** Where the usage-header middleware leaves the counts on a command's output. */
export const TOKEN_HEADERS = Symbol.for('llm-finops.bedrock.token-headers');

const decoder = new TextDecoder();

/** A JSON body (Uint8Array, Buffer or string); undefined when it is not JSON. */
export function jsonBody(body: unknown): Rec | undefined {
  try {
    const text =
      typeof body === 'string' ? body : body instanceof Uint8Array ? decoder.decode(body) : '';
    if (!text.startsWith('{')) return undefined;
    return rec(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function invokeRequestAttributes(command: unknown, capture: boolean): Attributes {
  const body = jsonBody(inputOf(command)['body']) ?? {};
  const cfg = rec(body['inferenceConfig']);
  const attrs: Attributes = {};
  const max =
    num(body['max_tokens']) ?? num(body['max_gen_len']) ?? num(cfg['max_new_tokens']) ?? undefined;
  if (max !== undefined) attrs[GEN_AI.REQUEST_MAX_TOKENS] = max;
  const temperature = num(body['temperature']) ?? num(cfg['temperature']);
  if (temperature !== undefined) attrs[GEN_AI.REQUEST_TEMPERATURE] = temperature;
  const topP = num(body['top_p']) ?? num(cfg['topP']);
  if (topP !== undefined) attrs[GEN_AI.REQUEST_TOP_P] = topP;
  if (capture) {
    const json = inputMessagesJson(body['messages'] ?? body['prompt'], body['system']);
    if (json !== undefined) attrs[GEN_AI.INPUT_MESSAGES] = json;
  }
  return attrs;
}

/** Usage and finish reason of a model-native response body, by its shape. */
export function vendorFacts(b: Rec): CallResponse | undefined {
  if (b['type'] === 'message')
    return messageFacts(b, fromAnthropicUsage(b['usage']), anthropicText(b['content']), false);
  const u = rec(b['usage']);
  const reason = (r: unknown) => (str(r) !== undefined ? [str(r) as string] : undefined);
  if (u['inputTokens'] !== undefined) {
    // Amazon Nova: same meaning as Converse's usage, other names for the cache counts.
    const usage = fromBedrockUsage({
      inputTokens: u['inputTokens'],
      outputTokens: u['outputTokens'],
      cacheReadInputTokens: u['cacheReadInputTokenCount'],
      cacheWriteInputTokens: u['cacheWriteInputTokenCount'],
    });
    return { usage, finishReasons: reason(b['stopReason']) };
  }
  if (b['prompt_token_count'] !== undefined || b['generation_token_count'] !== undefined) {
    const usage = {
      inputTokens: num(b['prompt_token_count']),
      outputTokens: num(b['generation_token_count']),
    };
    return { usage, finishReasons: reason(b['stop_reason']) };
  }
  if (b['inputTextTokenCount'] !== undefined) {
    const first = rec(Array.isArray(b['results']) ? b['results'][0] : undefined);
    const usage = {
      inputTokens: num(b['inputTextTokenCount']),
      outputTokens: num(first['tokenCount']),
    };
    return { usage, finishReasons: reason(first['completionReason']) };
  }
  const billed = rec(rec(b['meta'])['billed_units']);
  if (billed['input_tokens'] !== undefined) {
    const usage = {
      inputTokens: num(billed['input_tokens']),
      outputTokens: num(billed['output_tokens']),
    };
    return { usage, finishReasons: reason(b['finish_reason']) };
  }
  // Mistral: no usage in the body (the token-count headers or invocation metrics have it).
  if (Array.isArray(b['outputs']))
    return { finishReasons: reason(rec(b['outputs'][0])['stop_reason']) };
  return undefined;
}

/** Bedrock's invocation metrics (headers or the stream's last chunk): input excludes cache. */
export function fromInvocationMetrics(m: Rec): TokenUsage | undefined {
  if (m['inputTokenCount'] === undefined && m['outputTokenCount'] === undefined) return undefined;
  return fromBedrockUsage({
    inputTokens: m['inputTokenCount'],
    outputTokens: m['outputTokenCount'],
    cacheReadInputTokens: m['cacheReadInputTokenCount'],
    cacheWriteInputTokens: m['cacheWriteInputTokenCount'],
  });
}

function onInvokeResult(call: LlmCall, data: unknown): void {
  const r = rec(data);
  const body = jsonBody(r['body']);
  const facts: CallResponse = (body ? vendorFacts(body) : undefined) ?? {};
  if (facts.usage === undefined)
    facts.usage = fromInvocationMetrics(rec((r as Record<symbol, unknown>)[TOKEN_HEADERS]));
  const attributes: Attributes = { ...facts.attributes };
  bedrockTierAttributes(r['serviceTier'], attributes);
  call.response({ ...facts, id: facts.id ?? requestIdOf(r), attributes });
}

/** Stream events `{ chunk: { bytes } }`: each chunk is one event of the model's own stream. */
class InvokeStream implements StreamAccumulator {
  private readonly anthropic: MessageStream;
  private anthropicSeen = false;
  private metrics: TokenUsage | undefined;
  private other: CallResponse = {};
  constructor(
    private readonly call: LlmCall,
    private readonly response: unknown,
  ) {
    this.anthropic = new MessageStream(call, false);
  }

  onItem(item: unknown): void {
    const event = jsonBody(rec(rec(item)['chunk'])['bytes']);
    if (!event) return;
    const metrics = rec(event['amazon-bedrock-invocationMetrics']);
    this.metrics = fromInvocationMetrics(metrics) ?? this.metrics;
    if (typeof event['type'] === 'string') {
      this.anthropicSeen = true;
      this.anthropic.onItem(event);
      return;
    }
    // Nova streams Converse-shaped events; Llama, Titan and Mistral send text pieces.
    const outputs = Array.isArray(event['outputs']) ? rec(event['outputs'][0]) : {};
    const text =
      str(rec(rec(event['contentBlockDelta'])['delta'])['text']) ??
      str(event['generation']) ??
      str(event['outputText']) ??
      str(outputs['text']);
    if (text !== undefined && text !== '') this.call.chunk();
    const facts = vendorFacts(event);
    this.other = {
      usage: facts?.usage ?? this.other.usage,
      finishReasons: facts?.finishReasons ?? this.other.finishReasons,
    };
  }

  flush(): void {
    // Invocation metrics first: a model's own usage, when it sent one, then overwrites them.
    const attributes: Attributes = {};
    bedrockTierAttributes(rec(this.response)['serviceTier'], attributes);
    this.call.response({ id: requestIdOf(this.response), usage: this.metrics, attributes });
    if (this.anthropicSeen) this.anthropic.flush();
    else this.call.response(this.other);
  }
}

export function invokeSpec(stream: boolean, operation: string, capture: boolean): MethodSpec {
  return {
    operation,
    isStream: () => stream,
    model: (command) => str(inputOf(command)['modelId']),
    requestAttributes: (command) => invokeRequestAttributes(command, capture),
    onResult: (call, data) => onInvokeResult(call, data),
    newStream: stream ? (call, response) => new InvokeStream(call, response) : undefined,
    streamOf: (response) => rec(response)['body'],
  };
}
