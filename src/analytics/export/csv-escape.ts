// CSV injection guard for exports (OWASP "CSV Injection"): a spreadsheet runs a cell that starts
// with = + - @ (or a tab or carriage return) as a formula, and tenant, route, feature and model
// names come from spans anyone with an ingest key can send. Such a cell gets a leading `'`.
//
// Which cells: ClickHouse's CSV output quotes every String value and writes numbers (costs,
// quantities, counts) unquoted. Only quoted cells are escaped, so a negative cost stays the
// number -0.5 and never becomes the text '-0.5. The scan is byte-wise: in UTF-8 the bytes of
// `"`, `,` and newline never occur inside a multi-byte character, and a cell split across chunks
// is handled by carrying the state from one chunk to the next.
import { Readable } from 'node:stream';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const APOSTROPHE = Buffer.from("'");
/** = + - @ TAB CR */
const FORMULA_START = new Set([0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d]);

// Scanner states: at a cell's first byte, inside an unquoted cell, just after a cell's opening
// quote, inside a quoted cell, just after a quote inside a quoted cell.
const State = { FieldStart: 0, Unquoted: 1, Opened: 2, Quoted: 3, QuoteInQuoted: 4 } as const;
type State = (typeof State)[keyof typeof State];

export class CsvFormulaEscaper {
  private state: State = State.FieldStart;
  /** Cells escaped so far. */
  escaped = 0;

  /** The chunk with a `'` inserted at the start of every quoted cell that opens like a formula. */
  escape(chunk: Buffer): Buffer {
    const parts: Buffer[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (this.state === State.Opened && FORMULA_START.has(byte)) {
        parts.push(chunk.subarray(from, i), APOSTROPHE);
        from = i;
        this.escaped++;
      }
      this.state = next(this.state, byte);
    }
    if (parts.length === 0) return chunk;
    parts.push(chunk.subarray(from));
    return Buffer.concat(parts);
  }
}

function next(state: State, byte: number): State {
  const endsField = byte === COMMA || byte === LF;
  switch (state) {
    case State.FieldStart:
      return byte === QUOTE ? State.Opened : endsField ? State.FieldStart : State.Unquoted;
    case State.Unquoted:
      return endsField ? State.FieldStart : State.Unquoted;
    case State.Opened:
    case State.Quoted:
      return byte === QUOTE ? State.QuoteInQuoted : State.Quoted;
    case State.QuoteInQuoted:
      // `""` is an escaped quote inside the cell; anything else closed it.
      if (byte === QUOTE) return State.Quoted;
      return endsField ? State.FieldStart : State.Unquoted;
  }
}

/** A CSV stream with formula-like cells escaped; errors and early close pass through. */
export function escapeCsvStream(source: Readable): Readable {
  const escaper = new CsvFormulaEscaper();
  return Readable.from(
    (async function* () {
      for await (const chunk of source) yield escaper.escape(chunk as Buffer);
    })(),
  );
}
