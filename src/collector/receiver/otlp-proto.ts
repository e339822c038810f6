// OTLP/HTTP protobuf codec for traces, on protobufjs. The message definitions are the OTLP
// trace, common and resource protos (field numbers from opentelemetry-proto v1), written as a
// protobufjs JSON descriptor so no .proto file has to be located at run time.
import protobuf from 'protobufjs';
import type Long from 'long';
import { DecodeError } from '../../shared/errors.js';
import { noteWireType, type AttrValue, type Attributes, type WireType } from '../span.js';
import type { Admission } from './admission.js';
import { makeSpanRecord, type DecodedBatch } from './decoded.js';

const f = (type: string, id: number, rule?: 'repeated') =>
  rule ? { type, id, rule } : { type, id };

const descriptor = {
  nested: {
    otlp: {
      nested: {
        AnyValue: {
          fields: {
            stringValue: f('string', 1),
            boolValue: f('bool', 2),
            intValue: f('int64', 3),
            doubleValue: f('double', 4),
            arrayValue: f('ArrayValue', 5),
            kvlistValue: f('KeyValueList', 6),
            bytesValue: f('bytes', 7),
          },
        },
        ArrayValue: { fields: { values: f('AnyValue', 1, 'repeated') } },
        KeyValueList: { fields: { values: f('KeyValue', 1, 'repeated') } },
        KeyValue: { fields: { key: f('string', 1), value: f('AnyValue', 2) } },
        InstrumentationScope: {
          fields: {
            name: f('string', 1),
            version: f('string', 2),
            attributes: f('KeyValue', 3, 'repeated'),
            droppedAttributesCount: f('uint32', 4),
          },
        },
        Resource: {
          fields: {
            attributes: f('KeyValue', 1, 'repeated'),
            droppedAttributesCount: f('uint32', 2),
          },
        },
        Status: { fields: { message: f('string', 2), code: f('int32', 3) } },
        Event: {
          fields: {
            timeUnixNano: f('fixed64', 1),
            name: f('string', 2),
            attributes: f('KeyValue', 3, 'repeated'),
            droppedAttributesCount: f('uint32', 4),
          },
        },
        Link: {
          fields: {
            traceId: f('bytes', 1),
            spanId: f('bytes', 2),
            traceState: f('string', 3),
            attributes: f('KeyValue', 4, 'repeated'),
          },
        },
        Span: {
          fields: {
            traceId: f('bytes', 1),
            spanId: f('bytes', 2),
            traceState: f('string', 3),
            parentSpanId: f('bytes', 4),
            flags: f('fixed32', 16),
            name: f('string', 5),
            kind: f('int32', 6),
            startTimeUnixNano: f('fixed64', 7),
            endTimeUnixNano: f('fixed64', 8),
            attributes: f('KeyValue', 9, 'repeated'),
            droppedAttributesCount: f('uint32', 10),
            events: f('Event', 11, 'repeated'),
            droppedEventsCount: f('uint32', 12),
            links: f('Link', 13, 'repeated'),
            droppedLinksCount: f('uint32', 14),
            status: f('Status', 15),
          },
        },
        ScopeSpans: {
          fields: {
            scope: f('InstrumentationScope', 1),
            spans: f('Span', 2, 'repeated'),
            schemaUrl: f('string', 3),
          },
        },
        ResourceSpans: {
          fields: {
            resource: f('Resource', 1),
            scopeSpans: f('ScopeSpans', 2, 'repeated'),
            schemaUrl: f('string', 3),
          },
        },
        ExportTraceServiceRequest: { fields: { resourceSpans: f('ResourceSpans', 1, 'repeated') } },
        ExportTracePartialSuccess: {
          fields: { rejectedSpans: f('int64', 1), errorMessage: f('string', 2) },
        },
        ExportTraceServiceResponse: {
          fields: { partialSuccess: f('ExportTracePartialSuccess', 1) },
        },
        /** google.rpc.Status, the body of OTLP/HTTP error responses. */
        RpcStatus: { fields: { code: f('int32', 1), message: f('string', 2) } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
const RequestType = root.lookupType('otlp.ExportTraceServiceRequest');
const ResponseType = root.lookupType('otlp.ExportTraceServiceResponse');
const RpcStatusType = root.lookupType('otlp.RpcStatus');

type LongLike = Long | number;
interface PbAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: LongLike;
  doubleValue?: number;
  arrayValue?: { values?: PbAnyValue[] };
  kvlistValue?: { values?: PbKeyValue[] };
  bytesValue?: Uint8Array;
}
interface PbKeyValue {
  key?: string;
  value?: PbAnyValue;
}
interface PbSpan {
  traceId?: Uint8Array;
  spanId?: Uint8Array;
  parentSpanId?: Uint8Array;
  name?: string;
  kind?: number;
  startTimeUnixNano?: LongLike;
  endTimeUnixNano?: LongLike;
  attributes?: PbKeyValue[];
  events?: { timeUnixNano?: LongLike; name?: string; attributes?: PbKeyValue[] }[];
  status?: { message?: string; code?: number };
}
interface PbRequest {
  resourceSpans?: {
    resource?: { attributes?: PbKeyValue[] };
    scopeSpans?: { scope?: { name?: string; version?: string }; spans?: PbSpan[] }[];
  }[];
}

/**
 * Decode an ExportTraceServiceRequest; throws DecodeError when the bytes are not one. With
 * `admission`, spans it refuses are rejected like malformed ones.
 */
export function decodeProtoRequest(body: Uint8Array, admission?: Admission): DecodedBatch {
  let message: PbRequest;
  try {
    message = RequestType.decode(body) as unknown as PbRequest;
  } catch (err) {
    throw new DecodeError(
      `body is not a valid OTLP ExportTraceServiceRequest protobuf: ${(err as Error).message}`,
    );
  }
  const batch: DecodedBatch = { spans: [], rejected: [] };
  (message.resourceSpans ?? []).forEach((rs, resourceIndex) => {
    const resource = toAttributes(rs.resource?.attributes);
    (rs.scopeSpans ?? []).forEach((ss, scopeIndex) => {
      (ss.spans ?? []).forEach((span, spanIndex) => {
        const result = makeSpanRecord(
          {
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            name: span.name ?? '',
            kind: span.kind ?? 0,
            startTimeUnixNano: toBigInt(span.startTimeUnixNano),
            endTimeUnixNano: toBigInt(span.endTimeUnixNano),
            attributes: toAttributes(span.attributes),
            resource,
            scopeName: ss.scope?.name ?? '',
            scopeVersion: ss.scope?.version ?? '',
            statusCode: span.status?.code ?? 0,
            statusMessage: span.status?.message ?? '',
            events: (span.events ?? []).map((e) => ({
              name: e.name ?? '',
              timeUnixNano: toBigInt(e.timeUnixNano),
              attributes: toAttributes(e.attributes),
            })),
          },
          { resourceIndex, scopeIndex, spanIndex },
          admission,
        );
        if ('reason' in result) batch.rejected.push(result);
        else batch.spans.push(result);
      });
    });
  });
  return batch;
}

export function encodeProtoResponse(rejectedSpans: number, errorMessage: string): Uint8Array {
  const payload =
    rejectedSpans > 0 || errorMessage !== ''
      ? { partialSuccess: { rejectedSpans, errorMessage } }
      : {};
  return ResponseType.encode(ResponseType.fromObject(payload)).finish();
}

export function encodeProtoStatus(code: number, message: string): Uint8Array {
  return RpcStatusType.encode(RpcStatusType.fromObject({ code, message })).finish();
}

/** Read an ExportTraceServiceResponse (what an OTLP client sees after a 200). */
export function decodeProtoResponse(body: Uint8Array): {
  rejectedSpans: number;
  errorMessage: string;
} {
  const message = ResponseType.toObject(ResponseType.decode(body), { longs: Number }) as {
    partialSuccess?: { rejectedSpans?: number; errorMessage?: string };
  };
  return {
    rejectedSpans: message.partialSuccess?.rejectedSpans ?? 0,
    errorMessage: message.partialSuccess?.errorMessage ?? '',
  };
}

/** Read a google.rpc.Status error body. */
export function decodeProtoStatus(body: Uint8Array): { code: number; message: string } {
  const status = RpcStatusType.toObject(RpcStatusType.decode(body)) as {
    code?: number;
    message?: string;
  };
  return { code: status.code ?? 0, message: status.message ?? '' };
}

/** Encode spans (already in OTLP JSON-mapping object form) as an ExportTraceServiceRequest. */
export function encodeProtoRequest(request: object): Uint8Array {
  return RequestType.encode(RequestType.fromObject(request)).finish();
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes === undefined || bytes.length === 0
    ? ''
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function toBigInt(value: LongLike | undefined): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

function toAttributes(list: PbKeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  for (const kv of list ?? []) {
    if (kv.key === undefined || kv.key === '') continue;
    out[kv.key] = toValue(kv.value);
    noteWireType(out, kv.key, wireTypeOf(kv.value));
  }
  return out;
}

const hasOwn = (value: PbAnyValue, key: keyof PbAnyValue): boolean =>
  Object.prototype.hasOwnProperty.call(value, key);

function toValue(value: PbAnyValue | undefined): AttrValue {
  if (value === undefined || value === null) return null;
  // AnyValue's members are declared without their oneof: protobufjs's oneof bookkeeping
  // (Object.keys scans and `delete`) cost more than the rest of decoding. A decoded message
  // has own properties only for fields on the wire; unset ones are prototype defaults.
  if (hasOwn(value, 'stringValue')) return value.stringValue ?? '';
  if (hasOwn(value, 'intValue')) return intToValue(value.intValue ?? 0);
  if (hasOwn(value, 'doubleValue')) return value.doubleValue ?? 0;
  if (hasOwn(value, 'boolValue')) return value.boolValue ?? false;
  if (hasOwn(value, 'arrayValue')) {
    const values = value.arrayValue?.values ?? [];
    const out = values.map(toValue);
    values.forEach((v, i) => noteWireType(out, i, wireTypeOf(v)));
    return out;
  }
  if (hasOwn(value, 'kvlistValue')) return toAttributes(value.kvlistValue?.values);
  if (hasOwn(value, 'bytesValue'))
    return Buffer.from(value.bytesValue ?? new Uint8Array()).toString('base64');
  return null;
}

/** What toValue's result cannot show of the wire type (for the forwarder). */
function wireTypeOf(value: PbAnyValue | undefined): WireType | undefined {
  if (value === undefined || value === null) return undefined;
  if (hasOwn(value, 'doubleValue'))
    return Number.isInteger(value.doubleValue) ? 'double' : undefined;
  if (hasOwn(value, 'intValue'))
    return typeof intToValue(value.intValue ?? 0) === 'string' ? 'int' : undefined;
  return hasOwn(value, 'bytesValue') ? 'bytes' : undefined;
}

/** int64 attribute values become numbers when exact, else decimal strings (never rounded). */
function intToValue(value: LongLike): number | string {
  if (typeof value === 'number') return value;
  // Signed 64-bit from its halves; exact whenever |value| < 2^53 (token counts always are).
  if (value.high >= -0x200000 && value.high < 0x200000)
    return value.high * 0x100000000 + (value.low >>> 0);
  return value.toString();
}
