// Streaming latency: time to first chunk/token and inter-token latency, always in milliseconds.
// Units differ per source and are the main trap: semconv and OpenLIT write seconds, the AI SDK
// legacy spans write milliseconds, our wrapper writes milliseconds for ITL.
import type { LlmCall } from '../call.js';
import type { AttrValue, Attributes, SpanRecord } from '../span.js';
import { FINOPS, GEN_AI } from '../../shared/semconv.js';
import {
  OPENLIT,
  OPENLIT_EXTRA,
  OPENLLMETRY_EXTRA,
  VERCEL_AI,
  VERCEL_AI_EXTRA,
} from '../../shared/semconv-peers.js';
import { bool, jsonValue, num } from './normalize-attrs.js';

/** TTFT in ms from an AI SDK key (response first, then stream), or null. */
function ttftMsKeys(a: Attributes): number | null {
  return num(a, VERCEL_AI.RESPONSE_MS_TO_FIRST_CHUNK, VERCEL_AI.STREAM_MS_TO_FIRST_CHUNK);
}

/** Round to the microsecond: seconds * 1000 leaves float noise (0.412 s -> 412.00000000000006). */
function ms(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** A latency must be a finite, non-negative number; anything else is dropped with a warning. */
function checked(value: number | null, what: string, warnings: string[]): number | null {
  if (value === null) return null;
  if (value < 0) {
    warnings.push(`invalid_${what}:${value}`);
    return null;
  }
  return ms(value);
}

/** ttft_ms, itl_ms, itl_p95_ms and streaming, written into the call normalize is building. */
export function setLatency(call: LlmCall, span: SpanRecord): void {
  const a = span.attributes;
  const warnings = call.warnings;
  const streamTtft = ttftFromStream(span);
  // OpenLIT measures its TTFT on non-streaming calls too (then it equals the duration).
  const openlitTtft = num(a, OPENLIT.SERVER_TTFT);
  const ttft = streamTtft ?? (openlitTtft === null ? null : openlitTtft * 1000);
  const explicit = bool(
    a,
    GEN_AI.REQUEST_STREAM,
    OPENLIT_EXTRA.REQUEST_IS_STREAM,
    OPENLLMETRY_EXTRA.IS_STREAMING,
  );
  call.ttft_ms = checked(ttft, 'ttft', warnings);
  // The common case, our wrapper's finops.stream.* (ms), is read without a result object.
  const mean = num(a, FINOPS.STREAM_ITL_MS);
  if (mean !== null) {
    call.itl_ms = checked(mean, 'itl', warnings);
    call.itl_p95_ms = checked(num(a, FINOPS.STREAM_ITL_P95_MS), 'itl_p95', warnings);
  } else {
    const itl = otherItl(a);
    call.itl_ms = checked(itl.mean, 'itl', warnings);
    call.itl_p95_ms = checked(itl.p95, 'itl_p95', warnings);
  }
  call.streaming = explicit ?? (streamTtft !== null || isVercelStream(span));
}

/** TTFT in ms from attributes only streams carry, or from the AI SDK firstChunk event. */
function ttftFromStream(span: SpanRecord): number | null {
  const s = num(
    span.attributes,
    GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK,
    GEN_AI.CLIENT_TIME_TO_FIRST_CHUNK,
  );
  if (s !== null) return s * 1000;
  const m = ttftMsKeys(span.attributes);
  if (m !== null) return m;
  if (span.events.length === 0) return null;
  const ev = span.events.find((e) => e.name === VERCEL_AI_EXTRA.STREAM_FIRST_CHUNK_EVENT);
  if (ev === undefined) return null;
  return ttftMsKeys(ev.attributes) ?? Number(ev.timeUnixNano - span.startTimeUnixNano) / 1e6;
}

function isVercelStream(span: SpanRecord): boolean {
  const op = String(span.attributes[VERCEL_AI.OPERATION_ID] ?? '');
  return op.startsWith('ai.streamText') || op.startsWith('ai.streamObject');
}

/**
 * Mean and p95 inter-token latency in ms when our finops.stream.* (ms, read by setLatency) is
 * absent: the AI SDK v7 span attribute gen_ai.client.operation.time_per_output_chunk (s; a
 * number, or the per-chunk list from which we compute both), then OpenLIT's
 * gen_ai.server.time_per_output_token (s).
 */
function otherItl(a: Attributes): { mean: number | null; p95: number | null } {
  const chunks = secondsList(a[GEN_AI.CLIENT_TIME_PER_OUTPUT_CHUNK]);
  if (chunks.length > 1)
    return { mean: average(chunks) * 1000, p95: percentile(chunks, 0.95) * 1000 };
  const single = chunks[0] ?? num(a, OPENLIT.SERVER_TPOT);
  return { mean: single === undefined || single === null ? null : single * 1000, p95: null };
}

function secondsList(v: AttrValue | undefined): number[] {
  const parsed = jsonValue(v);
  const items = Array.isArray(parsed) ? parsed : [parsed];
  return items
    .map((x) => (typeof x === 'string' && x.trim() !== '' ? Number(x) : x))
    .filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
}

function average(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Nearest-rank percentile: a value that was actually observed. */
function percentile(xs: number[], q: number): number {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}
