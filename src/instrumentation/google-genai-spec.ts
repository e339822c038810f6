// generateContent / generateContentStream of @google/genai (Gemini API and Vertex AI): request
// attributes from `config`, response facts from `GenerateContentResponse` (usage, model
// version, finish reasons, the capacity tier the provider reports), plain and streamed.
import type { Attributes } from '@opentelemetry/api';
import {
  FINOPS,
  GEN_AI,
  GEN_AI_OPERATION,
  GEN_AI_REQUEST,
  PROVIDER_TIER,
} from '../shared/semconv.js';
import { tierFromServiceTier, tierFromVertexTraffic } from './capacity.js';
import type { LlmCall } from './call.js';
import { inputMessagesJson, outputMessagesJson } from './content.js';
import { rec, str } from './spec.js';
import type { MethodSpec, Rec, StreamAccumulator } from './spec.js';
import { fromGeminiUsage, mergeUsage } from './usage.js';
import type { TokenUsage } from './usage.js';

const NUMERIC: readonly (readonly [string, string])[] = [
  ['temperature', GEN_AI.REQUEST_TEMPERATURE],
  ['topP', GEN_AI.REQUEST_TOP_P],
  ['topK', GEN_AI_REQUEST.TOP_K],
  ['maxOutputTokens', GEN_AI.REQUEST_MAX_TOKENS],
  ['seed', GEN_AI_REQUEST.SEED],
  ['presencePenalty', GEN_AI_REQUEST.PRESENCE_PENALTY],
  ['frequencyPenalty', GEN_AI_REQUEST.FREQUENCY_PENALTY],
];

function requestAttributes(params: unknown, capture: boolean): Attributes {
  const p = rec(params);
  const config = rec(p['config']);
  const attrs: Attributes = {};
  for (const [field, key] of NUMERIC) {
    const v = config[field];
    if (typeof v === 'number') attrs[key] = v;
  }
  const stop = config['stopSequences'];
  if (Array.isArray(stop))
    attrs[GEN_AI_REQUEST.STOP_SEQUENCES] = stop.filter((s) => typeof s === 'string');
  const n = config['candidateCount'];
  if (typeof n === 'number' && n !== 1) attrs[GEN_AI_REQUEST.CHOICE_COUNT] = n;
  const mime = str(config['responseMimeType']);
  if (mime !== undefined)
    attrs[GEN_AI_REQUEST.OUTPUT_TYPE] = mime === 'application/json' ? 'json' : 'text';
  const tier = str(config['serviceTier']);
  if (tier !== undefined) attrs[PROVIDER_TIER.GEMINI_REQUEST_SERVICE_TIER] = tier;
  if (capture) {
    const input = inputMessagesJson(
      chatMessages(p['contents']),
      textOf(config['systemInstruction']),
    );
    if (input !== undefined) attrs[GEN_AI.INPUT_MESSAGES] = input;
  }
  return attrs;
}

/** Text of a Content (`{ role, parts }`), a Part list or a string; thought parts excluded. */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  const parts = Array.isArray(content) ? content : rec(content)['parts'];
  if (!Array.isArray(parts)) return undefined;
  return parts
    .map(rec)
    .filter((part) => part['thought'] !== true)
    .map((part) => str(part['text']) ?? '')
    .join('');
}

/** `contents` (string, Content or Content[]) as chat-style messages for content capture. */
function chatMessages(contents: unknown): unknown {
  if (typeof contents === 'string') return contents;
  const list = Array.isArray(contents) ? contents : [contents];
  return list.map((c) => ({
    role: str(rec(c)['role']) === 'model' ? 'assistant' : (str(rec(c)['role']) ?? 'user'),
    content: textOf(c) ?? '',
  }));
}

interface ResponseFacts {
  id?: string;
  model?: string;
  finishReasons: string[];
  usage?: TokenUsage;
  attributes: Attributes;
}

/** Capacity facts from `usageMetadata`: Vertex `trafficType`, Gemini API `serviceTier`. */
function tierAttributes(usageMetadata: Rec, attrs: Attributes): void {
  const traffic = str(usageMetadata['trafficType']);
  const service = str(usageMetadata['serviceTier']);
  if (traffic !== undefined) attrs[PROVIDER_TIER.VERTEX_TRAFFIC_TYPE] = traffic;
  if (service !== undefined) attrs[PROVIDER_TIER.GEMINI_SERVICE_TIER] = service;
  const tier = tierFromVertexTraffic(traffic) ?? tierFromServiceTier(service);
  if (tier !== undefined) attrs[FINOPS.CAPACITY_TIER] = tier;
}

function candidatesOf(r: Rec): Rec[] {
  return Array.isArray(r['candidates']) ? r['candidates'].map(rec) : [];
}

function responseFacts(r: Rec): ResponseFacts {
  const attributes: Attributes = {};
  const usageMetadata = rec(r['usageMetadata']);
  tierAttributes(usageMetadata, attributes);
  return {
    id: str(r['responseId']),
    model: str(r['modelVersion']),
    finishReasons: candidatesOf(r)
      .map((c) => str(c['finishReason']))
      .filter((f): f is string => f !== undefined),
    usage: r['usageMetadata'] !== undefined ? fromGeminiUsage(usageMetadata) : undefined,
    attributes,
  };
}

class ContentStream implements StreamAccumulator {
  private facts: ResponseFacts = { finishReasons: [], attributes: {} };
  private text = '';
  constructor(
    private readonly call: LlmCall,
    private readonly capture: boolean,
  ) {}

  onItem(item: unknown): void {
    const r = rec(item);
    const next = responseFacts(r);
    // Chunks carry output text; usage and finish reason usually arrive with the last one.
    const text = textOf(rec(candidatesOf(r)[0])['content']);
    if (text !== undefined && text !== '') {
      this.call.chunk();
      if (this.capture) this.text += text;
    }
    this.facts = {
      id: next.id ?? this.facts.id,
      model: next.model ?? this.facts.model,
      finishReasons: next.finishReasons.length > 0 ? next.finishReasons : this.facts.finishReasons,
      usage: mergeUsage(this.facts.usage, next.usage),
      attributes: { ...this.facts.attributes, ...next.attributes },
    };
  }

  flush(): void {
    const f = this.facts;
    if (this.capture && this.text !== '')
      f.attributes[GEN_AI.OUTPUT_MESSAGES] = outputMessagesJson(this.text, f.finishReasons[0]);
    this.call.response(f);
  }
}

function onResult(call: LlmCall, data: unknown, capture: boolean): void {
  const r = rec(data);
  const facts = responseFacts(r);
  if (capture) {
    const text = textOf(rec(candidatesOf(r)[0])['content']);
    if (text !== undefined)
      facts.attributes[GEN_AI.OUTPUT_MESSAGES] = outputMessagesJson(text, facts.finishReasons[0]);
  }
  call.response(facts);
}

export function generateContentSpec(stream: boolean, capture: boolean): MethodSpec {
  return {
    operation: GEN_AI_OPERATION.GENERATE_CONTENT,
    isStream: () => stream,
    model: (p) => str(rec(p)['model']),
    requestAttributes: (p) => requestAttributes(p, capture),
    onResult: (call, data) => onResult(call, data, capture),
    newStream: stream ? (call) => new ContentStream(call, capture) : undefined,
  };
}
