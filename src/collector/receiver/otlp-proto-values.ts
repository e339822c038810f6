// Attribute values of the OTLP protobuf reader: KeyValue and AnyValue (with arrays and kvlists).
//
// AnyValue is read by field presence: the member whose tag is on the wire decides the kind,
// so `bool_value: false`, `int_value: 0`, `double_value: 0` and `string_value: ""` (explicitly
// present oneof members, which every OTLP exporter writes) decode as themselves. protobufjs's
// reflection decoder dropped them (it treats the members as proto3 scalars without presence).
// When two members are on the wire the last one wins, as protobuf's oneof rule says.
import { DecodeError } from '../../shared/errors.js';
import { noteWireType, setAttribute, type AttrValue, type Attributes } from '../span.js';
import { collectAttribute, predictedKey } from './attribute-shapes.js';
import {
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
  checkEnd,
  end,
  readInt64,
  readString,
  readStringAs,
  skip,
  type Reader,
} from './otlp-proto-wire.js';

/** Nesting of kvlist/array values the reader follows (the budget scan stops far earlier). */
const MAX_VALUE_DEPTH = 100;

/** One KeyValue into `into` (a key that is missing or empty is dropped, as before). */
export function readKeyValue(reader: Reader, limit: number, into: Attributes, depth: number): void {
  const { key, value, wire } = readPair(reader, limit, depth);
  if (key === '') return;
  setAttribute(into, key, value);
  noteWireType(into, key, wire);
}

/** One KeyValue of a span's own attributes, collected for its shape (attribute-shapes.ts). */
export function readSpanKeyValue(reader: Reader, limit: number): void {
  const { key, value, wire } = readPair(reader, limit, 0, predictedKey());
  if (key !== '') collectAttribute(key, value, wire);
}

interface Pair {
  key: string;
  value: AttrValue;
  wire: WireNote;
}

// One reused holder: nested pairs (a kvlist value) are read before this one is filled, and the
// caller takes its parts out at once.
const pair: Pair = { key: '', value: null, wire: undefined };

/** A KeyValue's parts; `expected` is the key it likely has (readStringAs). */
function readPair(reader: Reader, limit: number, depth: number, expected?: string): Pair {
  let key = '';
  let value: AttrValue = null;
  let wire: WireNote = undefined;
  while (reader.pos < limit) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | WIRE_LEN))
      key = expected !== undefined ? readStringAs(reader, expected) : readString(reader);
    else if (tag === ((2 << 3) | WIRE_LEN)) {
      const read = readAnyValue(reader, end(reader), depth + 1);
      value = read.value;
      wire = read.wire;
    } else skip(reader, tag);
  }
  checkEnd(reader, limit);
  pair.key = key;
  pair.value = value;
  pair.wire = wire;
  return pair;
}

type WireNote = 'double' | 'int' | 'bytes' | undefined;

interface ReadValue {
  value: AttrValue;
  wire: WireNote;
}

// Scalars come back through one reused holder: no object per attribute.
const scratch: ReadValue = { value: null, wire: undefined };

function readAnyValue(reader: Reader, limit: number, depth: number): ReadValue {
  if (depth > MAX_VALUE_DEPTH)
    throw new DecodeError(`attribute values nest deeper than ${MAX_VALUE_DEPTH} levels`);
  let value: AttrValue = null;
  let wire: WireNote = undefined;
  while (reader.pos < limit) {
    const tag = reader.uint32();
    switch (tag) {
      case (1 << 3) | WIRE_LEN:
        value = readString(reader);
        wire = undefined;
        break;
      case (2 << 3) | WIRE_VARINT:
        value = reader.bool();
        wire = undefined;
        break;
      case (3 << 3) | WIRE_VARINT:
        value = readInt64(reader);
        wire = typeof value === 'string' ? 'int' : undefined;
        break;
      case (4 << 3) | WIRE_FIXED64:
        value = reader.double();
        wire = Number.isInteger(value) ? 'double' : undefined;
        break;
      case (5 << 3) | WIRE_LEN:
        value = readArray(reader, end(reader), depth);
        wire = undefined;
        break;
      case (6 << 3) | WIRE_LEN:
        value = readKvList(reader, end(reader), depth);
        wire = undefined;
        break;
      case (7 << 3) | WIRE_LEN:
        value = Buffer.from(reader.bytes()).toString('base64');
        wire = 'bytes';
        break;
      default:
        skip(reader, tag);
    }
  }
  checkEnd(reader, limit);
  scratch.value = value;
  scratch.wire = wire;
  return scratch;
}

function readArray(reader: Reader, limit: number, depth: number): AttrValue[] {
  const out: AttrValue[] = [];
  while (reader.pos < limit) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const { value, wire } = readAnyValue(reader, end(reader), depth + 1);
      out.push(value);
      noteWireType(out, out.length - 1, wire);
    } else skip(reader, tag);
  }
  checkEnd(reader, limit);
  return out;
}

function readKvList(reader: Reader, limit: number, depth: number): Attributes {
  const out: Attributes = {};
  while (reader.pos < limit) {
    const tag = reader.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) readKeyValue(reader, end(reader), out, depth);
    else skip(reader, tag);
  }
  checkEnd(reader, limit);
  return out;
}
