// Versioned SQL migrations: files `sql/migrations/NNNN_name.sql`, applied in order, each recorded
// in `schema_migrations` with its checksum. Statements are idempotent (IF NOT EXISTS) so a crash
// between a statement and its record is repaired by running again.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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

export function readMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((file) => /^\d{4}_[\w-]+\.sql$/.test(file))
    .sort()
    .map((file) => {
      const sql = readFileSync(`${dir}/${file}`, 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
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

export async function migrate(
  storage: QueryRunner,
  vars: MigrationVariables,
  dir?: string,
): Promise<MigrationResult> {
  await storage.command(`CREATE TABLE IF NOT EXISTS schema_migrations
      (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ReplacingMergeTree ORDER BY version`);
  const done = await appliedVersions(storage);
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const migration of readMigrations(dir)) {
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

async function appliedVersions(storage: QueryRunner): Promise<Set<number>> {
  const rows = await storage.query<{ version: number | string }>(
    'SELECT DISTINCT version FROM schema_migrations',
  );
  return new Set(rows.map((row) => Number(row.version)));
}
