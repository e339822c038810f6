// The writer's queues: calls and outcomes serialized into insert lines as they are queued (so
// the cost is spread over requests instead of landing on the event loop when a large batch is
// written), kept as UTF-8 in slabs off the JavaScript heap (row-slabs.ts), one queue per table,
// with the estimated bytes they hold.
import type { LlmCall, OutcomeRecord } from './call.js';
import type { RefusedRow, RowFormat } from './committer.js';
import { dayPartition, monthPartition, type QueuedRow } from './insert-plan.js';
import type { QueryRunner } from '../storage/runner.js';
import { contentRow, outcomeRow } from '../storage/rows.js';
import { CALL_COLUMNS, tsvToJsonLine } from '../storage/rows-tsv.js';
import { RowSlabs, callRowId, lineOf, rowBodyBytes, textRow } from './row-slabs.js';

export const TABLES = ['llm_calls', 'llm_call_content', 'outcomes'] as const;
export type Table = (typeof TABLES)[number];
export type Batch = Record<Table, QueuedRow[]>;

/** How llm_calls rows are queued and inserted (storage.insert_format, see callInsertFormat). */
export type CallFormat = 'rowbinary' | 'tsv';

/**
 * llm_calls, the bulk of the bytes, goes as RowBinary (rows-rowbinary.ts) or TSV (rows-tsv.ts);
 * the rest as JSONEachRow.
 */
export function formatsFor(calls: CallFormat): Record<Table, RowFormat> {
  return {
    llm_calls: { format: calls === 'rowbinary' ? 'RowBinary' : 'TSV', columns: CALL_COLUMNS },
    llm_call_content: {},
    outcomes: {},
  };
}

/**
 * The llm_calls format a writer uses: RowBinary only where it goes to the engine as written,
 * the embedded engine inserting through a file (chdb's rawInsert takes line formats only, and
 * a server is sent TSV); storage.insert_format 'tsv' keeps the TSV rows everywhere.
 */
export function callInsertFormat(
  storage: { insert_format: CallFormat; insert_mode: 'raw' | 'file' },
  engine: 'embedded' | 'server' | 'fixed',
): CallFormat {
  return storage.insert_format === 'rowbinary' &&
    storage.insert_mode === 'file' &&
    engine === 'embedded'
    ? 'rowbinary'
    : 'tsv';
}

/**
 * callInsertFormat, and TSV from the start when llm_calls' types are not the encoder's (the
 * store's check, asked before the first row is encoded: drift then costs no conversion; if the
 * store cannot answer yet, the check before each insert still guards the RowBinary rows).
 */
export async function writerCallFormat(
  config: { insert_format: CallFormat; insert_mode: 'raw' | 'file' },
  storage: Pick<QueryRunner, 'kind' | 'takesRowBinary'>,
): Promise<CallFormat> {
  if (callInsertFormat(config, storage.kind) !== 'rowbinary') return 'tsv';
  const takes = await storage.takesRowBinary?.('llm_calls').catch(() => undefined);
  return takes === false ? 'tsv' : 'rowbinary';
}

export class RowQueues {
  private readonly rows: Batch = { llm_calls: [], llm_call_content: [], outcomes: [] };
  private readonly slabs = new RowSlabs();
  /** Each table's insert format. */
  readonly formats: Record<Table, RowFormat>;

  constructor(private readonly callFormat: CallFormat = 'tsv') {
    this.formats = formatsFor(callFormat);
  }
  /** Estimated heap bytes of rows queued or taken and not yet released. */
  bytes = 0;
  /** Body bytes of the llm_calls rows queued (not taken): what the next insert would carry. */
  callBytes = 0;

  /** Calls and outcomes waiting (content rows ride with their calls). */
  get length(): number {
    return this.rows.llm_calls.length + this.rows.outcomes.length;
  }

  get calls(): number {
    return this.rows.llm_calls.length;
  }

