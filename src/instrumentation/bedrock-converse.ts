// Bedrock Converse and ConverseStream (`@aws-sdk/client-bedrock-runtime`): request attributes
// from the command input, usage (cache reads and writes included) from the response or the
// stream's `metadata` event, and the service tier the response reports.
import type { Attributes } from '@opentelemetry/api';
import {
  FINOPS,
  GEN_AI,
  GEN_AI_OPERATION,
  GEN_AI_REQUEST,
  PROVIDER_TIER,
} from '../shared/semconv.js';
import { tierFromServiceTier } from './capacity.js';
import type { CallResponse, LlmCall } from './call.js';
import { inputMessagesJson, outputMessagesJson } from './content.js';
import { rec, str } from './spec.js';
import type { MethodSpec, Rec, StreamAccumulator } from './spec.js';
import { fromBedrockUsage, mergeUsage } from './usage.js';

/** `command.input` of a Bedrock command. */
export function inputOf(command: unknown): Rec {
  return rec(rec(command)['input']);
}

function blocksText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content.map((b) => str(rec(b)['text']) ?? '').join('');
}

function converseRequestAttributes(command: unknown, capture: boolean): Attributes {
  const input = inputOf(command);
  const cfg = rec(input['inferenceConfig']);
  const attrs: Attributes = {};
  if (typeof cfg['maxTokens'] === 'number') attrs[GEN_AI.REQUEST_MAX_TOKENS] = cfg['maxTokens'];
  if (typeof cfg['temperature'] === 'number')
    attrs[GEN_AI.REQUEST_TEMPERATURE] = cfg['temperature'];
  if (typeof cfg['topP'] === 'number') attrs[GEN_AI.REQUEST_TOP_P] = cfg['topP'];
  const stop = cfg['stopSequences'];
  if (Array.isArray(stop))
    attrs[GEN_AI_REQUEST.STOP_SEQUENCES] = stop.filter((s) => typeof s === 'string');
  const tier = str(rec(input['serviceTier'])['type']);
  if (tier !== undefined) attrs[PROVIDER_TIER.BEDROCK_REQUEST_SERVICE_TIER] = tier;
  const guardrail = str(rec(input['guardrailConfig'])['guardrailIdentifier']);
  if (guardrail !== undefined) attrs[PROVIDER_TIER.BEDROCK_GUARDRAIL_ID] = guardrail;
  if (capture) {
    const messages = Array.isArray(input['messages'])
      ? input['messages'].map((m) => ({
          role: str(rec(m)['role']) ?? 'user',
          content: blocksText(rec(m)['content']),
        }))
      : undefined;
    const system = Array.isArray(input['system']) ? blocksText(input['system']) : undefined;
    const json = inputMessagesJson(messages, system);
    if (json !== undefined) attrs[GEN_AI.INPUT_MESSAGES] = json;
  }
  return attrs;
}

/** Tier facts: Converse reports `serviceTier: { type }`, InvokeModel a plain string. */
export function bedrockTierAttributes(serviceTier: unknown, attrs: Attributes): void {
  const tier = str(serviceTier) ?? str(rec(serviceTier)['type']);
  if (tier === undefined) return;
  attrs[PROVIDER_TIER.BEDROCK_RESPONSE_SERVICE_TIER] = tier;
  const mapped = tierFromServiceTier(tier);
  if (mapped !== undefined) attrs[FINOPS.CAPACITY_TIER] = mapped;
}

/** The AWS request id (Bedrock responses carry no response id of their own). */
export function requestIdOf(output: unknown): string | undefined {
  return str(rec(rec(output)['$metadata'])['requestId']);
}

function onConverseResult(call: LlmCall, data: unknown, capture: boolean): void {
  const r = rec(data);
  const attributes: Attributes = {};
  bedrockTierAttributes(r['serviceTier'], attributes);
  const reason = str(r['stopReason']);
  if (capture) {
    const text = blocksText(rec(rec(r['output'])['message'])['content']);
    attributes[GEN_AI.OUTPUT_MESSAGES] = outputMessagesJson(text, reason);
  }
  call.response({
    id: requestIdOf(r),
    usage: fromBedrockUsage(r['usage']),
    finishReasons: reason !== undefined ? [reason] : undefined,
    attributes,
  });
}

/** ConverseStream events: each is an object with one member (`messageStart`, `metadata`...). */
class ConverseStream implements StreamAccumulator {
  private readonly facts: CallResponse & { attributes: Attributes } = { attributes: {} };
  private text = '';
  constructor(
    private readonly call: LlmCall,
    private readonly capture: boolean,
    response: unknown,
  ) {
    this.facts.id = requestIdOf(response);
  }

  onItem(item: unknown): void {
    const e = rec(item);
    const delta = rec(rec(e['contentBlockDelta'])['delta']);
    if (e['contentBlockDelta'] !== undefined) {
      this.call.chunk();
      if (this.capture) this.text += str(delta['text']) ?? '';
      return;
    }
    const stop = str(rec(e['messageStop'])['stopReason']);
    if (stop !== undefined) this.facts.finishReasons = [stop];
    const metadata = rec(e['metadata']);
    if (e['metadata'] !== undefined) {
      this.facts.usage = mergeUsage(this.facts.usage, fromBedrockUsage(metadata['usage']));
      bedrockTierAttributes(metadata['serviceTier'], this.facts.attributes);
    }
  }

  flush(): void {
    if (this.capture && this.text !== '') {
      this.facts.attributes[GEN_AI.OUTPUT_MESSAGES] = outputMessagesJson(
        this.text,
        this.facts.finishReasons?.[0],
      );
    }
    this.call.response(this.facts);
  }
}

export function converseSpec(stream: boolean, capture: boolean): MethodSpec {
  return {
    operation: GEN_AI_OPERATION.CHAT,
    isStream: () => stream,
    model: (command) => str(inputOf(command)['modelId']),
    requestAttributes: (command) => converseRequestAttributes(command, capture),
    onResult: (call, data) => onConverseResult(call, data, capture),
    newStream: stream ? (call, response) => new ConverseStream(call, capture, response) : undefined,
    streamOf: (response) => rec(response)['stream'],
  };
}
