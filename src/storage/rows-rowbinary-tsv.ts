// llm_calls RowBinary rows (rows-rowbinary.ts) read back as their TSV lines, for the paths that
// need text: a dead-lettered row is kept as JSON made from its TSV line (writer-rows.ts); an
// insert holding a row that is TSV (outside the encoder's exact domain) goes whole as TSV
// (row-slabs.ts); and when llm_calls' column types are not the encoder's (schema drift,
// file-insert.ts) every body goes as TSV. The text is written so that the engine stores from it
// exactly what the RowBinary row holds: 10-digit seconds for the dates (the encoder's domain),
// a decimal's every digit, a float's shortest round-trip form. Bytes are written into one
// growing buffer with Number arithmetic where exact (a first version building arrays of bytes
// and BigInts took 25 µs a row: one odd call in a 50k-row insert held the event loop a second).
import { CALL_BINARY_COLUMNS, type WireType } from './rows-rowbinary.js';

const TYPES: readonly WireType[] = CALL_BINARY_COLUMNS.map(([, type]) => type);
const TAB = 0x09;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const TWO32 = 0x1_0000_0000;

/** The bytes read (`src` from `at` to `end`) and the text written (`out` up to `pos`). */
let src: Uint8Array = new Uint8Array(0);
let at = 0;
let end = 0;
let out = Buffer.allocUnsafe(1 << 16);
let pos = 0;

function take(n: number): number {
  const from = at;
  if (from + n > end) throw new Error('a RowBinary llm_calls row ends early');
  at += n;
  return from;
}

/** Room for `n` more bytes of text. */
function reserve(n: number): void {
  if (pos + n <= out.length) return;
  const bigger = Buffer.allocUnsafe(Math.max(2 * out.length, pos + n));
  out.copy(bigger, 0, 0, pos);
  out = bigger;
}

function varuint(): number {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const b = src[take(1)] as number;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value;
  }
}

function u32(from: number): number {
  return (
    ((src[from] as number) |
      ((src[from + 1] as number) << 8) |
      ((src[from + 2] as number) << 16) |
      ((src[from + 3] as number) << 24)) >>>
    0
  );
}

function ascii(text: string): void {
  reserve(text.length);
  for (let i = 0; i < text.length; i += 1) out[pos++] = text.charCodeAt(i);
}

/** A string's bytes with TSV's escapes (and, inside an array, the quote's). */
function escaped(quoted: boolean): void {
  const n = varuint();
  const from = take(n);
  reserve(2 * n);
  for (let i = from; i < from + n; i += 1) {
    const c = src[i] as number;
    if (c === BACKSLASH || c === TAB || c === NEWLINE || c === 0x0d || (c === 0x27 && quoted)) {
      out[pos++] = BACKSLASH;
      out[pos++] = c === TAB ? 0x74 : c === NEWLINE ? 0x6e : c === 0x0d ? 0x72 : c;
    } else out[pos++] = c;
  }
}

/** Int128 units of 10^-18 as plain decimal text, trailing zeros dropped. */
function decimalText(from: number): string {
  const l0 = u32(from);
  const l1 = u32(from + 4);
  // A cost below 2^53 units (0.009): Number arithmetic is exact. Else BigInt (rare).
  if (l1 < 0x20_0000 && u32(from + 8) === 0 && u32(from + 12) === 0) {
    const units = l1 * TWO32 + l0;
    if (units === 0) return '0';
    return `0.${String(units).padStart(18, '0').replace(/0+$/, '')}`;
  }
  let v = 0n;
  for (let i = 15; i >= 0; i -= 1) v = (v << 8n) | BigInt(src[from + i] as number);
  const negative = v >= 1n << 127n;
  const abs = negative ? (1n << 128n) - v : v;
  const whole = abs / 10n ** 18n;
  const frac = (abs % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac !== '' ? `.${frac}` : ''}`;
}

/** DateTime64(6) microseconds (below 2^53 in the encoder's domain) as `seconds.micros`. */
function dateText(from: number): string {
  const micros = u32(from + 4) * TWO32 + u32(from);
  const seconds = Math.floor(micros / 1e6);
  return `${seconds}.${String(micros - seconds * 1e6).padStart(6, '0')}`;
}

function f64(from: number): number {
  return new DataView(src.buffer, src.byteOffset + from, 8).getFloat64(0, true);
}

/** One cell's TSV text. */
function cell(type: WireType): void {
  switch (type) {
    case 'String':
      return escaped(false);
    case 'Array(String)': {
      const count = varuint();
      ascii('[');
      for (let i = 0; i < count; i += 1) {
        ascii(i > 0 ? ",'" : "'");
        escaped(true);
        ascii("'");
      }
      return ascii(']');
    }
    case "DateTime64(6, 'UTC')":
      return ascii(dateText(take(8)));
    case 'Float64':
      return ascii(String(f64(take(8))));
    case 'Nullable(Float64)':
      return src[take(1)] === 1 ? ascii('\\N') : ascii(String(f64(take(8))));
    case 'Bool':
      return ascii(src[take(1)] !== 0 ? 'true' : 'false');
    case 'UInt16': {
      const from = take(2);
      return ascii(String((src[from] as number) | ((src[from + 1] as number) << 8)));
    }
    case 'UInt32':
      return ascii(String(u32(take(4))));
    case 'UInt64': {
      const from = take(8);
      const hi = u32(from + 4);
      // Exact as a Number below 2^53 (every count the encoder writes).
      return ascii(
        hi < 0x20_0000
          ? String(hi * TWO32 + u32(from))
          : String((BigInt(hi) << 32n) | BigInt(u32(from))),
      );
    }
    case 'Decimal(38, 18)':
      return ascii(decimalText(take(16)));
  }
}

/** The TSV line (no newline) of the row at `at`, appended to `out`. */
function line(): void {
  for (let i = 0; i < TYPES.length; i += 1) {
    if (i > 0) ascii('\t');
    cell(TYPES[i] as WireType);
  }
}

function start(bytes: Uint8Array, from: number, to: number): void {
  src = bytes;
  at = from;
  end = to;
  pos = 0;
}

/** One RowBinary row, `bytes[start, end)`, as its TSV line (text, no newline). */
export function rowBinaryTsvLine(bytes: Uint8Array, from: number, to: number): string {
  start(bytes, from, to);
  line();
  if (at !== to) throw new Error('a RowBinary llm_calls row is longer than its columns');
  return out.toString('utf8', 0, pos);
}

/** A RowBinary body (rows back to back) as a TSV body (newline-delimited, no final newline). */
export function rowBinaryTsvBody(body: Uint8Array): Buffer {
  start(body, 0, body.length);
  while (at < end) {
    if (pos > 0) ascii('\n');
    line();
  }
  return Buffer.from(out.subarray(0, pos));
}
