// The dead-letter directory (`<data_dir>/dead-letter/`): rows the store refused on their own,
// each with the reason the engine gave, kept so that nothing acknowledged is silently lost and so
// an operator can re-insert them after a fix (`llm-finops dead-letter list | replay`).
//
// One JSON Lines file per refusal batch (`<table>-<time>-<random>.jsonl`), written once and
// fsynced before the spool may forget the rows; the writer never reopens a file, so `replay`
// can rewrite or delete files while a collector keeps adding new ones.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { quoteIdent, type QueryRunner } from '../storage/runner.js';
import { describeStoreError } from '../storage/errors.js';
import { Committer, type RefusedRow } from './committer.js';
import { dayPartition, monthPartition, type QueuedRow } from './insert-plan.js';

export interface DeadLetterEntry {
  table: string;
  /** When the row was set aside (ISO-8601). */
  at: string;
  /** What the store said, e.g. `CANNOT_PARSE_DATETIME (41): Cannot read DateTime ...`. */
  reason: string;
  code?: number;
  name?: string;
  /** The row's id (call_id, or outcome_id for outcomes). */
  id: string;
  /** Spool record the row came from (0: none). */
  seq: number;
  row: Record<string, unknown>;
}

export interface DeadLetterFile {
  file: string;
  entries: DeadLetterEntry[];
  /** Lines that are not entries (e.g. a hand edit gone wrong): kept, never replayed. */
  unreadable: string[];
}

interface TableShape {
  id: string;
  time: string;
  partition: (ns: bigint) => string;
}

/** What replay needs to know about each table the writer inserts into. */
const TABLES: Readonly<Record<string, TableShape>> = {
  llm_calls: { id: 'call_id', time: 'start_time', partition: monthPartition },
  llm_call_content: { id: 'call_id', time: 'start_time', partition: dayPartition },
  outcomes: { id: 'outcome_id', time: 'time', partition: monthPartition },
};

/** Write refused rows durably (file and directory fsynced); returns the file's path. */
export async function writeDeadLetters(
  dir: string,
  table: string,
  refused: RefusedRow[],
  at: Date,
): Promise<string> {
  const idColumn = TABLES[table]?.id ?? 'id';
  const lines = refused.map(({ row, error }) => {
    const parsed = JSON.parse(row.line) as Record<string, unknown>;
    const entry: DeadLetterEntry = {
      table,
      at: at.toISOString(),
      reason: describeStoreError(error),
      ...(error.code !== undefined ? { code: error.code } : {}),
      ...(error.name !== undefined ? { name: error.name } : {}),
      id: String(parsed[idColumn] ?? row.id),
      seq: row.seq,
      row: parsed,
    };
    return JSON.stringify(entry);
  });
  await mkdir(dir, { recursive: true });
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  const file = join(dir, `${table}-${stamp}-${randomBytes(4).toString('hex')}.jsonl`);
  await writeDurably(file, `${lines.join('\n')}\n`);
  return file;
}

/** Every dead-letter file, oldest first. */
export function readDeadLetters(dir: string): DeadLetterFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((file) => parseFile(file, readFileSync(join(dir, file), 'utf8')));
}

function parseFile(file: string, text: string): DeadLetterFile {
  const entries: DeadLetterEntry[] = [];
  const unreadable: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as DeadLetterEntry;
      if (typeof entry.table === 'string' && typeof entry.row === 'object' && entry.row !== null)
        entries.push(entry);
      else unreadable.push(line);
    } catch {
      unreadable.push(line);
    }
  }
  return { file, entries, unreadable };
}

/** Human-readable listing: one line per file, one per row under it. */
export function formatDeadLetters(files: DeadLetterFile[]): string {
  if (files.length === 0) return 'no dead-lettered rows\n';
  const out: string[] = [];
  let rows = 0;
  for (const f of files) {
    out.push(`${f.file}  ${f.entries.length} row(s)`);
    for (const e of f.entries) {
      const tenant = typeof e.row.tenant === 'string' ? e.row.tenant : '';
      out.push(`  ${e.at}  ${e.table}  ${e.id}  tenant=${JSON.stringify(tenant)}  ${e.reason}`);
    }
    if (f.unreadable.length > 0) out.push(`  (${f.unreadable.length} unreadable line(s) kept)`);
    rows += f.entries.length;
  }
  out.push(`${rows} row(s) in ${files.length} file(s)`);
  return `${out.join('\n')}\n`;
}

