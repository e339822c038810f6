// llm_calls RowBinary rows (rows-rowbinary.ts) read back as their TSV lines: for the rare paths
// that need text, never for the insert itself. A dead-lettered row is kept as JSON made from
// its TSV line (writer-rows.ts); an insert holding a row that is TSV (outside the encoder's
// exact domain) goes whole as TSV (row-slabs.ts); and when llm_calls' column types are not
// the encoder's (schema drift, file-insert.ts) the body goes as TSV. The text is written so
// that the engine stores from it exactly what the RowBinary row holds: 10-digit seconds for the
// dates (the encoder's domain), a decimal's every digit, a float's shortest round-trip form.
import { CALL_BINARY_COLUMNS, type WireType } from './rows-rowbinary.js';

const TYPES: readonly WireType[] = CALL_BINARY_COLUMNS.map(([, type]) => type);
const TAB = 0x09;
const NEWLINE = 0x0a;

/** A cursor over one body. */
class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}

  take(n: number): number {
    const from = this.at;
    if (from + n > this.end) throw new Error('a RowBinary llm_calls row ends early');
    this.at += n;
    return from;
  }

  varuint(): number {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = this.bytes[this.take(1)] as number;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
  }

  /** An unsigned little-endian integer of `n` bytes, as a BigInt (exact at any width). */
  uint(n: number): bigint {
    const from = this.take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i -= 1) v = (v << 8n) | BigInt(this.bytes[from + i] as number);
    return v;
  }

  f64(): number {
    const from = this.take(8);
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + from, 8).getFloat64(0, true);
  }
}

/** TSV's escapes of a string's bytes (and, inside an array, of the quote). */
function escaped(bytes: Uint8Array, from: number, to: number, quoted: boolean): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i += 1) {
    const c = bytes[i] as number;
    if (c === 0x5c) out.push(0x5c, 0x5c);
    else if (c === TAB) out.push(0x5c, 0x74);
    else if (c === NEWLINE) out.push(0x5c, 0x6e);
    else if (c === 0x0d) out.push(0x5c, 0x72);
    else if (c === 0x27 && quoted) out.push(0x5c, 0x27);
    else out.push(c);
  }
  return out;
}

function ascii(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0));
}

/** Int128 units of 10^-18 as plain decimal text, trailing zeros dropped. */
function decimalText(units: bigint): string {
  const negative = units >= 1n << 127n;
  const abs = negative ? (1n << 128n) - units : units;
  const whole = abs / 10n ** 18n;
  const frac = (abs % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac !== '' ? `.${frac}` : ''}`;
}

/** DateTime64(6) microseconds as `seconds.micros`. */
function dateText(micros: bigint): string {
  return `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, '0')}`;
}

function floatText(value: number): string {
  return Number.isFinite(value) ? String(value) : '\\N';
}

/** One cell's TSV bytes. */
function cell(r: Reader, type: WireType): number[] {
  switch (type) {
    case 'String': {
      const n = r.varuint();
      const from = r.take(n);
      return escaped(r.bytes, from, from + n, false);
    }
    case 'Array(String)': {
      const count = r.varuint();
      const out = [0x5b];
      for (let i = 0; i < count; i += 1) {
        const n = r.varuint();
        const from = r.take(n);
        if (i > 0) out.push(0x2c);
        out.push(0x27, ...escaped(r.bytes, from, from + n, true), 0x27);
      }
      out.push(0x5d);
      return out;
    }
    case "DateTime64(6, 'UTC')":
      return ascii(dateText(BigInt.asIntN(64, r.uint(8))));
    case 'Float64':
      return ascii(floatText(r.f64()));
    case 'Nullable(Float64)':
      return r.uint(1) === 1n ? ascii('\\N') : ascii(floatText(r.f64()));
    case 'Bool':
      return ascii(r.uint(1) !== 0n ? 'true' : 'false');
    case 'UInt16':
      return ascii(String(r.uint(2)));
    case 'UInt32':
      return ascii(String(r.uint(4)));
    case 'UInt64':
      return ascii(String(r.uint(8)));
    case 'Decimal(38, 18)':
      return ascii(decimalText(r.uint(16)));
  }
}

/** The TSV line (no newline) of the row starting at `r.at`; `r.at` ends after it. */
function lineBytes(r: Reader): number[] {
  const line: number[] = [];
  TYPES.forEach((type, i) => {
    if (i > 0) line.push(TAB);
    for (const b of cell(r, type)) line.push(b);
  });
  return line;
}

/** One RowBinary row, `bytes[start, end)`, as its TSV line (text, no newline). */
export function rowBinaryTsvLine(bytes: Uint8Array, start: number, end: number): string {
  const r = new Reader(bytes, start, end);
  const line = lineBytes(r);
  if (r.at !== end) throw new Error('a RowBinary llm_calls row is longer than its columns');
  return Buffer.from(line).toString('utf8');
}

/** A RowBinary body (rows back to back) as a TSV body (newline-delimited, no final newline). */
export function rowBinaryTsvBody(body: Uint8Array): Buffer {
  const r = new Reader(body, 0, body.length);
  const parts: Buffer[] = [];
  while (r.at < body.length) {
    if (parts.length > 0) parts.push(Buffer.of(NEWLINE));
    parts.push(Buffer.from(lineBytes(r)));
  }
  return Buffer.concat(parts);
}
