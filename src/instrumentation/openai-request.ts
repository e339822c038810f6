// Request attributes of OpenAI chat / responses / embeddings calls (set at span start).
import type { Attributes } from '@opentelemetry/api';
import { GEN_AI, GEN_AI_REQUEST, OPENAI } from '../shared/semconv.js';

type Rec = Record<string, unknown>;

const NUMERIC: readonly (readonly [string, string])[] = [
  ['temperature', GEN_AI.REQUEST_TEMPERATURE],
  ['top_p', GEN_AI.REQUEST_TOP_P],
  ['frequency_penalty', GEN_AI_REQUEST.FREQUENCY_PENALTY],
  ['presence_penalty', GEN_AI_REQUEST.PRESENCE_PENALTY],
  ['seed', GEN_AI_REQUEST.SEED],
  ['max_tokens', GEN_AI.REQUEST_MAX_TOKENS],
  // Newer chat and Responses names for the same limit; the last present wins.
  ['max_completion_tokens', GEN_AI.REQUEST_MAX_TOKENS],
  ['max_output_tokens', GEN_AI.REQUEST_MAX_TOKENS],
];

function outputType(p: Rec): string | undefined {
  const rf = (p['response_format'] ?? (p['text'] as Rec | undefined)?.['format']) as
    Rec | undefined;
  const t = rf?.['type'];
  if (t === 'json_object' || t === 'json_schema') return 'json';
  if (t === 'text') return 'text';
  return undefined;
}

export function openAIRequestAttributes(params: unknown): Attributes {
  const p = (params ?? {}) as Rec;
  const attrs: Attributes = {};
  for (const [field, key] of NUMERIC) {
    const v = p[field];
    if (typeof v === 'number') attrs[key] = v;
  }
  const stop = p['stop'];
  if (typeof stop === 'string') attrs[GEN_AI_REQUEST.STOP_SEQUENCES] = [stop];
  else if (Array.isArray(stop))
    attrs[GEN_AI_REQUEST.STOP_SEQUENCES] = stop.filter((s) => typeof s === 'string');
  if (typeof p['n'] === 'number' && p['n'] !== 1) attrs[GEN_AI_REQUEST.CHOICE_COUNT] = p['n'];
  if (typeof p['service_tier'] === 'string') attrs[OPENAI.REQUEST_SERVICE_TIER] = p['service_tier'];
  const out = outputType(p);
  if (out !== undefined) attrs[GEN_AI_REQUEST.OUTPUT_TYPE] = out;
  const enc = p['encoding_format'];
  if (typeof enc === 'string') attrs[GEN_AI.REQUEST_ENCODING_FORMATS] = [enc];
  return attrs;
}

/**
 * Asks a chat stream for its usage (`stream_options.include_usage`), on a copy of the params.
 * The caller's stream then ends with one extra chunk whose `choices` is empty and which holds
 * `usage`. An explicit `include_usage: false` from the caller is respected.
 */
export function withStreamUsage(params: unknown): unknown {
  const p = params as Rec;
  const so = p['stream_options'] as Rec | undefined;
  if (so && so['include_usage'] !== undefined) return params;
  return { ...p, stream_options: { ...so, include_usage: true } };
}
