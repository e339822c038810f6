// storage.ttl_days against the admission window and against ClickHouse's TTL arithmetic, through
// the real config path (the CLI in a child process) and the real engine: a pair that would let
// acknowledged rows be deleted by the TTL is a start-up error naming both keys; a TTL past what
// DateTime can represent (which wraps to 1970 and deletes rows at the next merge) is refused.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxTtlDays } from '../../src/shared/config-storage.js';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { runCli, startCli, type CliResult } from '../helpers/cli.js';

const tmp = (prefix: string): string => mkdtempSync(join(tmpdir(), `llm-finops-${prefix}-`));

async function startWith(config: string): Promise<{ result: CliResult; dataDir: string }> {
  const dir = tmp('ttl');
  const dataDir = join(dir, 'data');
  writeFileSync(join(dir, 'config.yaml'), config);
  const result = await runCli([
    'start',
    '--config',
    join(dir, 'config.yaml'),
    '--data-dir',
    dataDir,
    '--otlp-port',
    '0',
    '--api-port',
    '0',
  ]);
  return { result, dataDir };
}

describe('storage.ttl_days start-up checks', () => {
  it('refuses an admission window longer than the TTL, naming both keys', async () => {
    const { result, dataDir } = await startWith('storage: { ttl_days: 30 }\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /collector\.admission\.max_age_days: 400 must be at most storage\.ttl_days \(30\)/,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a TTL that would wrap past 2106, saying the largest it accepts', async () => {
    const { result, dataDir } = await startWith(
      'storage: { ttl_days: 40000 }\ncollector: { admission: { max_age_days: 400 } }\n',
    );
    expect(result.code).toBe(2);
    const max = maxTtlDays(Date.now(), 1);
    const said = /storage\.ttl_days: 40000 is past .* at most (\d+)/.exec(result.stderr);
    expect(said).not.toBeNull();
    // The process computed it moments ago; a day boundary may sit in between.
    expect(Math.abs(Number(said?.[1]) - max)).toBeLessThanOrEqual(1);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('starts with a TTL equal to the admission window', async () => {
    const dir = tmp('ttl-ok');
    writeFileSync(
      join(dir, 'config.yaml'),
      'storage: { ttl_days: 30 }\ncollector: { admission: { max_age_days: 30 } }\n',
    );
    const cli = await startCli([
      '--config',
      join(dir, 'config.yaml'),
      '--data-dir',
      join(dir, 'data'),
      '--otlp-port',
      '0',
      '--otlp-grpc-port',
      '0',
      '--api-port',
      '0',
    ]);
    expect(await cli.stop()).toBe(0);
  });
});

describe('the TTL bound is where the engine wraps', () => {
  let storage: QueryRunner;
  beforeAll(async () => {
    storage = await createStorage({ database: 'default', dataDir: tmp('ttl-chdb') });
  });
  afterAll(async () => {
    await storage.close();
  });

  /** Rows left after a merge in a table with the catalog's TTL expression and `days`. */
  async function survivors(table: string, days: number): Promise<number> {
    await storage.command(
      `CREATE TABLE ${table} (start_time DateTime64(6, 'UTC'), v UInt8) ENGINE = MergeTree
        ORDER BY start_time TTL toDateTime(start_time) + toIntervalDay(${days})`,
    );
    // The latest row admission lets in: one day ahead (max_future_days 1).
    await storage.insert(
      table,
      JSON.stringify({ start_time: ((Date.now() + 86_400_000) / 1000).toFixed(3), v: 1 }),
    );
    await storage.command(`OPTIMIZE TABLE ${table} FINAL`);
    const rows = await storage.query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
    return Number(rows[0]?.n);
  }

  it('keeps the latest admissible row at the largest accepted TTL, deletes it two days past', async () => {
    const max = maxTtlDays(Date.now(), 1);
    expect(await survivors('ttl_at_max', max)).toBe(1);
    expect(await survivors('ttl_past_max', max + 2)).toBe(0);
  });
});