  get outcomes(): number {
    return this.rows.outcomes.length;
  }

  hasQueued(): boolean {
    return TABLES.some((t) => this.rows[t].length > 0);
  }

  /** Serialize and queue; `callSeqs[i]` / `outcomeSeqs[i]` name each row's spool record. */
  add(
    calls: LlmCall[],
    outcomes: OutcomeRecord[],
    callSeqs: number[],
    outcomeSeqs: number[],
  ): void {
    const q = this.rows;
    calls.forEach((call, i) => {
      const partition = monthPartition(call.start_time_ns);
      const seq = callSeqs[i] ?? 0;
      // A RowBinary row keeps no id string: it would live as long as the row (row-slabs.ts).
      this.push(
        q.llm_calls,
        this.callFormat === 'rowbinary'
          ? this.slabs.binaryCallRow(call, seq, partition)
          : this.slabs.callRow(callRowId(call), call, seq, partition),
      );
      if (call.input_content !== '' || call.output_content !== '') {
        const day = dayPartition(call.start_time_ns);
        const id = `content:${callRowId(call)}`;
        this.push(q.llm_call_content, this.slabs.row(id, contentRow(call), 0, day));
      }
    });
    outcomes.forEach((outcome, i) => {
      const id = `outcome:${outcome.tenant}\u0000${outcome.outcome_id}`;
      const month = monthPartition(outcome.time_ns);
      this.push(q.outcomes, this.slabs.row(id, outcomeRow(outcome), outcomeSeqs[i] ?? 0, month));
    });
  }

  /**
   * Up to `n` rows of each table, oldest first, and no more calls than fit in `maxBytes` of
   * body (at least one): one insert's worth, so rows that queued past it wait for the next full
   * insert instead of riding along as a small one. Their bytes stay counted until released.
   */
  take(n: number, maxBytes = Infinity): Batch {
    const q = this.rows;
    let count = Math.min(n, q.llm_calls.length);
    let bytes = 0;
    for (let i = 0; i < count; i += 1) {
      const size = rowBodyBytes(q.llm_calls[i] as QueuedRow);
      if (i > 0 && bytes + size > maxBytes) count = i;
      else bytes += size;
    }
    this.callBytes -= bytes;
    return {
      llm_calls: q.llm_calls.splice(0, count),
      llm_call_content: q.llm_call_content.splice(0, n),
      outcomes: q.outcomes.splice(0, n),
    };
  }

  /** A batch that could not be written goes back to the front, in order. */
  putBack(batch: Batch): void {
    for (const t of TABLES) this.rows[t].unshift(...batch[t]);
    for (const row of batch.llm_calls) this.callBytes += rowBodyBytes(row);
  }

  /** A written (or dead-lettered) batch no longer holds memory. */
  release(batch: Batch): void {
    for (const t of TABLES) for (const row of batch[t]) this.bytes -= rowBytes(row);
  }

  private push(queue: QueuedRow[], row: QueuedRow): void {
    queue.push(row);
    this.bytes += rowBytes(row);
    if (queue === this.rows.llm_calls) this.callBytes += rowBodyBytes(row);
  }
}

/** A queued row's estimated bytes: its line's bytes, its other strings at two bytes a character, the object. */
function rowBytes(row: QueuedRow): number {
  return rowBodyBytes(row) + 2 * (row.line.length + row.id.length + row.partition.length) + 96;
}

/**
 * Refused rows as the dead-letter files keep them: JSON text, out of their slab (an llm_calls
 * row, TSV or RowBinary, through its TSV line: lineOf).
 */
export function deadLetterRows(table: Table, refused: RefusedRow[]): RefusedRow[] {
  const tsv = table === 'llm_calls';
  return refused.map((r) => {
    const line = lineOf(r.row);
    return { ...r, row: textRow(r.row, tsv ? tsvToJsonLine(line) : line) };
  });
}
