// Writes a FOCUS export: streamed straight from ClickHouse for the API, or chunked by UTC day
// into a file for the CLI (so a progress bar can advance). ClickHouse writes the CSV and the
// Parquet bytes itself (`FORMAT CSVWithNames` / `FORMAT Parquet`); no JS encoder is involved.
// CSV passes through the formula-injection guard (csv-escape.ts); Parquet is typed and is not.
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FinopsConfig } from '../../shared/config-finops.js';
import { quoteIdent, type QueryRunner } from '../../storage/runner.js';
import { CsvFormulaEscaper, escapeCsvStream } from './csv-escape.js';
import {
  FOCUS_CLICKHOUSE_FORMATS,
  FOCUS_SETTINGS,
  buildFocusSql,
  type FocusQuery,
} from '../queries/focus.js';

const DAY_MS = 86_400_000;
const ORDER =
  "ChargePeriodStart, x_ChargeId, indexOf(['input', 'cached_input', 'cache_write', 'output'], x_TokenType)";

/** The whole export as one stream (API path). */
export async function streamFocus(
  storage: QueryRunner,
  q: FocusQuery,
  focus: FinopsConfig['focus'],
): Promise<Readable> {
  const { sql, params } = buildFocusSql(q, focus);
  const stream = await storage.stream(sql, FOCUS_CLICKHOUSE_FORMATS[q.format], params, {
    settings: FOCUS_SETTINGS,
  });
  return q.format === 'csv' ? escapeCsvStream(stream) : stream;
}

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

export interface ExportFileOptions extends FocusQuery {
  out: string;
  /** Called after each step with (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface ExportFileResult {
  chunks: number;
  bytes: number;
}

/** CSV: each day appended to the file (header once). Parquet: days staged in a table, then one file. */
export async function exportFocusToFile(
  storage: QueryRunner,
  o: ExportFileOptions,
  focus: FinopsConfig['focus'],
): Promise<ExportFileResult> {
  const chunks = dayChunks(o.from, o.to);
  return o.format === 'csv'
    ? exportCsv(storage, o, focus, chunks)
    : exportParquet(storage, o, focus, chunks);
}

async function exportCsv(
  storage: QueryRunner,
  o: ExportFileOptions,
  focus: FinopsConfig['focus'],
  chunks: [Date, Date][],
): Promise<ExportFileResult> {
  const file = createWriteStream(o.out);
  let bytes = 0;
  try {
    for (const [i, [from, to]] of chunks.entries()) {
      const escaper = new CsvFormulaEscaper();
      const { sql, params } = buildFocusSql({ ...o, from, to }, focus);
      const stream = await storage.stream(sql, i === 0 ? 'CSVWithNames' : 'CSV', params, {
        settings: FOCUS_SETTINGS,
      });
      for await (const raw of stream) {
        const chunk = escaper.escape(raw as Buffer);
        bytes += chunk.length;
        if (!file.write(chunk)) await new Promise((resolve) => file.once('drain', resolve));
      }
      o.onProgress?.(i + 1, chunks.length);
    }
  } finally {
    await new Promise<void>((resolve, reject) =>
      file.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
  return { chunks: chunks.length, bytes };
}

async function exportParquet(
  storage: QueryRunner,
  o: ExportFileOptions,
  focus: FinopsConfig['focus'],
  chunks: [Date, Date][],
): Promise<ExportFileResult> {
  const table = quoteIdent(`focus_export_${randomBytes(6).toString('hex')}`);
  const total = chunks.length + 1;
  try {
    for (const [i, [from, to]] of chunks.entries()) {
      const { sql, params } = buildFocusSql({ ...o, from, to }, focus);
      const statement =
        i === 0
          ? `CREATE TABLE ${table} ENGINE = MergeTree ORDER BY tuple() AS ${sql}`
          : `INSERT INTO ${table} ${sql}`;
      await storage.command(statement, params);
      o.onProgress?.(i + 1, total);
    }
    if (chunks.length === 0) throw new Error('empty export range');
    const stream = await storage.stream(
      `SELECT * FROM ${table} ORDER BY ${ORDER}`,
      'Parquet',
      {},
      {
        settings: FOCUS_SETTINGS,
      },
    );
    let bytes = 0;
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    await pipeline(stream, createWriteStream(o.out));
    o.onProgress?.(total, total);
    return { chunks: chunks.length, bytes };
  } finally {
    await storage.command(`DROP TABLE IF EXISTS ${table}`);
  }
}
