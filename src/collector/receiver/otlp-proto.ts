// OTLP/HTTP protobuf codec for traces. Requests are decoded by a schema-specialised reader
// (otlp-proto-read.ts); responses, statuses and test requests are encoded with protobufjs from
// the OTLP trace, common and resource protos (field numbers from opentelemetry-proto v1),
// written as a JSON descriptor so no .proto file has to be located at run time.
import protobuf from 'protobufjs';
import type { Admission } from './admission.js';
import type { DecodedBatch } from './decoded.js';
import { readTraceRequest } from './otlp-proto-read.js';

const f = (type: string, id: number, rule?: 'repeated') =>
  rule ? { type, id, rule } : { type, id };

const descriptor = {
  nested: {
    otlp: {
      nested: {
        AnyValue: {
          // The oneof gives each member presence, so `boolValue: false` is written, not dropped.
          oneofs: {
            value: {
              oneof: [
                'stringValue',
                'boolValue',
                'intValue',
                'doubleValue',
                'arrayValue',
                'kvlistValue',
                'bytesValue',
              ],
            },
          },
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

/**
 * Decode an ExportTraceServiceRequest; throws DecodeError when the bytes are not one. With
 * `admission`, spans it refuses are rejected like malformed ones. Decoding is the
 * schema-specialised reader (otlp-proto-read.ts); the descriptor above serves encoding.
 */
export function decodeProtoRequest(body: Uint8Array, admission?: Admission): DecodedBatch {
  return readTraceRequest(body, admission);
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
