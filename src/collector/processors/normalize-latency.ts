// Streaming latency: time to first chunk/token and inter-token latency, always in milliseconds.
// Units differ per source and are the main trap: semconv and OpenLIT write seconds, the AI SDK
// legacy spans write milliseconds, our wrapper writes milliseconds for ITL.
import type { LlmCall } from '../call.js';
import type { AttrValue, SpanRecord } from '../span.js';
import {
  FINOPS,
  GEN_AI,
  OPENLIT,
  OPENLIT_EXTRA,
  OPENLLMETRY_EXTRA,
  VERCEL_AI,
  VERCEL_AI_EXTRA,
} from '../../shared/semconv.js';
import { bool, jsonValue, num } from './normalize-attrs.js';

type LatencyFields = Pick<LlmCall, 'ttft_ms' | 'itl_ms' | 'itl_p95_ms' | 'streaming'>;

/** Seconds-valued TTFT keys, in precedence order. Only the first two imply a stream. */
const TTFT_SECONDS_STREAM = [
  GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK,
  GEN_AI.CLIENT_TIME_TO_FIRST_CHUNK,
];
const TTFT_MS_STREAM = [VERCEL_AI.RESPONSE_MS_TO_FIRST_CHUNK, VERCEL_AI.STREAM_MS_TO_FIRST_CHUNK];

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

export function latencyFields(span: SpanRecord, warnings: string[]): LatencyFields {
  const a = span.attributes;
  const streamTtft = ttftFromStream(span);
  // OpenLIT measures its TTFT on non-streaming calls too (then it equals the duration).
  const openlitTtft = num(a, OPENLIT.SERVER_TTFT);
  const ttft = streamTtft ?? (openlitTtft === null ? null : openlitTtft * 1000);
  const itl = interTokenLatency(span);
  const explicit = bool(
    a,
    GEN_AI.REQUEST_STREAM,
    OPENLIT_EXTRA.REQUEST_IS_STREAM,
    OPENLLMETRY_EXTRA.IS_STREAMING,
  );
  return {
    ttft_ms: checked(ttft, 'ttft', warnings),
    itl_ms: checked(itl.mean, 'itl', warnings),
    itl_p95_ms: checked(itl.p95, 'itl_p95', warnings),
    streaming: explicit ?? (streamTtft !== null || isVercelStream(span)),
  };
}

/** TTFT in ms from attributes only streams carry, or from the AI SDK firstChunk event. */
function ttftFromStream(span: SpanRecord): number | null {
  const s = num(span.attributes, ...TTFT_SECONDS_STREAM);
  if (s !== null) return s * 1000;
  const m = num(span.attributes, ...TTFT_MS_STREAM);
  if (m !== null) return m;
  const ev = span.events.find((e) => e.name === VERCEL_AI_EXTRA.STREAM_FIRST_CHUNK_EVENT);
  if (ev === undefined) return null;
  return (
    num(ev.attributes, ...TTFT_MS_STREAM) ?? Number(ev.timeUnixNano - span.startTimeUnixNano) / 1e6
  );
}

function isVercelStream(span: SpanRecord): boolean {
  const op = String(span.attributes[VERCEL_AI.OPERATION_ID] ?? '');
  return op.startsWith('ai.streamText') || op.startsWith('ai.streamObject');
}

/**
 * Mean and p95 inter-token latency in ms: our finops.stream.* (ms) first, then the AI SDK v7
 * span attribute gen_ai.client.operation.time_per_output_chunk (s; a number, or the per-chunk
 * list from which we compute both), then OpenLIT's gen_ai.server.time_per_output_token (s).
 */
function interTokenLatency(span: SpanRecord): { mean: number | null; p95: number | null } {
  const a = span.attributes;
  const mean = num(a, FINOPS.STREAM_ITL_MS);
  if (mean !== null) return { mean, p95: num(a, FINOPS.STREAM_ITL_P95_MS) };
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
