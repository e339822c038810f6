// The embedded engine's insert through a file (storage.insert_mode: 'file'): the body written to
// a file under the data directory, then `INSERT INTO t (cols) SETTINGS ... SELECT * FROM
// file(...)`. For the same TSV bytes and settings the engine spends 0.6-0.9x the CPU a row of
// chdb's rawInsert (test/bench/ingest-formats.ts, "file() own TSV" against "rawInsert TSV"):
// rawInsert's native worker, on a libuv thread, costs about 7 µs a row on top of the engine's
// pool (chDB's InsertRawWorker under perf), while file() is read by the engine's pool alone.
// Settings go in the statement's SETTINGS clause, never as client settings: chdb's connection
// applies those with SET on its one session, so a dedup token would outlive its insert.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { quoteIdent, type InsertFormat } from './runner.js';
import { classifyStoreError } from './errors.js';
import { binaryMismatches } from './rows-rowbinary.js';

export interface FileInsertTarget {
  table: string;
  body: Uint8Array;
  /** With a column list only: file()'s structure gives every column it names a value, so the
   * columns a body leaves out would get their type's default instead of the table's DEFAULT
   * expression; the insert's column list leaves the others to the table. RowBinary bodies are
   * llm_calls rows of rows-rowbinary.ts (ask takesRowBinary first). */
  format: 'TSV' | 'RowBinary';
  columns: readonly string[];
  settings: Record<string, string | number | boolean>;
}

/** Whether an insert can go through a file: TSV or RowBinary with its column list. */
export function takesFile(format: InsertFormat, columns: readonly string[] | undefined): boolean {
  return (
    (format === 'TSV' || format === 'RowBinary') && columns !== undefined && columns.length > 0
  );
}

/** Runs one statement on the engine (the runner's command, scoped as every statement is). */
export type RunStatement = (sql: string) => Promise<void>;

/** Reads `name type` for a table's columns, in the table's order. */
export type ReadColumns = (table: string) => Promise<{ name: string; type: string }[]>;

export interface FileInserter {
  insert(target: FileInsertTarget): Promise<void>;
  /**
   * Whether `table`'s column types are the ones rows-rowbinary.ts writes: asked once a process
   * (a failed read is asked again). RowBinary is stored as written, never parsed, so a column
   * whose type changed (a migration this build does not know) must get TSV: the caller sends
   * the rows as TSV then, and `onDrift` is told once.
   */
  takesRowBinary(table: string): Promise<boolean>;
}

/** Told once when a table's types are not the RowBinary encoder's (the rows then go as TSV). */
export type OnDrift = (table: string, mismatches: string[]) => void;

const warnDrift: OnDrift = (table, mismatches) =>
  process.emitWarning(
    `${table}'s column types are not the ones the RowBinary rows are written for; inserting TSV instead (${mismatches.join('; ')})`,
  );

/**
 * Engine codes that say a statement does not fit the table's structure: THERE_IS_NO_COLUMN,
 * NOT_FOUND_COLUMN_IN_BLOCK, NO_SUCH_COLUMN_IN_TABLE, UNKNOWN_IDENTIFIER, TYPE_MISMATCH,
 * UNKNOWN_TABLE, CANNOT_CONVERT_TYPE.
 */
const STRUCTURE_CODES = new Set([8, 10, 16, 47, 53, 60, 70]);

/** Insert-file directories this process has cleared of a previous process's files. */
const cleared = new Set<string>();

/**
 * An inserter writing bodies under `<dataDir>/insert-files`. Each file is removed once its insert
 * has settled, committed or not: a failed insert is retried by the caller with the same body,
 * which is written again (a file never outlives its attempt, so a crash leaves at most the
 * files of the inserts then running, cleared at the next start).
 */
