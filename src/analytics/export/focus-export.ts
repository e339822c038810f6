// Writes a FOCUS export. The rows come from the cost model (queries/focus.ts), built one UTC day
// at a time and staged in a scratch table, then ClickHouse writes the CSV or Parquet bytes itself
// (`FORMAT CSVWithNames` / `FORMAT Parquet`) from it: streamed for the API, to a file for the CLI
// (where a progress bar advances per day). CSV passes through the formula-injection guard
// (csv-escape.ts); Parquet is typed and is not. The scratch table is dropped when done.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FinopsConfig } from '../../shared/config-finops.js';
import type { QueryRunner } from '../../storage/runner.js';
import { escapeCsvStream } from './csv-escape.js';
import {
  FOCUS_CLICKHOUSE_FORMATS,
  FOCUS_SETTINGS,
  focusColumns,
  focusRows,
  type FocusQuery,
} from '../queries/focus.js';

const DAY_MS = 86_400_000;

export type FocusFinops = Pick<FinopsConfig, 'focus' | 'reservations'>;

/** [from, to) cut at UTC midnights; chunks never split an hour, so no origin charge is split. */
export function dayChunks(from: Date, to: Date): [Date, Date][] {
  const out: [Date, Date][] = [];
  let lo = from.getTime();
  while (lo < to.getTime()) {
    const hi = Math.min(to.getTime(), (Math.floor(lo / DAY_MS) + 1) * DAY_MS);
    out.push([new Date(lo), new Date(hi)]);
    lo = hi;
  }
  return out;
}

/** Stages every day's rows in a new table; returns its name. Drops it again on failure. */
async function stage(
  storage: QueryRunner,
  q: FocusQuery,
  finops: FocusFinops,
  onDay?: (done: number, total: number) => void,
): Promise<string> {
  // A fixed-shape name of hex digits: safe unquoted, and never a user's text.
  const table = `focus_export_${randomBytes(6).toString('hex')}`;
  const columns = focusColumns(q.format).map(([name, type]) => `${name} ${type}`);
  await storage.command(
    `CREATE TABLE ${table} (${columns.join(', ')}, _seq UInt64) ENGINE = MergeTree ORDER BY tuple()`,
  );
  try {
    const chunks = dayChunks(q.from, q.to);
    // One clock for the whole export: every day's rows charge the same hours as begun.
    const now = q.now ?? new Date();
    for (const [i, [from, to]] of chunks.entries()) {
      const rows = await focusRows(storage, { ...q, from, to, now }, finops);
      if (rows.length > 0) await storage.insert(table, rows);
      onDay?.(i + 1, chunks.length + 1);
    }
    return table;
  } catch (err) {
    await drop(storage, table);
    throw err;
  }
}

async function drop(storage: QueryRunner, table: string): Promise<void> {
  await storage.command(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
}

/** The staged rows in export order, as CSV or Parquet bytes. */
async function select(storage: QueryRunner, table: string, q: FocusQuery): Promise<Readable> {
  return storage.stream(
    `SELECT * EXCEPT _seq FROM ${table} ORDER BY ChargePeriodStart, _seq`,
    FOCUS_CLICKHOUSE_FORMATS[q.format],
    {},
    { settings: FOCUS_SETTINGS },
  );
}

/** The whole export as one stream (API path); the scratch table goes when the stream ends. */
export async function streamFocus(
  storage: QueryRunner,
  q: FocusQuery,
  finops: FocusFinops,
): Promise<Readable> {
  const table = await stage(storage, q, finops);
  let stream: Readable;
  try {
    stream = await select(storage, table, q);
  } catch (err) {
    await drop(storage, table);
    throw err;
  }
  let dropped = false;
  const cleanup = (): void => {
    if (dropped) return;
    dropped = true;
    void drop(storage, table);
  };
  stream.once('end', cleanup);
  stream.once('close', cleanup);
  stream.once('error', cleanup);
  return q.format === 'csv' ? escapeCsvStream(stream) : stream;
}

export interface ExportFileOptions extends FocusQuery {
  out: string;
  /** Called after each step (each day staged, then the file written) with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface ExportFileResult {
  chunks: number;
  bytes: number;
}

export async function exportFocusToFile(
  storage: QueryRunner,
  o: ExportFileOptions,
  finops: FocusFinops,
): Promise<ExportFileResult> {
  const chunks = dayChunks(o.from, o.to);
  if (chunks.length === 0) throw new Error('empty export range');
  const table = await stage(storage, o, finops, o.onProgress);
  try {
    const raw = await select(storage, table, o);
    const stream = o.format === 'csv' ? escapeCsvStream(raw) : raw;
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    await pipeline(stream, createWriteStream(o.out));
    o.onProgress?.(chunks.length + 1, chunks.length + 1);
    return { chunks: chunks.length, bytes };
  } finally {
    await drop(storage, table);
  }
}
