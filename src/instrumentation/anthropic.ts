// instrumentAnthropic: traces `messages.create` (plain and `stream: true`) of one
// @anthropic-ai/sdk client instance. `messages.stream()` calls `create` and is covered too.
import { diag } from '@opentelemetry/api';
import type { Attributes, TracerProvider } from '@opentelemetry/api';
import {
  ANTHROPIC,
  FINOPS,
  GEN_AI,
  GEN_AI_OPERATION,
  GEN_AI_PROVIDER,
  GENERAL,
} from '../shared/semconv.js';
import type { LlmCall } from './call.js';
import { inputMessagesJson, outputMessagesJson } from './content.js';
import { endpointFromBaseURL } from './provider.js';
import { rec, str } from './spec.js';
import type { MethodSpec, StreamAccumulator } from './spec.js';
import { getTracer } from './tracer.js';
import { fromAnthropicUsage, mergeUsage } from './usage.js';
import type { TokenUsage } from './usage.js';
import { wrapMethod } from './wrap.js';

export interface InstrumentAnthropicOptions {
  provider?: string;
  deployment?: string;
  region?: string;
  captureContent?: boolean;
  tracerProvider?: TracerProvider;
  /**
   * @anthropic-ai/sdk 1.x emits its own `anthropic.messages.create` span (with output and cache
   * tokens). Next to ours it would count the call twice, so by default it is switched off for
   * this instance. Set true to keep it.
   */
  keepSdkSpans?: boolean;
}

export interface AnthropicClientLike {
  baseURL?: string;
  messages?: object;
}

export function textOf(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content.map((b) => str(rec(b)['text']) ?? '').join('');
}

export function messageFacts(
  m: Record<string, unknown>,
  usage: TokenUsage | undefined,
  text: string | undefined,
  capture: boolean,
) {
  const attributes: Attributes = {};
  const tier = str(rec(m['usage'])['service_tier']);
  if (tier !== undefined) attributes[ANTHROPIC.RESPONSE_SERVICE_TIER] = tier;
  const reason = str(m['stop_reason']);
  if (capture && text !== undefined)
    attributes[GEN_AI.OUTPUT_MESSAGES] = outputMessagesJson(text, reason);
  return {
    id: str(m['id']),
    model: str(m['model']),
    usage,
    finishReasons: reason ? [reason] : undefined,
    attributes,
  };
}

export class MessageStream implements StreamAccumulator {
  private message: Record<string, unknown> = {};
  private usage: TokenUsage | undefined;
  private text = '';
  constructor(
    private readonly call: LlmCall,
    private readonly capture: boolean,
  ) {}

  onItem(item: unknown): void {
    const e = rec(item);
    switch (e['type']) {
      case 'message_start':
        this.message = { ...rec(e['message']) };
        this.usage = fromAnthropicUsage(this.message['usage']);
        break;
      case 'content_block_delta':
        this.call.chunk();
        if (this.capture) this.text += str(rec(e['delta'])['text']) ?? '';
        break;
      case 'message_delta': {
        const reason = str(rec(e['delta'])['stop_reason']);
        if (reason !== undefined) this.message['stop_reason'] = reason;
        // message_delta usage is cumulative; it may restate input and cache counts.
        this.usage = mergeUsage(this.usage, fromAnthropicUsage(e['usage']));
        break;
      }
    }
  }

  flush(): void {
    this.call.response(messageFacts(this.message, this.usage, this.text, this.capture));
  }
}

function messagesSpec(capture: boolean): MethodSpec {
  return {
    operation: GEN_AI_OPERATION.CHAT,
    isStream: (p) => rec(p)['stream'] === true,
    model: (p) => str(rec(p)['model']),
    requestAttributes(p) {
      const r = rec(p);
      const attrs: Attributes = {};
      if (typeof r['max_tokens'] === 'number') attrs[GEN_AI.REQUEST_MAX_TOKENS] = r['max_tokens'];
      if (typeof r['temperature'] === 'number')
        attrs[GEN_AI.REQUEST_TEMPERATURE] = r['temperature'];
      if (typeof r['top_p'] === 'number') attrs[GEN_AI.REQUEST_TOP_P] = r['top_p'];
      if (typeof r['service_tier'] === 'string')
        attrs[ANTHROPIC.REQUEST_SERVICE_TIER] = r['service_tier'];
      if (capture) {
        const input = inputMessagesJson(r['messages'], r['system']);
        if (input !== undefined) attrs[GEN_AI.INPUT_MESSAGES] = input;
      }
      return attrs;
    },
    onResult(call, data) {
      const m = rec(data);
      call.response(messageFacts(m, fromAnthropicUsage(m['usage']), textOf(m['content']), capture));
    },
    newStream: (call) => new MessageStream(call, capture),
  };
}

/** Disables the SDK's built-in call span on this instance only (guarded: SDK internals). */
function silenceSdkSpans(client: object): void {
  if ('_tracer' in client && (client as { _tracer?: unknown })._tracer !== undefined) {
    Object.defineProperty(client, '_tracer', {
      value: undefined,
      writable: true,
      configurable: true,
    });
  }
}

export function instrumentAnthropic<C extends AnthropicClientLike>(
  client: C,
  options: InstrumentAnthropicOptions = {},
): C {
  try {
    const ep = endpointFromBaseURL(client.baseURL, GEN_AI_PROVIDER.ANTHROPIC, options.provider);
    const fixed: Attributes = {};
    if (options.region !== undefined) fixed[GENERAL.CLOUD_REGION] = options.region;
    if (options.deployment !== undefined) fixed[FINOPS.DEPLOYMENT] = options.deployment;
    if (!options.keepSdkSpans) silenceSdkSpans(client);
    wrapMethod(client.messages, 'create', messagesSpec(options.captureContent === true), {
      tracer: getTracer(options.tracerProvider),
      endpoint: () => ep,
      staticAttributes: () => fixed,
    });
  } catch (err) {
    // Never prevent the client from working: it stays uninstrumented.
    diag.error(
      'llm-finops: could not instrument the Anthropic client; its calls are not traced',
      err,
    );
  }
  return client;
}
