// The decoded-size budget, checked BEFORE a body is decoded. Decoding is what costs memory: a
// 3.5 MiB gzip inflating to 58 MiB of JSON with 1.4M attributes becomes ~200 MiB of objects
// while it is parsed, whatever the wire size was. So a scan that allocates nothing counts what
// decoding would build (every JSON object or array, every protobuf message: each becomes one
// object) and the deepest nesting of attribute values, and refuses the request first:
// 413 above the byte budget, 400 when values nest past what any decoder should recurse into.
// No library: a streaming JSON parser would build the very objects this scan avoids; the
// protobuf walk uses protobufjs's own Reader.
import protobuf from 'protobufjs';
import { DecodeError, PayloadTooLargeError } from '../../shared/errors.js';

/** Measured V8 heap per decoded node (JSON.parse object plus our decoded value), rounded. */
export const NODE_COST_BYTES = 64;

export interface BudgetLimits {
  /** Estimated decoded bytes allowed for one request (body plus nodes x NODE_COST_BYTES). */
  maxDecodedBytes: number;
  /** Attribute value nesting (a scalar is 1) past which the body is refused outright (400). */
  maxValueDepth: number;
}

export interface BodyShape {
  nodes: number;
  /** Estimated decoded bytes: what the in-flight byte budget is charged for this request. */
  estimate: number;
}

/** A request whose decoded form would exceed the budget (413), with a message naming the key. */
export class DecodedTooLargeError extends PayloadTooLargeError {
  constructor(limit: number, nodes: number) {
    super(limit);
    this.message = `request would decode to more than ${limit} bytes (collector.max_decoded_bytes): counted before decoding, body bytes plus ${NODE_COST_BYTES} per JSON node or protobuf message${nodes > 0 ? `, ${nodes}+ nodes` : ''}`;
  }
}

/** Count a body's decoded nodes without decoding it; throw 413/400 past the limits. */
export function checkBudget(
  body: Buffer,
  encoding: 'json' | 'protobuf',
  limits: BudgetLimits,
): BodyShape {
  const maxNodes = Math.max(
    0,
    Math.floor((limits.maxDecodedBytes - body.length) / NODE_COST_BYTES),
  );
  if (body.length > limits.maxDecodedBytes)
    throw new DecodedTooLargeError(limits.maxDecodedBytes, 0);
  const nodes =
    encoding === 'json'
      ? scanJson(body, jsonDepthFor(limits.maxValueDepth), maxNodes)
      : scanProto(body, limits.maxValueDepth, maxNodes);
  if (nodes > maxNodes) throw new DecodedTooLargeError(limits.maxDecodedBytes, nodes);
  return { nodes, estimate: body.length + nodes * NODE_COST_BYTES };
}

/**
 * JSON brackets around an attribute value of depth `d`: 13 for the envelope down to an event
 * attribute's value, then at most 4 per level (kvlistValue, values, key-value, value).
 */
