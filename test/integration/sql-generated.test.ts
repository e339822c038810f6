// The generated migrations on the real engine: they create exactly the schema the hand-written 0.1
// files created (kept as fixtures in test/fixtures/sql-0.1), a data directory migrated by 0.1
// upgrades without re-running anything, a changed applied migration stops start-up with a message
// naming it, and every cluster statement parses.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage } from '../../src/storage/client.js';
import {
  MIGRATIONS_DIR,
  MigrationChecksumError,
  migrate,
  readMigrations,
  renderSql,
  splitStatements,
} from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { SQL_DIR } from '../../src/storage/sqlgen/write.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SHIPPED = fileURLToPath(new URL('../fixtures/sql-0.1/', import.meta.url));
const VARS = { ttl_days: 400 };
/** The last migration 0.1 shipped; later ones change the schema on purpose. */
const SHIPPED_LAST = 31;
const later = readMigrations()
  .filter((m) => m.version > SHIPPED_LAST)
  .map((m) => m.name);

/** The generated migrations up to what 0.1 shipped, in a directory of their own. */
function generatedAsShipped(): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-finops-as-shipped-'));
  for (const m of readMigrations().filter((x) => x.version <= SHIPPED_LAST))
    copyFileSync(join(MIGRATIONS_DIR, `${m.name}.sql`), join(dir, `${m.name}.sql`));
  return dir;
}
const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-generated-'));
let storage: QueryRunner;

const schema = async (): Promise<Record<string, string>> =>
  Object.fromEntries(
    (
      await storage.query<{ name: string; q: string }>(
        `SELECT name, create_table_query AS q FROM system.tables
          WHERE database = currentDatabase() AND name != 'schema_migrations' ORDER BY name`,
      )
    ).map((r) => [r.name, r.q]),
  );

async function dropAll(): Promise<void> {
  const names = Object.keys(await schema());
  for (const n of names.filter((x) => x.endsWith('_mv'))) await storage.command(`DROP VIEW ${n}`);
  for (const n of names.filter((x) => !x.endsWith('_mv'))) await storage.command(`DROP TABLE ${n}`);
  await storage.command('DROP TABLE schema_migrations');
}

const calls = Array.from({ length: 50 }, (_, i) => ({
  call_id: `g${i}`,
  kind: 'inference',
  status: i % 7 === 0 ? 'error' : 'ok',
  tenant: `t${i % 2}`,
  route: '/chat',
  deployment: 'ptu',
  start_time: new Date(Date.now() - i * 600_000).toISOString(),
  duration_ms: 100 + i,
  input_tokens: 10,
  cost_total: '0.000000000000000001',
  cache_hit: i % 10 === 0,
}));

beforeAll(async () => {
  storage = await createStorage({ database: 'default', dataDir });
});
afterAll(async () => storage.close());

describe('generated migrations', () => {
  let shipped: Record<string, string>;

  it('upgrade a data directory the hand-written 0.1 files migrated without re-running anything', async () => {
    const first = await migrate(storage, VARS, SHIPPED);
    expect(first.applied).toHaveLength(13);
    shipped = await schema();
    await storage.insert('llm_calls', calls);
    const again = await migrate(storage, VARS);
    // Nothing 0.1 applied runs again; only the migrations added since then do.
    expect([again.applied, again.alreadyApplied.length]).toEqual([later, 13]);
    const [row] = await storage.query<{ perf: string; costs: string }>(
      `SELECT (SELECT sum(attempts) FROM llm_perf_tenant_1d) AS perf,
        (SELECT sum(calls) FROM llm_costs_tenant_1d) AS costs`,
    );
    expect(row).toEqual({ perf: '45', costs: '50' });
  });

  it('create exactly the schema the hand-written 0.1 files created', async () => {
    await dropAll();
    expect((await migrate(storage, VARS, generatedAsShipped())).applied).toHaveLength(13);
    const generated = await schema();
    expect(Object.keys(generated)).toHaveLength(27);
    expect(generated).toEqual(shipped);
  });

  it('refuse to run when an applied migration changed, naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-finops-edited-'));
    for (const f of readdirSync(MIGRATIONS_DIR))
      copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
    const file = join(dir, '0021_cache_rollups.sql');
    writeFileSync(file, readFileSync(file, 'utf8').replace('countIf(cache_hit)', 'count()'));
    const err = await migrate(storage, VARS, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationChecksumError);
    expect((err as Error).message).toMatch(
      /migration 0021_cache_rollups was applied with checksum/,
    );
    // A recorded checksum that matches neither the file nor the 0.1 file is refused as well.
    await storage.insert('schema_migrations', [
      { version: 20, name: '0020_perf_rollups', checksum: '0123456789abcdef' },
    ]);
    await expect(migrate(storage, VARS)).rejects.toThrow(/0020_perf_rollups .*must not change/);
  });

  it('stop `llm-finops start` with that message and exit code 2', async () => {
    await storage.close();
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin/llm-finops.js'),
        'start',
        '--data-dir',
        dataDir,
        '--otlp-port',
        '0',
        '--otlp-grpc-port',
        '0',
        '--api-port',
        '0',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LOG_LEVEL: 'error' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /llm-finops: migration 0020_perf_rollups was applied with checksum 0123456789abcdef/,
    );
    storage = await createStorage({ database: 'default', dataDir });
  }, 60_000);

  it('cluster statements parse with the ClickHouse parser', async () => {
    const dir = join(SQL_DIR, 'cluster');
    let n = 0;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')))
      for (const stmt of splitStatements(renderSql(readFileSync(join(dir, file), 'utf8'), VARS))) {
        const ast = await storage.query<unknown>(`EXPLAIN AST ${stmt}`);
        expect(JSON.stringify(ast), `${file}: ${stmt.slice(0, 60)}`).toMatch(
          /CreateQuery|InsertQuery|AlterQuery|TruncateQuery|DropQuery/,
        );
        n += 1;
      }
    expect(n).toBeGreaterThan(40);
  });
});
