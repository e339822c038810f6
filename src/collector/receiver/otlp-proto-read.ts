// A schema-specialised reader for ExportTraceServiceRequest: walks the wire format once and
// builds the collector's SpanRecords directly, with no intermediate message objects, no Long
// objects and no second pass converting them (that path cost more than normalization did).
// protobufjs's Reader supplies the wire primitives (varints, lengths, skipping unknown fields).
// Attribute values (KeyValue, AnyValue) are read by otlp-proto-values.ts.
import protobuf from 'protobufjs';
import { DecodeError } from '../../shared/errors.js';
import type { Attributes, SpanEvent, SpanRecord } from '../span.js';
import type { Admission } from './admission.js';
import { makeSpanRecord, type DecodedBatch } from './decoded.js';
import {
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
  checkEnd,
  end,
  readFixed64,
  readHex,
  readString,
  skip,
  type Reader,
} from './otlp-proto-wire.js';
import { readKeyValue, readSpanKeyValue } from './otlp-proto-values.js';
import { beginSpanAttributes, finishSpanAttributes } from './attribute-shapes.js';

/**
 * Decode an ExportTraceServiceRequest into spans; throws DecodeError when the bytes are not
 * one. With `admission`, spans it refuses are rejected like malformed ones.
 */
export function readTraceRequest(body: Uint8Array, admission?: Admission): DecodedBatch {
  const buffer = Buffer.isBuffer(body)
    ? body
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const reader = protobuf.Reader.create(buffer);
  const batch: DecodedBatch = { spans: [], rejected: [] };
  try {
    let resourceIndex = 0;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === ((1 << 3) | WIRE_LEN)) {
        readResourceSpans(reader, end(reader), resourceIndex, batch, admission);
        resourceIndex += 1;
      } else skip(reader, tag);
    }
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    throw new DecodeError(
      `body is not a valid OTLP ExportTraceServiceRequest protobuf: ${(err as Error).message}`,
    );
  }
  return batch;
}

/** Spans of one ScopeSpans, completed once the whole message is read (fields come in any order). */
interface ScopeGroup {
  name: string;
  version: string;
  spans: SpanRecord[];
}

function readResourceSpans(
  reader: Reader,
  limit: number,
  resourceIndex: number,
  batch: DecodedBatch,
  admission: Admission | undefined,
): void {
  // One attributes object shared by the resource's spans (admission checks it once).
  const resource: Attributes = {};
  const scopes: ScopeGroup[] = [];
  while (reader.pos < limit) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) readResource(reader, end(reader), resource);
    else if (tag === ((2 << 3) | WIRE_LEN))
      scopes.push(readScopeSpans(reader, end(reader), resource));
    else skip(reader, tag);
  }
  checkEnd(reader, limit);
  scopes.forEach((scope, scopeIndex) => {
    scope.spans.forEach((span, spanIndex) => {
      span.scopeName = scope.name;
      span.scopeVersion = scope.version;
      const result = makeSpanRecord(span, { resourceIndex, scopeIndex, spanIndex }, admission);
      if ('reason' in result) batch.rejected.push(result);
      else batch.spans.push(result);
    });
  });
}

function readResource(reader: Reader, limit: number, into: Attributes): void {
  while (reader.pos < limit) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) readKeyValue(reader, end(reader), into, 0);
    else skip(reader, tag);
  }
  checkEnd(reader, limit);
}

function readScopeSpans(reader: Reader, limit: number, resource: Attributes): ScopeGroup {
  const group: ScopeGroup = { name: '', version: '', spans: [] };
  while (reader.pos < limit) {
    const tag = reader.uint32();
    if (tag === ((2 << 3) | WIRE_LEN)) group.spans.push(readSpan(reader, end(reader), resource));
    else if (tag === ((1 << 3) | WIRE_LEN)) readScope(reader, end(reader), group);
    else skip(reader, tag);
  }
  checkEnd(reader, limit);
  return group;
}

function readScope(reader: Reader, limit: number, group: ScopeGroup): void {
  while (reader.pos < limit) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) group.name = readString(reader);
    else if (tag === ((2 << 3) | WIRE_LEN)) group.version = readString(reader);
    else skip(reader, tag);
  }
  checkEnd(reader, limit);
}

function readSpan(reader: Reader, limit: number, resource: Attributes): SpanRecord {
  beginSpanAttributes();
  const span: SpanRecord = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: EMPTY,
    resource,
    scopeName: '',
    scopeVersion: '',
    statusCode: 0,
    statusMessage: '',
    events: [],
  };
  while (reader.pos < limit) {
    const tag = reader.uint32();
    switch (tag) {
      case (1 << 3) | WIRE_LEN:
        span.traceId = readHex(reader);
        break;
      case (2 << 3) | WIRE_LEN:
        span.spanId = readHex(reader);
        break;
      case (4 << 3) | WIRE_LEN:
        span.parentSpanId = readHex(reader);
        break;
      case (5 << 3) | WIRE_LEN:
        span.name = readString(reader);
        break;
      case (6 << 3) | WIRE_VARINT:
        span.kind = reader.int32();
        break;
      case (7 << 3) | WIRE_FIXED64:
        span.startTimeUnixNano = readFixed64(reader);
        break;
      case (8 << 3) | WIRE_FIXED64:
        span.endTimeUnixNano = readFixed64(reader);
        break;
      case (9 << 3) | WIRE_LEN:
        readSpanKeyValue(reader, end(reader));
        break;
      case (11 << 3) | WIRE_LEN:
        span.events.push(readEvent(reader, end(reader)));
        break;
      case (15 << 3) | WIRE_LEN:
        readStatus(reader, end(reader), span);
        break;
      default:
        skip(reader, tag);
    }
  }
  checkEnd(reader, limit);
  span.attributes = finishSpanAttributes();
  return span;
}

/** Placeholder until the span's attributes are built (never handed out). */
const EMPTY: Attributes = Object.freeze({});

function readEvent(reader: Reader, limit: number): SpanEvent {
  const event: SpanEvent = { name: '', timeUnixNano: 0n, attributes: {} };
  while (reader.pos < limit) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | WIRE_FIXED64)) event.timeUnixNano = readFixed64(reader);
    else if (tag === ((2 << 3) | WIRE_LEN)) event.name = readString(reader);
    else if (tag === ((3 << 3) | WIRE_LEN)) readKeyValue(reader, end(reader), event.attributes, 0);
    else skip(reader, tag);
  }
  checkEnd(reader, limit);
  return event;
}

function readStatus(reader: Reader, limit: number, span: SpanRecord): void {
  while (reader.pos < limit) {
    const tag = reader.uint32();
    if (tag === ((2 << 3) | WIRE_LEN)) span.statusMessage = readString(reader);
    else if (tag === ((3 << 3) | WIRE_VARINT)) span.statusCode = reader.int32();
    else skip(reader, tag);
  }
  checkEnd(reader, limit);
}
