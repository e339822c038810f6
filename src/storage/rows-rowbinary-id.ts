// The deduplication id of a queued llm_calls row (`<tenant>\0<call_id>`), read back from its
// RowBinary bytes (rows-rowbinary.ts) instead of kept beside them as a string.
//
// Why: a row waits in the writer's queue for seconds (a 50,000-row insert), so an id string per
// row (two concatenations and the call id they hold) outlived two scavenges, was promoted to the
// old generation and then marked by every full collection until the insert: with ~100k rows
// queued those strings were most of the collector's live heap objects. The bytes are in the row
// anyway; the id is needed once an insert, to make its token (committer.ts).
import { CALL_BINARY_COLUMNS, type WireType } from './rows-rowbinary-columns.js';

/** Bytes each fixed-width type takes; the variable ones (strings, arrays, nullables) are read. */
const FIXED: Partial<Record<WireType, number>> = {
  "DateTime64(6, 'UTC')": 8,
  Float64: 8,
  Bool: 1,
  UInt16: 2,
  UInt32: 4,
  UInt64: 8,
  'Decimal(38, 18)': 16,
};

const NAMES = CALL_BINARY_COLUMNS.map(([name]) => name);
const TYPES = CALL_BINARY_COLUMNS.map(([, type]) => type);
const CALL_ID = NAMES.indexOf('call_id');
const TENANT = NAMES.indexOf('tenant');
const LAST = Math.max(CALL_ID, TENANT);

/**
 * Where the tenant and the call id of the RowBinary llm_calls row at `at` (ending before `end`)
 * lie: `into` gets [tenant from, tenant to, call id from, call id to] (no object a row: this
 * runs for every row of every insert).
 */
export function rowBinaryIdSpans(
  bytes: Uint8Array,
  at: number,
  end: number,
  into: Int32Array,
): void {
  let pos = at;
  for (let column = 0; column <= LAST; column += 1) {
    const type = TYPES[column] as WireType;
    const fixed = FIXED[type];
    if (fixed !== undefined) {
      pos += fixed;
      continue;
    }
    if (type !== 'String') throw new Error(`rowBinaryIdSpans: cannot skip a ${type} column`);
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= end) throw new Error('a RowBinary llm_calls row ends early');
      const b = bytes[pos++] as number;
      length += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (pos + length > end) throw new Error('a RowBinary llm_calls row ends early');
    if (column === TENANT) {
      into[0] = pos;
      into[1] = pos + length;
    } else if (column === CALL_ID) {
      into[2] = pos;
      into[3] = pos + length;
    }
    pos += length;
  }
}

const spans = new Int32Array(4);

/**
 * The id of the RowBinary llm_calls row at `at`: its tenant, a NUL and its call id, as RowQueues
 * built it from the call (the UTF-8 the encoder wrote, decoded).
 */
export function rowBinaryCallId(bytes: Buffer, at: number, end: number): string {
  rowBinaryIdSpans(bytes, at, end, spans);
  const tenant = bytes.toString('utf8', spans[0], spans[1]);
  return `${tenant}\u0000${bytes.toString('utf8', spans[2], spans[3])}`;
}
