// Forwarding: re-export every received span over OTLP/HTTP (JSON) to a downstream endpoint
// (Tempo, Jaeger, another collector), LLM spans enriched with the computed cost, attribution
// and normalized gen_ai.* attributes. Its own bounded queue and retries: a slow or failing
// downstream drops the oldest forwarded spans (logged once per episode), never blocks ingest.
// Prompt and completion text goes only as far as storage would keep it (forward-content.ts).
import type { ForwardConfig } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import { OTLP_RETRYABLE_STATUS, HttpStatusError, retry, retryPolicy } from '../shared/retry.js';
import { FINOPS, FINOPS_COST_EXTRA, GEN_AI } from '../shared/semconv.js';
import type { LlmCall } from './call.js';
import { forwardableSpan } from './forward-content.js';
import type { PipelineSink } from './pipeline.js';
import {
  noteWireType,
  wireType,
  type AttrValue,
  type Attributes,
  type SpanRecord,
  type WireType,
} from './span.js';

const BATCH_SPANS = 512;

export interface Forwarder extends PipelineSink {
  readonly stats: { forwarded: number; dropped: number; failedRequests: number };
  stop(): Promise<void>;
}

export interface ForwarderOptions {
  /** `collector.capture_content`: off drops content attributes, on redacts secrets in them. */
  captureContent: boolean;
}

export function createForwarder(
  config: ForwardConfig,
  logger: Logger,
  options: ForwarderOptions,
): Forwarder {
  const queue: SpanRecord[] = [];
  const stats = { forwarded: 0, dropped: 0, failedRequests: 0 };
  let sending: Promise<void> | undefined;
  let warnedFull = false;
  let stopped = false;

  const push = (spans: SpanRecord[]): void => {
    queue.push(...spans);
    const excess = queue.length - config.queue_max_spans;
    if (excess > 0) {
      queue.splice(0, excess);
      stats.dropped += excess;
      if (!warnedFull)
        logger.warn('forward queue full: dropping the oldest forwarded spans', {
          endpoint: config.endpoint,
        });
      warnedFull = true;
    }
    sending ??= pump().finally(() => (sending = undefined));
  };

  const pump = async (): Promise<void> => {
    while (queue.length > 0 && !stopped) {
      const batch = queue.slice(0, BATCH_SPANS);
      if (await sendWithRetry(batch)) {
        queue.splice(0, batch.length);
        stats.forwarded += batch.length;
        warnedFull = false;
      } else {
        queue.splice(0, batch.length);
        stats.dropped += batch.length;
      }
    }
  };

  // OTLP/HTTP's retry rules: only 429/502/503/504 and network errors, Retry-After honoured.
  const policy = retryPolicy({
    retries: config.max_retries,
    baseMs: 100,
    maxMs: 5_000,
    retryableStatus: OTLP_RETRYABLE_STATUS,
  });
  // Aborted by stop(): a batch waiting out a backoff is dropped instead of holding shutdown.
  const stopping = new AbortController();

  const post = async (body: string): Promise<void> => {
    try {
      const res = await fetch(config.endpoint, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...config.headers },
        body,
        signal: AbortSignal.timeout(config.timeout_ms),
      });
      await res.arrayBuffer();
      if (!res.ok) throw HttpStatusError.from(res);
    } catch (err) {
      stats.failedRequests += 1;
      throw err;
    }
  };

  const sendWithRetry = async (batch: SpanRecord[]): Promise<boolean> => {
    const body = JSON.stringify(toOtlpJson(batch));
    try {
      if (stopping.signal.aborted) await post(body);
      else await retry(() => post(body), policy, { signal: stopping.signal });
      return true;
    } catch (err) {
      if (err instanceof HttpStatusError && !OTLP_RETRYABLE_STATUS.has(err.status))
        logger.warn('downstream refused forwarded spans', { status: err.status });
      return false;
    }
  };

  return {
    stats,
    released(calls: LlmCall[], callSpans: SpanRecord[], others: SpanRecord[]) {
      const spans = [...enrichAll(calls, callSpans), ...others];
      push(spans.map((span) => forwardableSpan(span, options.captureContent)));
    },
    async stop() {
      // What is queued gets one more try each (bounded by the request timeout); a batch waiting
      // out a backoff is dropped rather than holding shutdown for the whole retry schedule.
      stopping.abort();
      await sending;
      stopped = true;
    },
  };
}

/**
 * Each span with the call made from it. Paired by trace and span id, never by position: the
 * pipeline may drop a call (a duplicate) or emit calls in another order than their spans.
 */
export function enrichAll(calls: LlmCall[], spans: SpanRecord[]): SpanRecord[] {
  const byId = new Map(calls.map((c) => [`${c.trace_id}:${c.span_id}`, c]));
  return spans.map((span) => {
    const call = byId.get(`${span.traceId}:${span.spanId}`);
    return call !== undefined ? enrich(span, call) : span;
  });
}

