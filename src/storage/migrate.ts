// Versioned SQL migrations: files `sql/migrations/NNNN_name.sql` (generated from the catalog by
// `npm run sql`), applied in order, each recorded in `schema_migrations` with its checksum.
// Statements are idempotent (IF NOT EXISTS, guarded backfills) so a crash between a statement and
// its record is repaired by running again. An applied migration must never change: start-up checks
// every recorded checksum against the file and refuses to run on a mismatch.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../shared/errors.js';
import { HAND_WRITTEN_CHECKSUMS } from './catalog/history.js';
import type { QueryRunner } from './runner.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../sql/migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationVariables {
  ttl_days: number;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/** An applied migration whose file changed since (or is gone): the schema is not what it says. */
export class MigrationChecksumError extends ConfigError {}

export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql).digest('hex').slice(0, 16);
}

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: checksumOf(sql),
      };
    });
}

/** Split a migration into statements: `;` at the end of a line ends one; `--` lines are comments. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

export function renderSql(sql: string, vars: MigrationVariables): string {
  return sql.replace(/\{\{(\w+)\}\}/g, (_match, key: string) => {
    const value = (vars as unknown as Record<string, unknown>)[key];
    if (value === undefined) throw new Error(`migration variable {{${key}}} has no value`);
    return String(value);
  });
}

interface Applied {
  version: number;
  name: string;
  checksum: string;
}

/**
 * The recorded checksum matches the file, or is that of the hand-written file 0.1 shipped for the
 * same version (replaced by a generated file with the same schema).
 */
function unchanged(applied: Applied, file: Migration): boolean {
  return (
    applied.checksum === file.checksum || applied.checksum === HAND_WRITTEN_CHECKSUMS[file.version]
  );
}

function verify(applied: readonly Applied[], files: readonly Migration[], dir: string): void {
  for (const a of applied) {
    const file = files.find((f) => f.version === a.version);
    if (file === undefined) continue; // a directory with fewer migrations (an older build, a test subset)
    if (!unchanged(a, file))
      throw new MigrationChecksumError(
        `migration ${file.name} was applied with checksum ${a.checksum}, but ${join(dir, `${file.name}.sql`)} now has checksum ${file.checksum}: an applied migration must not change. Restore the file, or express the change as a new migration (CONTRIBUTING.md: change the catalog, run npm run sql).`,
      );
  }
}

export async function migrate(
  storage: QueryRunner,
  vars: MigrationVariables,
  dir: string = MIGRATIONS_DIR,
): Promise<MigrationResult> {
  await storage.command(`CREATE TABLE IF NOT EXISTS schema_migrations
      (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ReplacingMergeTree ORDER BY version`);
  const files = readMigrations(dir);
  const applied = await appliedMigrations(storage);
  verify(applied, files, dir);
  const done = new Set(applied.map((a) => a.version));
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const migration of files) {
    if (done.has(migration.version)) {
      result.alreadyApplied.push(migration.name);
      continue;
    }
    for (const statement of splitStatements(renderSql(migration.sql, vars))) {
      await storage.command(statement);
    }
    await storage.insert('schema_migrations', [
      { version: migration.version, name: migration.name, checksum: migration.checksum },
    ]);
    result.applied.push(migration.name);
  }
  return result;
}

async function appliedMigrations(storage: QueryRunner): Promise<Applied[]> {
  const rows = await storage.query<{ version: number | string; name: string; checksum: string }>(
    `SELECT version, argMax(name, applied_at) AS name, argMax(checksum, applied_at) AS checksum
      FROM schema_migrations GROUP BY version ORDER BY version`,
  );
  return rows.map((row) => ({
    version: Number(row.version),
    name: row.name,
    checksum: row.checksum,
  }));
}
