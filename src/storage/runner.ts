// The QueryRunner seam: the only thing the rest of the code sees of ClickHouse. Rows come back as
// JSON objects (JSONEachRow) with Decimal and 64-bit integers quoted as strings, so money never
// passes through a JS float. Implementations: embedded chDB or a ClickHouse server (client.ts),
// and a fixed in-memory runner for unit tests of planners and routes (fixed-runner.ts).
import type { Readable } from 'node:stream';

/** Values for `{name:Type}` placeholders; nothing user-given is ever spliced into SQL text. */
export type QueryParams = Record<string, unknown>;

/** ClickHouse settings for one statement (e.g. `join_use_nulls`, `max_threads`). */
export type QuerySettings = Record<string, string | number | boolean>;

export type Row = Record<string, unknown>;

export interface QueryOptions {
  settings?: QuerySettings | undefined;
}

/**
 * Insert formats: text both engines parse (TSV with a column list is the cheapest), and
 * RowBinary, which is only ever llm_calls rows of rows-rowbinary.ts (the embedded engine takes
 * it through a file; anywhere else client.ts sends the same rows as TSV).
 */
export type InsertFormat = 'JSONEachRow' | 'TSV' | 'RowBinary';

export interface InsertOptions {
  /** ClickHouse insert deduplication token: a retried identical batch is written once. */
  dedupToken?: string | undefined;
  /** Format of a text or byte body (default JSONEachRow). */
  format?: InsertFormat | undefined;
  /** The columns of a TSV body, in order (required with TSV). */
  columns?: readonly string[] | undefined;
  /** Settings of this insert alone (e.g. a lower max_memory_usage), over the runner's own. */
  settings?: QuerySettings | undefined;
}

export interface QueryRunner {
  readonly kind: 'embedded' | 'server' | 'fixed';
  /** The database the tables live in (`default` on the embedded engine). */
  readonly database: string;
  /** The rows of a SELECT. */
  query<T = Row>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<T[]>;
  /** A statement without a result (DDL, INSERT ... SELECT, TRUNCATE). */
  command(sql: string, params?: QueryParams, options?: QueryOptions): Promise<void>;
  /**
   * Rows as objects, or a newline-delimited body (text, or UTF-8 bytes handed over without a
   * copy), appended to `table` through the fastest path the engine has.
   */
  insert(table: string, rows: InsertBody, options?: InsertOptions): Promise<void>;
  /** The bytes of a SELECT in an output format ClickHouse writes itself (CSV, Parquet), streamed. */
  stream(
    sql: string,
    format: string,
    params?: QueryParams,
    options?: QueryOptions,
  ): Promise<Readable>;
  close(): Promise<void>;
  /**
   * Whether `table` takes RowBinary rows of rows-rowbinary.ts as written: the embedded engine
   * inserting through a file, the table's types the encoder's (absent: never).
   */
  takesRowBinary?(table: string): Promise<boolean>;
}

/** A JSONEachRow body from row objects (one JSON object per line). */
/** What an insert takes: rows as objects, or a body in the insert's format as text or UTF-8. */
export type InsertBody = readonly object[] | string | Uint8Array;

/** A body as the engine takes it: text or bytes as they are, objects as JSONEachRow lines. */
export function insertBody(rows: InsertBody): string | Uint8Array {
  return rows instanceof Uint8Array ? rows : jsonEachRow(rows);
}

/** A body as text (objects as JSONEachRow lines, bytes decoded as UTF-8). */
export function jsonEachRow(rows: InsertBody): string {
  if (typeof rows === 'string') return rows;
  if (rows instanceof Uint8Array)
    return Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength).toString('utf8');
  return rows.map((row) => JSON.stringify(row)).join('\n');
}

/** Backquote an identifier (table and database names come from config, never from requests). */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