function jsonDepthFor(valueDepth: number): number {
  return 16 + 4 * valueDepth;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/** Objects plus arrays outside strings; stops counting once past `maxNodes`. */
function scanJson(body: Buffer, maxDepth: number, maxNodes: number): number {
  let nodes = 0;
  let depth = 0;
  const n = body.length;
  for (let i = 0; i < n; i += 1) {
    const c = body[i];
    if (c === QUOTE) {
      i = closingQuote(body, i + 1);
      if (i < 0) return nodes; // unterminated: JSON.parse reports it
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      nodes += 1;
      depth += 1;
      if (depth > maxDepth)
        throw new DecodeError(
          `body nests deeper than ${maxDepth} JSON levels (attribute values deeper than collector.admission.max_attribute_depth are refused)`,
        );
      if (nodes > maxNodes) return nodes;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth -= 1;
  }
  return nodes;
}

/** Index of the quote closing a string that starts at `from`, or -1. */
function closingQuote(body: Buffer, from: number): number {
  let at = from;
  for (;;) {
    const q = body.indexOf(QUOTE, at);
    if (q < 0) return -1;
    let slashes = 0;
    while (q - slashes - 1 >= from && body[q - slashes - 1] === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return q;
    at = q + 1;
  }
}

/** Message kinds of the OTLP trace protos, as indexes into CHILDREN (numbers: no keyed lookup). */
const K = {
  request: 0,
  resourceSpans: 1,
  resource: 2,
  scopeSpans: 3,
  scope: 4,
  span: 5,
  event: 6,
  link: 7,
  keyValue: 8,
  anyValue: 9,
  arrayValue: 10,
  kvList: 11,
} as const;
type Kind = (typeof K)[keyof typeof K];

/** Field numbers up to this are looked up; every message-typed field is below it. */
const FIELDS = 16;

/**
 * Message-typed fields of the OTLP trace protos: CHILDREN[kind * FIELDS + field number] is the
 * child's kind, -1 for a field that is not a message. Flat, so the walk (run on every request
 * before decoding) reads one array slot per field instead of two property lookups.
 */
const CHILDREN: Int8Array = (() => {
  const table = new Int8Array(12 * FIELDS).fill(-1);
  const set = (kind: Kind, fields: Record<number, Kind>): void => {
    for (const [field, child] of Object.entries(fields))
      table[kind * FIELDS + Number(field)] = child;
  };
  set(K.request, { 1: K.resourceSpans });
  set(K.resourceSpans, { 1: K.resource, 2: K.scopeSpans });
  set(K.resource, { 1: K.keyValue });
  set(K.scopeSpans, { 1: K.scope, 2: K.span });
  set(K.scope, { 3: K.keyValue });
  set(K.span, { 9: K.keyValue, 11: K.event, 13: K.link });
  set(K.event, { 3: K.keyValue });
  set(K.link, { 4: K.keyValue });
  set(K.keyValue, { 2: K.anyValue });
  set(K.anyValue, { 5: K.arrayValue, 6: K.kvList });
  set(K.arrayValue, { 1: K.anyValue });
  set(K.kvList, { 1: K.keyValue });
  return table;
})();

interface ProtoWalk {
  reader: protobuf.Reader;
  nodes: number;
  maxNodes: number;
  maxDepth: number;
}

/** Messages in an ExportTraceServiceRequest; stops counting once past `maxNodes`. */
function scanProto(body: Buffer, maxDepth: number, maxNodes: number): number {
  const walk: ProtoWalk = { reader: protobuf.Reader.create(body), nodes: 0, maxNodes, maxDepth };
  try {
    visit(walk, body.length, K.request, 0);
  } catch (err) {
    if (err instanceof StopWalk) return walk.nodes;
    if (err instanceof DecodeError) throw err;
    throw new DecodeError(
      `body is not a valid OTLP ExportTraceServiceRequest protobuf: ${(err as Error).message}`,
    );
  }
  return walk.nodes;
}

class StopWalk extends Error {}

function visit(walk: ProtoWalk, end: number, kind: Kind, depth: number): void {
  walk.nodes += 1;
  if (walk.nodes > walk.maxNodes) throw new StopWalk();
  const { reader } = walk;
  const row = kind * FIELDS;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const child = field < FIELDS ? (CHILDREN[row + field] as number) : -1;
    if (child < 0 || (tag & 7) !== 2) {
      reader.skipType(tag & 7);
      continue;
    }
    const length = reader.uint32();
    const childEnd = reader.pos + length;
    if (childEnd > end) throw new RangeError('a field runs past its message');
    const childDepth = child === K.anyValue ? depth + 1 : depth;
    if (childDepth > walk.maxDepth) {
      throw new DecodeError(
        `attribute values nest deeper than ${walk.maxDepth} levels (collector.admission.max_attribute_depth)`,
      );
    }
    visit(walk, childEnd, child as Kind, childDepth);
    reader.pos = childEnd;
  }
}
