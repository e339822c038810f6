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

/**
 * OTLP value types a decoded value cannot show by itself: a double with an integral value (JS
 * reads 1.0 as 1), an int64 beyond 2^53 (kept as its decimal string), bytes (kept as base64).
 * The decoders note them on the container (an attributes object or an array) so the forwarder
 * re-encodes each value with the type it arrived with.
 */
export type WireType = 'double' | 'int' | 'bytes';

const WIRE_TYPES = Symbol('llm-finops.otlp-wire-types');

type Container = Attributes | AttrValue[];
type Noted = Container & { [WIRE_TYPES]?: Map<string | number, WireType> };

/**
 * `into[key] = value` for a key a client chose. `__proto__` is defined as an own property: a plain
 * assignment would instead replace the object's prototype with a client's kvlist, whose keys
 * every later lookup on the attributes would then inherit.
 */
export function setAttribute(into: Attributes, key: string, value: AttrValue): void {
  if (key === '__proto__')
    Object.defineProperty(into, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else into[key] = value;
}

/** Remember that `container[key]` arrived as `type` (no-op for undefined). */
export function noteWireType(
  container: Container,
  key: string | number,
  type: WireType | undefined,
): void {
  if (type === undefined) return;
  const noted = container as Noted;
  let types = noted[WIRE_TYPES];
  if (types === undefined) {
    types = new Map();
    // Not enumerable: invisible to Object.entries, spreads, JSON and deep equality.
    Object.defineProperty(noted, WIRE_TYPES, { value: types });
  }
  types.set(key, type);
}

/** The wire type noted for `container[key]`, if it needs one. */
export function wireType(container: Container, key: string | number): WireType | undefined {
  return (container as Noted)[WIRE_TYPES]?.get(key);
}