export interface ReplayOptions {
  maxPartitions: number;
  batchRows: number;
  /** Only this file (a name from `list`). */
  file?: string;
  now?: () => Date;
}

export interface ReplaySummary {
  files: number;
  /** Rows inserted now. */
  replayed: number;
  /** Rows already in the store (an earlier replay, or a retry that got through): dropped. */
  alreadyStored: number;
  /** Rows the store refuses again: kept, with the new reason. */
  stillRefused: number;
}

/**
 * Re-insert dead-lettered rows. Idempotent: rows already stored are skipped (and inserts carry
 * a deduplication token); a file is rewritten to hold only what the store still refuses, or
 * removed. A store that is down fails the command (StoreUnavailableError) and removes nothing.
 */
export async function replayDeadLetters(
  storage: QueryRunner,
  dir: string,
  options: ReplayOptions,
): Promise<ReplaySummary> {
  const summary: ReplaySummary = { files: 0, replayed: 0, alreadyStored: 0, stillRefused: 0 };
  const committer = new Committer(storage, {
    maxPartitions: options.maxPartitions,
    maxRows: options.batchRows,
    backoff: { baseMs: 200, maxMs: 5_000 },
    maxAttempts: 5,
  });
  const now = options.now ?? (() => new Date());
  for (const f of readDeadLetters(dir)) {
    if (options.file !== undefined && f.file !== options.file) continue;
    summary.files += 1;
    const kept: string[] = [...f.unreadable];
    for (const [table, entries] of groupByTable(f.entries)) {
      const shape = TABLES[table];
      if (shape === undefined) {
        kept.push(...entries.map((e) => JSON.stringify(e)));
        continue;
      }
      const stored = await existingIds(storage, table, shape.id, entries);
      const pending = entries.filter((e) => !stored.has(e.id));
      summary.alreadyStored += entries.length - pending.length;
      const result = await committer.commit(
        table,
        pending.map((e) => queued(e, shape)),
      );
      summary.replayed += result.committed.length;
      summary.stillRefused += result.refused.length;
      const byId = new Map(pending.map((e) => [e.id, e]));
      for (const { row, error } of result.refused) {
        const entry = byId.get(row.id);
        if (entry === undefined) continue;
        kept.push(
          JSON.stringify({ ...entry, at: now().toISOString(), reason: describeStoreError(error) }),
        );
      }
    }
    const path = join(dir, f.file);
    if (kept.length === 0) await rm(path, { force: true });
    else await replaceDurably(path, `${kept.join('\n')}\n`);
  }
  return summary;
}

function groupByTable(entries: DeadLetterEntry[]): Map<string, DeadLetterEntry[]> {
  const groups = new Map<string, DeadLetterEntry[]>();
  for (const e of entries) {
    const group = groups.get(e.table);
    if (group === undefined) groups.set(e.table, [e]);
    else group.push(e);
  }
  return groups;
}

function queued(entry: DeadLetterEntry, shape: TableShape): QueuedRow {
  const time = String(entry.row[shape.time] ?? '');
  const seconds = /^-?\d+/.exec(time)?.[0];
  return {
    id: entry.id,
    line: JSON.stringify(entry.row),
    seq: 0,
    partition:
      seconds !== undefined ? shape.partition(BigInt(seconds) * 1_000_000_000n) : 'invalid',
  };
}

async function existingIds(
  storage: QueryRunner,
  table: string,
  idColumn: string,
  entries: DeadLetterEntry[],
): Promise<Set<string>> {
  const found = new Set<string>();
  const ids = [...new Set(entries.map((e) => e.id))];
  for (let i = 0; i < ids.length; i += 10_000) {
    const rows = await storage.query<{ id: string }>(
      `SELECT ${quoteIdent(idColumn)} AS id FROM ${quoteIdent(table)} WHERE ${quoteIdent(idColumn)} IN {ids:Array(String)}`,
      { ids: ids.slice(i, i + 10_000) },
    );
    for (const row of rows) found.add(row.id);
  }
  return found;
}

async function writeDurably(path: string, text: string): Promise<void> {
  await writeSynced(path, text);
  await syncDir(dirname(path));
}

/** Write a sibling, fsync it, rename it over `path`: a crash leaves the old or the new file. */
async function replaceDurably(path: string, text: string): Promise<void> {
  await writeSynced(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
  await syncDir(dirname(path));
}

async function writeSynced(path: string, text: string): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // some filesystems refuse fsync on a directory; the file itself is synced
  }
}
