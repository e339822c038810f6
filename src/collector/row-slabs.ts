// Queued rows' insert lines as UTF-8 bytes in shared slabs outside the JavaScript heap.
//
// Rows wait for their insert up to collector.writer.flush_interval_ms, or longer while one is in
// flight: as strings they outlive a few young-generation scavenges, each of which copies them,
// and are then promoted and marked by the full collections. In a slab they are one write now
// (the UTF-8 encoding the engine needs anyway) and no garbage-collector work after; a row keeps
// only its offsets. Each line is followed by its newline (a RowBinary llm_calls row needs none),
// so rows queued one after another are already an insert body: a batch that is one run of one
// slab goes to the engine as a view of it, without a copy. A slab is freed by the collector
// once no queued row points into it.
import type { Hash } from 'node:crypto';
import type { LlmCall } from './call.js';
import type { QueuedRow } from './insert-plan.js';
import type { InsertOptions } from '../storage/runner.js';
import { callTsvCells } from '../storage/rows-tsv.js';
import { writeCallTsv } from '../storage/rows-tsv-bytes.js';
import { NO_ROOM, writeCallRowBinary } from '../storage/rows-rowbinary.js';
import { rowBinaryTsvLine } from '../storage/rows-rowbinary-tsv.js';
import { rowBinaryCallId, rowBinaryIdSpans } from '../storage/rows-rowbinary-id.js';

/** Room a call's line is given in the current slab before it is written (bytes). */
const CALL_ROOM = 8 * 1024;

/** Big enough that a batch is one or a few runs; small enough that a stale one costs little. */
const SLAB_BYTES = 1 << 20;
const NEWLINE = 0x0a;

export class RowSlabs {
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private pos = 0;

  /** A row whose `line` is written into the current slab (the row keeps offsets, not text). */
  row(id: string, line: string, seq: number, partition: string): QueuedRow {
    // A UTF-16 code unit is at most 3 UTF-8 bytes: a line that may not fit starts a new slab.
    const worst = line.length * 3 + 1;
    if (this.pos + worst > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, worst));
      this.pos = 0;
    }
    const start = this.pos;
    const end = start + this.slab.write(line, start);
    this.slab[end] = NEWLINE;
    this.pos = end + 1;
    return { id, line: '', seq, partition, slab: this.slab, start, end: end + 1 };
  }

  /**
   * An llm_calls row whose TSV line is written straight into the slab (rows-tsv-bytes.ts): no
   * line string at all for an all-ASCII call; any other call (or one longer than CALL_ROOM) goes
   * through the generic line and `row`, not through callTsv, which would try the bytes again.
   */
  callRow(id: string, call: LlmCall, seq: number, partition: string): QueuedRow {
    if (this.pos + CALL_ROOM > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.pos = 0;
    }
    const start = this.pos;
    const end = writeCallTsv(call, this.slab, start, start + CALL_ROOM - 1);
    if (end < 0) return this.row(id, callTsvCells(call), seq, partition);
    this.slab[end] = NEWLINE;
    this.pos = end + 1;
    return { id, line: '', seq, partition, slab: this.slab, start, end: end + 1 };
  }

  /**
   * An llm_calls row as RowBinary (rows-rowbinary.ts), no newline: the rows of a run are a
   * RowBinary body as they lie. Its id is not kept (`id: ''`): rowId reads it back from the
   * bytes. A call with a value outside the encoder's exact domain is queued as its TSV line
   * instead (callRow, with its id) and inserted apart from the others (byRowFormat).
   */
  binaryCallRow(call: LlmCall, seq: number, partition: string): QueuedRow {
    if (this.pos + CALL_ROOM > this.slab.length) this.fresh(SLAB_BYTES);
    let start = this.pos;
    let end = writeCallRowBinary(call, this.slab, start, start + CALL_ROOM);
    if (end === NO_ROOM) {
      // A call with long strings: a slab of its own size (4 bytes of UTF-8 a UTF-16 unit at most).
      this.fresh(Math.max(SLAB_BYTES, worstBinaryBytes(call)));
      start = 0;
      end = writeCallRowBinary(call, this.slab, 0);
    }
    if (end < 0) return this.callRow(callRowId(call), call, seq, partition);
    this.pos = end;
    return { id: '', line: '', seq, partition, slab: this.slab, start, end, binary: true };
  }

  private fresh(bytes: number): void {
    this.slab = Buffer.allocUnsafeSlow(bytes);
    this.pos = 0;
  }
}

/** The id a queued call row is deduplicated by: ids are per tenant (tokens must not be shared). */
export function callRowId(call: LlmCall): string {
  return `${call.tenant}\u0000${call.call_id}`;
}

/** A queued row's id: a RowBinary llm_calls row's is read back from its bytes (binaryCallRow). */
export function rowId(row: QueuedRow): string {
  if (row.id !== '' || row.binary !== true || row.slab === undefined) return row.id;
  return rowBinaryCallId(row.slab, row.start ?? 0, row.end ?? 0);
}

const idSpans = new Int32Array(4);
/** Where hashRowIds gathers ids before hashing them (one update a 64 KiB, not one a row). */
let idBytes = Buffer.allocUnsafe(64 * 1024);

/**
 * Feed `hash` each row's id and a newline, in order: the bytes `rowId(row) + '\n'` would give
 * as UTF-8, without a string a row (a RowBinary row's id is copied from its bytes).
 */
