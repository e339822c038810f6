// Upgrading a data directory that holds calls from before the rollup migrations: the views of
// 0020-0027 only see new inserts, so the backfill migrations (0023 costs hourly, 0024 perf daily,
// 0025 perf / cache / capacity minute rollups, 0026 tenant costs, 0027 tenant perf daily) must fill
// every rollup from what is stored, once.
// Migrations run here in two steps against one real embedded store: 0001-0003, calls, the rest.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryCache } from '../../src/analytics/queries/cache.js';
import { queryLatency } from '../../src/analytics/queries/latency.js';
import { queryReliability } from '../../src/analytics/queries/reliability.js';
import { createStorage } from '../../src/storage/client.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { migrate, readMigrations, renderSql, splitStatements } from '../../src/storage/migrate.js';
import { hourStartMs } from '../helpers/clock.js';
import { migrateBefore } from '../helpers/migrate-before.js';

const HOUR = 3_600_000;
const T0 = hourStartMs() - 80 * HOUR;
let storage: QueryRunner;

function rows(): string {
  const out: string[] = [];
  for (let i = 0; i < 400; i++) {
    const at = new Date(T0 + i * 11 * 60_000 + 1_500); // ~73 hours: whole days, hours and minutes
    out.push(
      JSON.stringify({
        call_id: `u${i}`,
        trace_id: `t${i}`,
        kind: 'inference',
        status: i % 10 === 0 ? 'error' : 'ok',
        http_status: i % 10 === 0 ? 429 : 200,
        tenant: `tenant-${i % 3}`,
        route: i % 2 === 0 ? '/chat' : '/search',
        provider: 'openai',
        model: 'gpt-4o',
        deployment: i % 4 === 0 ? 'ptu-east' : 'paygo',
        capacity_tier: i % 4 === 0 ? 'provisioned' : 'on_demand',
        region: 'eastus',
        start_time: at.toISOString().replace('T', ' ').replace('Z', ''),
        duration_ms: 100 + i,
        ttft_ms: 20 + (i % 50),
        streaming: true,
        input_tokens: 1000,
        cache_read_tokens: i % 3 === 0 ? 512 : 0,
        output_tokens: 50,
        cost_total: '0.001',
        attempt: 1,
        cache_layer: i % 5 === 0 ? 'semantic' : '',
        cache_hit: i % 25 === 0,
        prompt_version: 'v1',
      }),
    );
  }
  return out.join('\n');
}

const scalar = async (sql: string): Promise<number> =>
  Number(Object.values((await storage.query<Record<string, string>>(sql))[0] ?? {})[0] ?? NaN);

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-upgrade-'));
  storage = await createStorage({ database: 'default', dataDir });
  await migrateBefore(storage, 4);
  await storage.insert('llm_calls', rows());
  const result = await migrate(storage, { ttl_days: 400 });
  expect(result.applied).toContain('0025_backfill_rollups');
});
afterAll(async () => storage.close());

describe('upgrading a data directory with calls from before the rollups', () => {
  it('fills every rollup from the stored calls', async () => {
    const providerCalls = await scalar('SELECT count() FROM llm_calls WHERE NOT cache_hit');
    expect(providerCalls).toBe(384);
    for (const table of [
      'llm_perf_1m',
      'llm_perf_1h',
      'llm_perf_1d',
      'llm_perf_tenant_1d',
      'llm_capacity_1m',
    ]) {
      expect(await scalar(`SELECT sum(attempts) FROM ${table}`), table).toBe(providerCalls);
    }
    for (const table of ['llm_cache_1m', 'llm_cache_1h'])
      expect(await scalar(`SELECT sum(rows) FROM ${table}`), table).toBe(400);
    expect(await scalar('SELECT sum(calls) FROM llm_costs_1h')).toBe(400);
  });

  it('answers from the rollups exactly what the raw table answers', async () => {
    const range = { from: new Date(T0 + 17_000), to: new Date(T0 + 74 * HOUR - 5_000) };
    const latency = {
      ...range,
      groupBy: ['route' as const],
      slos: { routes: {}, fallback: { latency_ms: 300 } },
    };
    expect(await queryLatency(storage, latency)).toEqual(
      await queryLatency(storage, { ...latency, source: 'raw' }),
    );
    const reliability = { ...range, groupBy: ['deployment' as const] };
    expect(await queryReliability(storage, reliability)).toEqual(
      await queryReliability(storage, { ...reliability, source: 'raw' }),
    );
    expect(await queryCache(storage, range)).toEqual(
      await queryCache(storage, { ...range, source: 'raw' }),
    );
    const scoped = { ...latency, tenant: 'tenant-1' };
    expect(await queryLatency(storage, { ...scoped, source: 'rollup' })).toEqual(
      await queryLatency(storage, { ...scoped, source: 'raw' }),
    );
  });

  it('adds nothing when the backfill runs again', async () => {
    const before = await scalar('SELECT sum(attempts) FROM llm_perf_1d');
    const m = readMigrations().find((x) => x.name === '0025_backfill_rollups');
    for (const stmt of splitStatements(renderSql(m?.sql ?? '', { ttl_days: 400 })))
      await storage.command(stmt);
    expect(await scalar('SELECT sum(attempts) FROM llm_perf_1d')).toBe(before);
    expect(await scalar('SELECT sum(rows) FROM llm_cache_1h')).toBe(400);
    const tenantDaily = readMigrations().find((x) => x.name === '0027_perf_tenant_daily');
    const insert = splitStatements(renderSql(tenantDaily?.sql ?? '', { ttl_days: 400 })).find(
      (st) => st.startsWith('INSERT'),
    );
    await storage.command(insert ?? '');
    expect(await scalar('SELECT sum(attempts) FROM llm_perf_tenant_1d')).toBe(384);
  });
});
