// OTLP/HTTP JSON decoder for traces, per the OTLP JSON mapping: hex ids (case-insensitive),
// integer enums, 64-bit integers as decimal strings or numbers, lowerCamelCase keys, unknown
// fields ignored. A malformed span is rejected on its own; only an unreadable body is a 400.
import { DecodeError } from '../../shared/errors.js';
import {
  noteWireType,
  setAttribute,
  type AttrValue,
  type Attributes,
  type SpanEvent,
  type SpanRecord,
  type WireType,
} from '../span.js';
import type { Admission } from './admission.js';
import { makeSpanRecord, type DecodedBatch, type RejectedSpan } from './decoded.js';

type Json = unknown;
type JsonObject = Record<string, Json>;

const KIND_NAMES: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_NAMES: Record<string, number> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

class SpanFieldError extends Error {}

/** Decode a request; with `admission`, spans it refuses are rejected like malformed ones. */
export function decodeJsonRequest(body: Uint8Array | string, admission?: Admission): DecodedBatch {
  let parsed: Json;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new DecodeError(`body is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed))
    throw new DecodeError('body must be a JSON object (ExportTraceServiceRequest)');
  const resourceSpans = optionalArray(parsed.resourceSpans, 'resourceSpans');
  const batch: DecodedBatch = { spans: [], rejected: [] };
  resourceSpans.forEach((rs, resourceIndex) => {
    if (!isObject(rs)) throw new DecodeError(`resourceSpans[${resourceIndex}] must be an object`);
    const resource = isObject(rs.resource) ? toAttributes(rs.resource.attributes) : {};
    optionalArray(rs.scopeSpans, `resourceSpans[${resourceIndex}].scopeSpans`).forEach(
      (ss, scopeIndex) => {
        if (!isObject(ss))
          throw new DecodeError(
            `resourceSpans[${resourceIndex}].scopeSpans[${scopeIndex}] must be an object`,
          );
        const scope = isObject(ss.scope) ? ss.scope : {};
        const path = `resourceSpans[${resourceIndex}].scopeSpans[${scopeIndex}].spans`;
        optionalArray(ss.spans, path).forEach((raw, spanIndex) => {
          const locator = { resourceIndex, scopeIndex, spanIndex };
          const scopeName = str(scope.name);
          const result = decodeSpan(
            raw,
            resource,
            scopeName,
            str(scope.version),
            locator,
            admission,
          );
          if ('reason' in result) batch.rejected.push(result);
          else batch.spans.push(result);
        });
      },
    );
  });
  return batch;
}

function decodeSpan(
  raw: Json,
  resource: Attributes,
  scopeName: string,
  scopeVersion: string,
  locator: RejectedSpan['locator'],
  admission: Admission | undefined,
): SpanRecord | RejectedSpan {
  const where = `span ${locator.resourceIndex}/${locator.scopeIndex}/${locator.spanIndex}`;
  if (!isObject(raw)) return { locator, spanId: '', reason: `${where}: must be an object` };
  try {
    const status = isObject(raw.status) ? raw.status : {};
    const record: SpanRecord = {
      traceId: hexId(raw.traceId),
      spanId: hexId(raw.spanId),
      parentSpanId: hexId(raw.parentSpanId),
      name: str(raw.name),
      kind: enumValue(raw.kind, KIND_NAMES, 'kind'),
      startTimeUnixNano: nanos(raw.startTimeUnixNano, 'startTimeUnixNano'),
      endTimeUnixNano: nanos(raw.endTimeUnixNano, 'endTimeUnixNano'),
      attributes: toAttributes(raw.attributes),
      resource,
      scopeName,
      scopeVersion,
      statusCode: enumValue(status.code, STATUS_NAMES, 'status.code'),
      statusMessage: str(status.message),
      events: optionalArray(raw.events, 'events').map(toEvent),
    };
    return makeSpanRecord(record, locator, admission);
  } catch (err) {
    if (err instanceof SpanFieldError || err instanceof DecodeError) {
      return {
        locator,
        spanId: typeof raw.spanId === 'string' ? raw.spanId : '',
        reason: `${where}: ${err.message}`,
      };
    }
    throw err;
  }
}

function toEvent(raw: Json): SpanEvent {
  if (!isObject(raw)) throw new SpanFieldError('events[] must be objects');
  return {
    name: str(raw.name),
    timeUnixNano: nanos(raw.timeUnixNano, 'events[].timeUnixNano'),
    attributes: toAttributes(raw.attributes),
  };
}

function toAttributes(raw: Json): Attributes {
  const out: Attributes = {};
  if (!Array.isArray(raw)) return out;
  for (const kv of raw) {
    if (isObject(kv) && typeof kv.key === 'string' && kv.key !== '') {
      setAttribute(out, kv.key, toValue(kv.value));
      noteWireType(out, kv.key, wireTypeOf(kv.value));
    }
  }
  return out;
}

function toValue(raw: Json): AttrValue {
  if (!isObject(raw)) return null;
  if (typeof raw.stringValue === 'string') return raw.stringValue;
  if (typeof raw.boolValue === 'boolean') return raw.boolValue;
  if (raw.intValue !== undefined) return intValue(raw.intValue);
  if (raw.doubleValue !== undefined) return doubleValue(raw.doubleValue);
  if (isObject(raw.arrayValue)) {
    const values = Array.isArray(raw.arrayValue.values) ? raw.arrayValue.values : [];
    const out = values.map(toValue);
    values.forEach((v, i) => noteWireType(out, i, wireTypeOf(v)));
    return out;
  }
  if (isObject(raw.kvlistValue)) return toAttributes(raw.kvlistValue.values);
  if (typeof raw.bytesValue === 'string') return raw.bytesValue;
  return null;
}

/** What toValue's result cannot show of the wire type (for the forwarder). */
function wireTypeOf(raw: Json): WireType | undefined {
  if (!isObject(raw) || typeof raw.stringValue === 'string' || typeof raw.boolValue === 'boolean')
    return undefined;
  if (raw.intValue !== undefined)
    // Beyond 2^53 the value is kept as its decimal string; a malformed one is no int at all.
    return typeof raw.intValue === 'string' &&
      /^-?\d+$/.test(raw.intValue) &&
      typeof intValue(raw.intValue) === 'string'
      ? 'int'
      : undefined;
  if (raw.doubleValue !== undefined) {
    const v = doubleValue(raw.doubleValue);
    return typeof v === 'number' && Number.isInteger(v) ? 'double' : undefined;
  }
  return isObject(raw.arrayValue) || isObject(raw.kvlistValue) || typeof raw.bytesValue !== 'string'
    ? undefined
    : 'bytes';
}

/** int64 in JSON: a decimal string or a number; numbers when exact, else the string itself. */
function intValue(raw: Json): AttrValue {
  if (typeof raw === 'number') return Number.isInteger(raw) ? raw : null;
  if (typeof raw === 'string' && /^-?\d+$/.test(raw)) {
    const n = Number(raw);
    return Number.isSafeInteger(n) ? n : raw;
  }
  // Keep what was sent so the normalizer can reject it with the attribute's name.
  return typeof raw === 'string' ? raw : null;
}

/** proto3 JSON doubles may be numbers or the strings "NaN", "Infinity", "-Infinity". */
function doubleValue(raw: Json): AttrValue {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    const n = Number(raw);
    return raw.trim() !== '' && !Number.isNaN(n) ? n : raw === 'NaN' ? Number.NaN : raw;
  }
  return null;
}

function hexId(raw: Json): string {
  if (raw === undefined || raw === null || raw === '') return '';
  if (typeof raw !== 'string') throw new SpanFieldError('ids must be hex strings');
  return raw.toLowerCase();
}

function nanos(raw: Json, field: string): bigint {
  if (raw === undefined || raw === null) return 0n;
  if (typeof raw === 'number' && Number.isFinite(raw) && raw >= 0) return BigInt(Math.trunc(raw));
  if (typeof raw === 'string' && /^\d{1,20}$/.test(raw)) return BigInt(raw);
  throw new SpanFieldError(
    `${field} must be an unsigned 64-bit integer (number or decimal string)`,
  );
}

function enumValue(raw: Json, names: Record<string, number>, field: string): number {
  if (raw === undefined || raw === null) return 0;
  if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
  if (typeof raw === 'string' && raw in names) return names[raw] ?? 0;
  throw new SpanFieldError(`${field} must be an integer enum value`);
}

function optionalArray(raw: Json, field: string): Json[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new DecodeError(`${field} must be an array`);
  return raw;
}

function isObject(value: Json): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: Json): string {
  return typeof value === 'string' ? value : '';
}