export function createFileInserter(
  dataDir: string,
  run: RunStatement,
  readColumns: ReadColumns,
  onDrift: OnDrift = warnDrift,
): FileInserter {
  const dir = join(dataDir, 'insert-files');
  // Files of inserts that were running when a previous process stopped: their rows are still
  // queued in the spool and are inserted again, with their own token. Once a process: a second
  // runner on the same data directory (libchdb shares it) must not remove the first's files.
  if (!cleared.has(dir)) rmSync(dir, { recursive: true, force: true });
  cleared.add(dir);
  mkdirSync(dir, { recursive: true });
  const structures = new Map<string, Promise<string>>();
  const structureOf = (table: string, columns: readonly string[]): Promise<string> =>
    cached(structures, `${table}\n${columns.join('\n')}`, () =>
      readColumns(table).then((all) => structureText(table, all, columns)),
    );
  const binary = new Map<string, Promise<boolean>>();
  const warned = new Set<string>();
  const takesRowBinary = (table: string): Promise<boolean> =>
    cached(binary, table, () =>
      readColumns(table).then((all) => {
        const mismatches = binaryMismatches(all);
        if (mismatches.length > 0 && !warned.has(table)) onDrift(table, mismatches);
        if (mismatches.length > 0) warned.add(table);
        return mismatches.length === 0;
      }),
    );
  // A table altered while this process runs (a column dropped, retyped): the engine refuses the
  // statement for its structure, and the next insert into the table reads its columns again.
  const forget = (table: string): void => {
    for (const key of structures.keys()) if (key.startsWith(`${table}\n`)) structures.delete(key);
    binary.delete(table);
  };
  let sequence = 0;
  const prefix = randomBytes(6).toString('hex');
  return {
    takesRowBinary,
    async insert(target) {
      const structure = await structureOf(target.table, target.columns);
      const path = join(
        dir,
        `${prefix}-${(sequence += 1)}.${target.format === 'TSV' ? 'tsv' : 'bin'}`,
      );
      try {
        // A failed write (ENOSPC) throws before the engine sees anything: the caller's retry
        // classifies it as retryable, the rows stay queued.
        await writeFile(path, target.body);
        await run(fileInsertSql(target, path, structure));
      } catch (err) {
        if (STRUCTURE_CODES.has(classifyStoreError(err).code ?? 0)) forget(target.table);
        throw err;
      } finally {
        await rm(path, { force: true });
      }
    },
  };
}

/** `cache`'s answer for `key`, computed once; a failed computation (the table not there yet) is
 * dropped, so the next caller asks again. */
function cached<T>(
  cache: Map<string, Promise<T>>,
  key: string,
  compute: () => Promise<T>,
): Promise<T> {
  let found = cache.get(key);
  if (found === undefined) {
    found = compute();
    found.catch(() => cache.delete(key));
    cache.set(key, found);
  }
  return found;
}

/** The inserter over the embedded client; `scoped` gives each statement its settings as the
 * runner's statements get them (chdb keeps a statement's settings on its session). */
export function clientFileInserter(
  dataDir: string,
  client: ClickHouseClient,
  scoped: () => Promise<Record<string, unknown> | undefined>,
  onDrift?: OnDrift,
): FileInserter {
  const settings = async (): Promise<ClickHouseSettings | undefined> =>
    (await scoped()) as ClickHouseSettings | undefined;
  return createFileInserter(
    dataDir,
    async (query) => {
      await client.command({ query, clickhouse_settings: await settings() });
    },
    async (table) => {
      const rs = await client.query({
        query: `SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position`,
        query_params: { table },
        format: 'JSONEachRow',
        clickhouse_settings: await settings(),
      });
      return rs.json<{ name: string; type: string }>();
    },
    onDrift,
  );
}

/** `name Type, ...` for the columns inserted. */
function structureText(
  table: string,
  all: { name: string; type: string }[],
  columns: readonly string[],
): string {
  if (all.length === 0) throw new Error(`table ${table} has no columns (does it exist?)`);
  const types = new Map(all.map((c) => [c.name, c.type]));
  return columns
    .map((name) => {
      const type = types.get(name);
      if (type === undefined) throw new Error(`table ${table} has no column ${name}`);
      return `${quoteIdent(name)} ${type}`;
    })
    .join(', ');
}

/** The statement: settings (the dedup token among them) in its own SETTINGS clause. */
export function fileInsertSql(target: FileInsertTarget, path: string, structure: string): string {
  const columns = ` (${target.columns.map(quoteIdent).join(', ')})`;
  const settings = Object.entries(target.settings)
    .map(([k, v]) => `${settingName(k)} = ${sqlString(String(v))}`)
    .join(', ');
  return (
    `INSERT INTO ${quoteIdent(target.table)}${columns}${settings !== '' ? ` SETTINGS ${settings}` : ''} ` +
    `SELECT * FROM file(${sqlString(path)}, ${sqlString(target.format)}, ${sqlString(structure)})`
  );
}

function settingName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`bad setting name ${name}`);
  return name;
}

/** A single-quoted SQL string literal. */
function sqlString(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}