export function hashRowIds(hash: Hash, rows: readonly QueuedRow[]): void {
  let at = 0;
  for (const row of rows) {
    // Room for the longest id a slab row can hold, else hash what is gathered first.
    const most = row.id !== '' ? row.id.length * 3 + 1 : (row.end ?? 0) - (row.start ?? 0) + 2;
    if (at + most > idBytes.length) {
      hash.update(idBytes.subarray(0, at));
      at = 0;
      if (most > idBytes.length) idBytes = Buffer.allocUnsafe(most);
    }
    if (row.id !== '' || row.binary !== true || row.slab === undefined) {
      at += idBytes.write(row.id, at);
    } else {
      rowBinaryIdSpans(row.slab, row.start ?? 0, row.end ?? 0, idSpans);
      at += row.slab.copy(idBytes, at, idSpans[0], idSpans[1]);
      idBytes[at++] = 0;
      at += row.slab.copy(idBytes, at, idSpans[2], idSpans[3]);
    }
    idBytes[at++] = NEWLINE;
  }
  hash.update(idBytes.subarray(0, at));
}

/** More than any RowBinary encoding of `call` takes (its strings at 3 bytes a unit, plus room). */
function worstBinaryBytes(call: LlmCall): number {
  let chars = 0;
  for (const value of Object.values(call)) if (typeof value === 'string') chars += value.length + 5;
  for (const w of call.warnings) chars += w.length + 5;
  return 3 * chars + 4096;
}

/**
 * A row's insert line as text (dead-lettering, tests): from its slab (a RowBinary row read back
 * as its TSV line), or the text it holds.
 */
export function lineOf(row: QueuedRow): string {
  if (row.slab === undefined) return row.line;
  if (row.binary === true) return rowBinaryTsvLine(row.slab, row.start ?? 0, row.end ?? 0);
  return row.slab.toString('utf8', row.start, (row.end ?? 1) - 1);
}

/** A row as text only (what the dead-letter files and replay keep). */
export function textRow(row: QueuedRow, line = lineOf(row)): QueuedRow {
  return { id: rowId(row), line, seq: row.seq, partition: row.partition };
}

/** A row's bytes in a body, its newline included (a RowBinary row has none). */
export function rowBodyBytes(row: QueuedRow): number {
  return row.slab !== undefined
    ? (row.end ?? 0) - (row.start ?? 0)
    : Buffer.byteLength(row.line) + 1;
}

/**
 * `rows` as inserts of one row format each: the RowBinary rows, then the others (the TSV lines
 * of calls outside the encoder's domain, binaryCallRow), in their order. The committer inserts
 * them apart (each under its own token), so a 50k-row insert is not converted to TSV for one
 * odd call (reading RowBinary back as TSV costs 4-6 µs a row).
 */
export function byRowFormat(rows: QueuedRow[]): QueuedRow[][] {
  const binary = rows.filter((r) => r.binary === true);
  if (binary.length === 0 || binary.length === rows.length) return [rows];
  return [binary, rows.filter((r) => r.binary !== true)];
}

/**
 * The insert of `rows` queued in `format`: their body as it is, except that RowBinary rows
 * with a TSV row among them (byRowFormat keeps the committer's apart; this is for any other
 * caller) go as one TSV body, the RowBinary rows read back as their lines: the engine parses
 * (or refuses, at its row) the TSV row as it always did, and the others store what their
 * RowBinary would.
 */
export function insertOf(
  rows: readonly QueuedRow[],
  format: InsertOptions,
): { body: string | Uint8Array; format: InsertOptions } {
  if (format.format !== 'RowBinary' || rows.every((r) => r.binary === true))
    return { body: insertBodyOf(rows), format };
  const text = rows.map((r) => (r.binary === true ? textRow(r) : r));
  return { body: insertBodyOf(text), format: { ...format, format: 'TSV' } };
}

/**
 * The insert body of `rows`, newline-delimited (RowBinary rows back to back). Text rows are
 * joined as before; slab rows that are one run of one slab are a view of it; anything else is
 * copied run by run into one buffer.
 */
export function insertBodyOf(rows: readonly QueuedRow[]): string | Uint8Array {
  const first = rows[0];
  if (first === undefined) return '';
  if (rows.every((r) => r.slab === undefined)) return rows.map((r) => r.line).join('\n');
  let contiguous = true;
  for (let i = 1; i < rows.length && contiguous; i += 1) {
    const prev = rows[i - 1] as QueuedRow;
    const row = rows[i] as QueuedRow;
    contiguous = row.slab !== undefined && row.slab === prev.slab && row.start === prev.end;
  }
  if (contiguous && first.slab !== undefined) {
    const last = rows[rows.length - 1] as QueuedRow;
    return first.slab.subarray(first.start, last.end);
  }
  let total = 0;
  for (const row of rows) total += rowBodyBytes(row);
  const body = Buffer.allocUnsafe(total);
  let at = 0;
  let i = 0;
  while (i < rows.length) {
    const row = rows[i] as QueuedRow;
    if (row.slab === undefined) {
      at += body.write(row.line, at);
      body[at++] = NEWLINE;
      i += 1;
      continue;
    }
    // Extend the run while the next row follows in the same slab: one copy for the run.
    let j = i + 1;
    let end = row.end;
    for (; j < rows.length; j += 1) {
      const next = rows[j] as QueuedRow;
      if (next.slab !== row.slab || next.start !== end) break;
      end = next.end;
    }
    at += row.slab.copy(body, at, row.start, end);
    i = j;
  }
  return body;
}
