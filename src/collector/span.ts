// The collector's in-memory span, decoded from OTLP protobuf or JSON. Both decoders produce
// this one shape so the processors never see wire formats.

/** An OTLP AnyValue, decoded. 64-bit integers become numbers when they are safe, else strings. */
export type AttrValue =
  string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

export type Attributes = Record<string, AttrValue>;

/** OTLP SpanKind enum values. */
export const SPAN_KIND = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
/** OTLP Status.code enum values. */
export const STATUS_CODE = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export interface SpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface SpanRecord {
  /** Lowercase hex, 32 chars. */
  traceId: string;
  /** Lowercase hex, 16 chars. */
  spanId: string;
  /** Lowercase hex, '' for a root span. */
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  /** Resource attributes of the ResourceSpans this span came in. */
  resource: Attributes;
  scopeName: string;
  scopeVersion: string;
  statusCode: number;
  statusMessage: string;
  events: SpanEvent[];
  /** Set by admission when it changed the span (e.g. a truncated string); copied to the row. */
  warnings?: string[];
}

/** Where a span sat in its request, so a rejection can name it. */
export interface SpanLocator {
  resourceIndex: number;
  scopeIndex: number;
  spanIndex: number;
}
