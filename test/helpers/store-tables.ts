// Table housekeeping the storage integration tests share: every MergeTree table emptied between
// tests (llm_calls and each rollup, so a test's counts are its own), and one table's row count.
import type { QueryRunner } from '../../src/storage/runner.js';

export async function truncateAll(storage: QueryRunner): Promise<void> {
  const tables = await storage.query<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'`,
  );
  for (const { name } of tables) await storage.command(`TRUNCATE TABLE ${name}`);
}

export async function countRows(storage: QueryRunner, table: string): Promise<number> {
  const [row] = await storage.query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
  return Number(row?.n);
}
