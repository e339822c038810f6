// What the forwarder may pass on of prompt and completion text. Storage keeps content only when
// `collector.capture_content` is on, and then with secrets redacted (processors/attribute.ts);
// a forwarded span must not carry more than that, or the downstream (Tempo, Jaeger, another
// collector) becomes the place where the prompts the operator refused to keep end up.
import { CONTENT_EXTRA, GEN_AI, GEN_AI_EXTRA } from '../shared/semconv.js';
import { INPUT_KEYS, OUTPUT_KEYS } from './processors/normalize-content.js';
import { redactSecrets } from './processors/redact.js';
import {
  noteWireType,
  setAttribute,
  wireType,
  type AttrValue,
  type Attributes,
  type SpanEvent,
  type SpanRecord,
} from './span.js';

const CONTENT_KEYS: ReadonlySet<string> = new Set([
  ...INPUT_KEYS,
  ...OUTPUT_KEYS,
  GEN_AI.SYSTEM_INSTRUCTIONS,
  CONTENT_EXTRA.TOOL_CALL_ARGUMENTS,
  CONTENT_EXTRA.TOOL_CALL_RESULT,
  CONTENT_EXTRA.VERCEL_TOOL_CALL_ARGS,
  CONTENT_EXTRA.VERCEL_TOOL_CALL_RESULT,
]);

/** Legacy indexed messages (`gen_ai.prompt.0.content`), not `gen_ai.prompt.version`. */
const INDEXED = new RegExp(
  `^(?:${escape(GEN_AI_EXTRA.PROMPT_PREFIX)}|${escape(GEN_AI_EXTRA.COMPLETION_PREFIX)})\\d+\\.`,
);
const PREFIXES = [
  CONTENT_EXTRA.OPENINFERENCE_INPUT_MESSAGES_PREFIX,
  CONTENT_EXTRA.OPENINFERENCE_OUTPUT_MESSAGES_PREFIX,
];
/** Old semconv events whose only payload is the text. */
const CONTENT_EVENTS: ReadonlySet<string> = new Set([
  GEN_AI_EXTRA.CONTENT_PROMPT_EVENT,
  GEN_AI_EXTRA.CONTENT_COMPLETION_EVENT,
]);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True for an attribute that carries prompt, completion or tool text. */
export function isContentKey(key: string): boolean {
  return CONTENT_KEYS.has(key) || INDEXED.test(key) || PREFIXES.some((p) => key.startsWith(p));
}

/**
 * The span as it may leave the collector: without content when capture is off; with content but
 * secrets redacted when it is on (what storage would keep). Unchanged spans are returned as is.
 */
export function forwardableSpan(span: SpanRecord, captureContent: boolean): SpanRecord {
  const attributes = forwardableAttributes(span.attributes, captureContent);
  let eventsChanged = false;
  const events: SpanEvent[] = [];
  for (const event of span.events) {
    if (!captureContent && CONTENT_EVENTS.has(event.name)) {
      eventsChanged = true;
      continue;
    }
    const attrs = forwardableAttributes(event.attributes, captureContent);
    eventsChanged ||= attrs !== event.attributes;
    events.push(attrs === event.attributes ? event : { ...event, attributes: attrs });
  }
  if (attributes === span.attributes && !eventsChanged) return span;
  return { ...span, attributes, events: eventsChanged ? events : span.events };
}

function forwardableAttributes(attrs: Attributes, captureContent: boolean): Attributes {
  const keys = Object.keys(attrs).filter(isContentKey);
  if (keys.length === 0) return attrs;
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attrs)) {
    const content = keys.includes(key);
    if (content && !captureContent) continue;
    const type = wireType(attrs, key);
    // Only text is redacted: an int64 or bytes value kept as a string is not prose.
    setAttribute(out, key, content && type === undefined ? redactValue(value) : value);
    noteWireType(out, key, type);
  }
  return out;
}

/** Secrets redacted in every string inside the value (content may be a JSON string or a list). */
function redactValue(value: AttrValue): AttrValue {
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) {
    const out = value.map((v, i) => (wireType(value, i) === undefined ? redactValue(v) : v));
    value.forEach((_, i) => noteWireType(out, i, wireType(value, i)));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Attributes = {};
    for (const [k, v] of Object.entries(value)) {
      setAttribute(out, k, wireType(value, k) === undefined ? redactValue(v) : v);
      noteWireType(out, k, wireType(value, k));
    }
    return out;
  }
  return value;
}
