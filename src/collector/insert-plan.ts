// How queued rows become inserts. ClickHouse refuses an insert whose rows fall into more than
// max_partitions_per_insert_block partitions (100 by default), so a request with spans in 101
// months must never reach the engine as one insert: rows are grouped by the partition they land
// in, and each insert takes at most `maxPartitions` partitions and `maxRows` rows.

/** One serialized row waiting for the store. */
export interface QueuedRow {
  /**
   * Idempotency key of the row, hashed into the insert's deduplication token; '' for a RowBinary
   * llm_calls row, whose key is read back from its bytes (row-slabs.ts `rowId`).
   */
  id: string;
  /**
   * The serialized row: TSV for llm_calls (rows-tsv.ts), JSONEachRow for the other tables; ''
   * when the row's bytes are in a slab instead (row-slabs.ts: the writer's queue).
   */
  line: string;
  /** The slab holding the row's UTF-8 line and its newline at [start, end). */
  slab?: Buffer;
  /** The slab holds the row as RowBinary (rows-rowbinary.ts) at [start, end), no newline. */
  binary?: true;
  start?: number;
  end?: number;
  /** Spool record the row came from (0: not spooled). */
  seq: number;
  /** The table partition the row lands in (the table's PARTITION BY, computed here). */
  partition: string;
}

/** The last month computed, as [from, to) in ns: rows of a batch nearly all share one month. */
let monthFrom = 0n;
let monthTo = 0n;
let monthText = '';

/** `toYYYYMM` of a nanosecond UTC timestamp (llm_calls, outcomes and every rollup). */
export function monthPartition(ns: bigint): string {
  // A hit is two comparisons; a miss builds the Date (only from 1970 on: below it the
  // truncating ns -> ms division would not match a range check).
  if (ns >= monthFrom && ns < monthTo) return monthText;
  const d = dateOf(ns);
  if (d === undefined) return 'invalid';
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const text = `${year}${pad(month + 1)}`;
  const from = Date.UTC(year, month, 1);
  if (from >= 0) {
    monthFrom = BigInt(from) * 1_000_000n;
    monthTo = BigInt(Date.UTC(year, month + 1, 1)) * 1_000_000n;
    monthText = text;
  }
  return text;
}

/** `toYYYYMMDD` of a nanosecond UTC timestamp (llm_call_content). */
export function dayPartition(ns: bigint): string {
  const d = dateOf(ns);
  return d === undefined
    ? 'invalid'
    : `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
}

/**
 * Cut rows into inserts of at most `maxPartitions` partitions and `maxRows` rows. Rows of one
 * partition stay together where they fit; the order of partitions is the order first seen.
 */
export function partitionChunks(
  rows: QueuedRow[],
  maxPartitions: number,
  maxRows: number,
): QueuedRow[][] {
  const groups = new Map<string, QueuedRow[]>();
  for (const row of rows) {
    const group = groups.get(row.partition);
    if (group === undefined) groups.set(row.partition, [row]);
    else group.push(row);
  }
  const chunks: QueuedRow[][] = [];
  let current: QueuedRow[] = [];
  let partitions = 0;
  for (const group of groups.values()) {
    let offset = 0;
    while (offset < group.length) {
      if (partitions >= maxPartitions || current.length >= maxRows) {
        chunks.push(current);
        current = [];
        partitions = 0;
      }
      const take = Math.min(group.length - offset, maxRows - current.length);
      for (let i = offset; i < offset + take; i += 1) current.push(group[i] as QueuedRow);
      offset += take;
      partitions += 1;
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function dateOf(ns: bigint): Date | undefined {
  const d = new Date(Number(ns / 1_000_000n));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
