// Wire primitives for the OTLP protobuf reader, on protobufjs's Reader: bounded lengths, UTF-8
// checked strings, ids as hex, 64-bit integers without Long objects.
import type protobuf from 'protobufjs';
import { cachedAscii, remember } from './ascii-cache.js';

export type Reader = protobuf.Reader;

/**
 * Buffer's slice decoders without toString's argument checks (the bounds are checked here);
 * protobufjs's BufferReader calls utf8Slice the same way.
 */
interface SliceDecoders {
  utf8Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;

/** Read a length prefix; the end offset of the field it announces (checked against the body). */
export function end(reader: Reader): number {
  const length = reader.uint32();
  const to = reader.pos + length;
  if (to > reader.len)
    throw new RangeError(`index out of range: ${reader.pos} + ${length} > ${reader.len}`);
  return to;
}

/** A nested message must end exactly where its length said. */
export function checkEnd(reader: Reader, limit: number): void {
  if (reader.pos !== limit) throw new RangeError('a field runs past its message');
}

export function skip(reader: Reader, tag: number): void {
  if (tag >>> 3 === 0) throw new RangeError('illegal tag: field number 0');
  reader.skipType(tag & 7);
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** A length-delimited UTF-8 string; invalid UTF-8 refuses the body, as protobuf requires. */
export function readString(reader: Reader): string {
  const to = end(reader);
  const from = reader.pos;
  reader.pos = to;
  return decodeString(reader.buf as Buffer, from, to);
}

/**
 * A length-delimited string expected to be `known` (the key the previous span had at this
 * place): returned when its bytes are `known`'s ASCII characters, without the cache's hash;
 * anything else is read as readString reads it.
 */
export function readStringAs(reader: Reader, known: string): string {
  const to = end(reader);
  const from = reader.pos;
  reader.pos = to;
  const buf = reader.buf;
  const n = known.length;
  if (to - from === n) {
    let i = 0;
    for (; i < n; i += 1) {
      const c = known.charCodeAt(i);
      if (c >= 0x80 || buf[from + i] !== c) break;
    }
    if (i === n) return known;
  }
  return decodeString(buf as Buffer, from, to);
}

function decodeString(buf: Buffer, from: number, to: number): string {
  const known = cachedAscii(buf, from, to);
  if (known !== undefined) return known;
  const text = (buf as unknown as SliceDecoders).utf8Slice(from, to);
  // Invalid sequences decode as U+FFFD; only then is the strict (slower) check needed.
  if (text.includes('\uFFFD')) utf8Strict.decode(buf.subarray(from, to));
  remember(buf, from, to, text);
  return text;
}

export function readHex(reader: Reader): string {
  const to = end(reader);
  const from = reader.pos;
  reader.pos = to;
  return from === to ? '' : (reader.buf as unknown as SliceDecoders).hexSlice(from, to);
}

/** fixed64 (timestamps) as an unsigned bigint. */
export function readFixed64(reader: Reader): bigint {
  const low = reader.fixed32();
  const high = reader.fixed32();
  // Below 2^53 one conversion is exact; today's nanosecond timestamps are above it.
  if (high < 0x200000) return BigInt(high * 0x100000000 + low);
  return (BigInt(high) << 32n) | BigInt(low);
}

/**
 * int64 varint: a number when exact (|v| < 2^53, token counts always are), else its decimal
 * string (never rounded).
 */
export function readInt64(reader: Reader): number | string {
  const buf = reader.buf;
  let low = 0;
  let high = 0;
  let pos = reader.pos;
  // Bits 0-27 from bytes 0-3, 28-34 straddle byte 4, the rest fill the high word.
  for (let i = 0; i < 10; i += 1) {
    if (pos >= reader.len) throw new RangeError('index out of range: varint runs past the body');
    const byte = buf[pos++] ?? 0;
    if (i < 4) low |= (byte & 0x7f) << (7 * i);
    else if (i === 4) {
      low |= (byte & 0x0f) << 28;
      high |= (byte & 0x7f) >>> 4;
    } else high |= (byte & 0x7f) << (7 * i - 32);
    if (byte < 0x80) {
      reader.pos = pos;
      return int64Value(low >>> 0, high | 0);
    }
  }
  throw new RangeError('invalid varint encoding');
}

function int64Value(low: number, high: number): number | string {
  if (high >= -0x200000 && high < 0x200000) return high * 0x100000000 + low;
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}
