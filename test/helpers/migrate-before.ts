// Applies the shipped migrations older than `version` to a store: how a test starts from a data
// directory as an earlier release left it, then migrates the rest to see an upgrade on real rows.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MIGRATIONS_DIR,
  migrate,
  readMigrations,
  type MigrationResult,
} from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';

export async function migrateBefore(
  storage: QueryRunner,
  version: number,
  ttlDays = 400,
): Promise<MigrationResult> {
  // migrate() reads a directory, so the older files are copied into one of their own.
  const dir = mkdtempSync(join(tmpdir(), `llm-finops-before-${version}-`));
  try {
    for (const m of readMigrations().filter((x) => x.version < version))
      copyFileSync(join(MIGRATIONS_DIR, `${m.name}.sql`), join(dir, `${m.name}.sql`));
    return await migrate(storage, { ttl_days: ttlDays }, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
