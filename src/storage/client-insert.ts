// How an insert's options become the engine's: the body as bytes, the format and column list,
// the settings with the deduplication token, and RowBinary bodies as TSV wherever RowBinary is
// not what the engine is sent (a server, chdb's rawInsert, a table whose types drifted).
import type { FileInserter } from './file-insert.js';
import { rowBinaryTsvBody } from './rows-rowbinary-tsv.js';
import { quoteIdent, type InsertFormat, type InsertOptions } from './runner.js';

/** A body as a Buffer: text encoded once, bytes wrapped without a copy. */
export function bodyBuffer(body: string | Uint8Array): Buffer {
  return typeof body === 'string'
    ? Buffer.from(body)
    : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export type Insert = { body: string | Uint8Array; options: InsertOptions | undefined };

/** A RowBinary insert as TSV (rows-rowbinary-tsv.ts): for a server, rawInsert, schema drift. */
export function asText(body: string | Uint8Array, options: InsertOptions | undefined): Insert {
  if (options?.format !== 'RowBinary' || typeof body === 'string') return { body, options };
  return { body: rowBinaryTsvBody(body), options: { ...options, format: 'TSV' } };
}

/** A RowBinary insert as it is where the file inserter takes it for `table`, else as TSV. */
export async function binaryOrText(
  files: FileInserter | undefined,
  table: string,
  body: string | Uint8Array,
  options: InsertOptions | undefined,
): Promise<Insert> {
  if (options?.format !== 'RowBinary') return { body, options };
  if (files !== undefined && (await files.takesRowBinary(table))) return { body, options };
  return asText(body, options);
}

export function formatOf(options: InsertOptions | undefined): InsertFormat {
  return options?.format ?? 'JSONEachRow';
}

/** ` (a, b, c)` for an insert with a column list (TSV), '' otherwise. */
export function columnList(options: InsertOptions | undefined): string {
  const columns = options?.columns;
  return columns === undefined || columns.length === 0
    ? ''
    : ` (${columns.map(quoteIdent).join(', ')})`;
}

/**
 * An insert's own settings and its deduplication token, as engine settings. The token reaches
 * the views too: an insert that failed part-way through them (llm_calls and some views already
 * committed) is retried whole, and each rollup table (migration 0045) drops the blocks it holds.
 * Without it the engine still pushes a deduplicated llm_calls block through every view (measured
 * on chDB 26.7: test/bench/insert-partial.ts), counting it twice in the views it reached.
 */
export function dedupSettings(options: InsertOptions | undefined): Record<string, string> {
  const own = Object.fromEntries(
    Object.entries(options?.settings ?? {}).map(([k, v]) => [k, String(v)]),
  );
  return options?.dedupToken !== undefined
    ? {
        insert_deduplication_token: options.dedupToken,
        deduplicate_blocks_in_dependent_materialized_views: '1',
        ...own,
      }
    : own;
}