/** The span with cost, attribution and normalized usage added (without losing what it had). */
export function enrich(span: SpanRecord, call: LlmCall): SpanRecord {
  const extra: Attributes = {
    [GEN_AI.PROVIDER_NAME]: call.provider,
    [GEN_AI.OPERATION_NAME]: call.operation,
    [GEN_AI.USAGE_INPUT_TOKENS]: call.input_tokens,
    [GEN_AI.USAGE_OUTPUT_TOKENS]: call.output_tokens,
    [GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]: call.cache_read_tokens,
    [GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS]: call.cache_creation_tokens,
    [GEN_AI.USAGE_REASONING_OUTPUT_TOKENS]: call.reasoning_tokens,
    [FINOPS.ROUTE]: call.route,
    [FINOPS.FEATURE]: call.feature,
    [FINOPS.TENANT]: call.tenant,
    [FINOPS.COST_PRICED]: call.priced,
    [FINOPS.COST_TOTAL]: call.cost_total,
    [FINOPS.COST_INPUT]: call.cost_input,
    [FINOPS.COST_CACHE_READ]: call.cost_cache_read,
    [FINOPS.COST_CACHE_CREATION]: call.cost_cache_creation,
    [FINOPS.COST_OUTPUT]: call.cost_output,
    [FINOPS.COST_PRICE_ENTRY]: call.price_entry,
    [FINOPS_COST_EXTRA.CACHE_CREATION_1H]: call.cost_cache_creation_1h,
    [FINOPS_COST_EXTRA.AUDIO]: call.cost_audio,
    [FINOPS_COST_EXTRA.IMAGE]: call.cost_image,
    [FINOPS_COST_EXTRA.REQUEST]: call.cost_request,
    [FINOPS_COST_EXTRA.PRICE_VERSION]: call.price_version,
    [FINOPS_COST_EXTRA.USAGE_INCOMPLETE]: call.usage_incomplete,
  };
  if (call.request_model !== '') extra[GEN_AI.REQUEST_MODEL] = call.request_model;
  if (call.response_model !== '') extra[GEN_AI.RESPONSE_MODEL] = call.response_model;
  const attributes: Attributes = { ...span.attributes, ...extra };
  // A spread copies values, not the wire types noted on the original (1.0 stays a double).
  for (const key of Object.keys(span.attributes))
    if (!(key in extra)) noteWireType(attributes, key, wireType(span.attributes, key));
  return { ...span, attributes };
}

/** SpanRecords back to an OTLP JSON ExportTraceServiceRequest, grouped by resource and scope. */
export function toOtlpJson(spans: SpanRecord[]): object {
  const byResource = new Map<Attributes, Map<string, SpanRecord[]>>();
  for (const span of spans) {
    const scopes = byResource.get(span.resource) ?? new Map<string, SpanRecord[]>();
    byResource.set(span.resource, scopes);
    const key = `${span.scopeName}\u0000${span.scopeVersion}`;
    scopes.set(key, [...(scopes.get(key) ?? []), span]);
  }
  return {
    resourceSpans: [...byResource].map(([resource, scopes]) => ({
      resource: { attributes: toKeyValues(resource) },
      scopeSpans: [...scopes].map(([key, list]) => {
        const [name, version] = key.split('\u0000');
        return { scope: { name, version }, spans: list.map(spanJson) };
      }),
    })),
  };
}

function spanJson(span: SpanRecord): object {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
    attributes: toKeyValues(span.attributes),
    events: span.events.map((e) => ({
      name: e.name,
      timeUnixNano: e.timeUnixNano.toString(),
      attributes: toKeyValues(e.attributes),
    })),
    status: { code: span.statusCode, message: span.statusMessage },
  };
}

function toKeyValues(attributes: Attributes): object[] {
  return Object.entries(attributes).map(([key, value]) => ({
    key,
    value: anyValue(value, wireType(attributes, key)),
  }));
}

/** An AnyValue with the type the value arrived with (decoders note what JS cannot show). */
function anyValue(value: AttrValue, type: WireType | undefined): object {
  if (typeof value === 'string') {
    if (type === 'int') return { intValue: value };
    return type === 'bytes' ? { bytesValue: value } : { stringValue: value };
  }
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number')
    return type === 'double' || !Number.isSafeInteger(value)
      ? { doubleValue: jsonDouble(value) }
      : { intValue: String(value) };
  if (Array.isArray(value))
    return { arrayValue: { values: value.map((v, i) => anyValue(v, wireType(value, i))) } };
  if (value === null) return {};
  return { kvlistValue: { values: toKeyValues(value) } };
}

/** proto3 JSON spells the non-finite doubles as strings (JSON.stringify would write null). */
function jsonDouble(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}
