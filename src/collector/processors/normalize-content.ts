// Prompt and completion text, read only when content capture is enabled. Several
// instrumentations capture content by default (OpenLLMetry, OpenLIT, AI SDK v7), so the
// collector, not the sender, decides whether it is stored.
import type { LlmCall } from '../call.js';
import type { Attributes, SpanRecord } from '../span.js';
import { GEN_AI, GEN_AI_DEPRECATED, GEN_AI_EXTRA } from '../../shared/semconv.js';
import {
  LANGFUSE_EXTRA,
  OPENINFERENCE,
  OPENLLMETRY_EXTRA,
  VERCEL_AI_EXTRA,
} from '../../shared/semconv-peers.js';
import { asText, firstKey } from './normalize-attrs.js';

/** Whole-value content keys, first present wins (the forwarder drops the same keys). */
export const INPUT_KEYS = [
  GEN_AI.INPUT_MESSAGES,
  VERCEL_AI_EXTRA.PROMPT_MESSAGES,
  VERCEL_AI_EXTRA.PROMPT,
  VERCEL_AI_EXTRA.VALUES,
  VERCEL_AI_EXTRA.VALUE,
  OPENINFERENCE.INPUT_VALUE,
  LANGFUSE_EXTRA.OBSERVATION_INPUT,
  OPENLLMETRY_EXTRA.ENTITY_INPUT,
  GEN_AI_DEPRECATED.PROMPT,
];
export const OUTPUT_KEYS = [
  GEN_AI.OUTPUT_MESSAGES,
  VERCEL_AI_EXTRA.RESPONSE_TEXT,
  VERCEL_AI_EXTRA.RESPONSE_OBJECT,
  VERCEL_AI_EXTRA.RESPONSE_TOOL_CALLS,
  OPENINFERENCE.OUTPUT_VALUE,
  LANGFUSE_EXTRA.OBSERVATION_OUTPUT,
  OPENLLMETRY_EXTRA.ENTITY_OUTPUT,
  GEN_AI_DEPRECATED.COMPLETION,
];

/** input_content / output_content of the call normalize is building; left '' without capture. */
export function setContent(call: LlmCall, span: SpanRecord, capture: boolean): void {
  if (!capture) return;
  const a = span.attributes;
  call.input_content =
    whole(a, INPUT_KEYS) ||
    indexed(a, GEN_AI_EXTRA.PROMPT_PREFIX) ||
    eventText(span, GEN_AI_EXTRA.CONTENT_PROMPT_EVENT, GEN_AI_DEPRECATED.PROMPT);
  call.output_content =
    whole(a, OUTPUT_KEYS) ||
    indexed(a, GEN_AI_EXTRA.COMPLETION_PREFIX) ||
    eventText(span, GEN_AI_EXTRA.CONTENT_COMPLETION_EVENT, GEN_AI_DEPRECATED.COMPLETION);
}

function whole(a: Attributes, keys: readonly string[]): string {
  const k = firstKey(a, keys);
  return k === undefined ? '' : asText(a[k]);
}

/**
 * Legacy OpenLLMetry flattened messages (`gen_ai.prompt.0.role`, `gen_ai.prompt.0.content`, ...)
 * rebuilt as a JSON array of {role, content} in index order.
 */
function indexed(a: Attributes, prefix: string): string {
  const byIndex = new Map<number, { role: string; content: string }>();
  for (const [key, value] of Object.entries(a)) {
    if (!key.startsWith(prefix)) continue;
    const m = /^(\d+)\.(role|content)$/.exec(key.slice(prefix.length));
    if (m === null || m[1] === undefined) continue;
    const i = Number(m[1]);
    const msg = byIndex.get(i) ?? { role: '', content: '' };
    if (m[2] === 'role') msg.role = asText(value);
    else msg.content = asText(value);
    byIndex.set(i, msg);
  }
  if (byIndex.size === 0) return '';
  return JSON.stringify([...byIndex.entries()].sort(([x], [y]) => x - y).map(([, msg]) => msg));
}

/** Old semconv content events (gen_ai.content.prompt with attribute gen_ai.prompt). */
function eventText(span: SpanRecord, eventName: string, key: string): string {
  const ev = span.events.find((e) => e.name === eventName);
  return ev === undefined ? '' : asText(ev.attributes[key]);
}
