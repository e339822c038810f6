// /v1/costs weighs a tenant scope as the performance questions do (planner/tenant-size.ts): a tenant
// under storage.planner.raw_tenant_calls is read from llm_calls by its tenant-first key, a larger
// one from the cost rollups; both plans must give the same rows, digit for digit. Real chDB, rows
// from the benchmark generator (the views fill the rollups as inserts do), ragged edges.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryCosts, type CostQuery } from '../../src/analytics/queries/costs.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { configurePlanner } from '../../src/storage/planner/tenant-size.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { generateSql } from '../bench/analytics-gen.js';
import { hourStartMs } from '../helpers/clock.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END = hourStartMs();
// 40k calls over 30 days across 500 skewed tenants: t0 holds a few thousand.
const TOTAL = 40_000;
const FROM = new Date(END - 9 * DAY - 5 * HOUR + 17_300);
const TO = new Date(END - 3 * HOUR - 42_100);

let dir: string;
let storage: QueryRunner;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'costs-tenant-weigh-'));
  storage = await createStorage({ database: 'default', dataDir: dir });
  await migrate(storage, { ttl_days: 400 });
  await storage.command(generateSql(0, TOTAL, TOTAL, END));
}, 120_000);

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The store with every query's SQL recorded (its own planner settings: a new runner object). */
function recording(): { runner: QueryRunner; sql: string[] } {
  const sql: string[] = [];
  const runner: QueryRunner = {
    ...storage,
    query: (text, params, options) => {
      sql.push(text);
      return storage.query(text, params, options);
    },
  };
  return { runner, sql };
}

describe('tenant-scoped costs weigh the tenant', () => {
  it('reads a small tenant raw and a large one from the rollups, with the same rows', async () => {
    const queries: CostQuery[] = [
      { from: FROM, to: TO, groupBy: ['route'], tenant: 't0' },
      { from: FROM, to: TO, groupBy: ['model'], tenant: 't0', bucket: 'day' },
      { from: FROM, to: TO, groupBy: ['feature'], tenant: 't250', top: 3 },
    ];
    for (const q of queries) {
      const small = recording(); // default threshold: 150,000 calls, every tenant here is small
      const raw = await queryCosts(small.runner, q);
      const reads = small.sql.filter((s) => s.includes('sum(cost_total)'));
      expect(reads.length, JSON.stringify(q)).toBeGreaterThan(0);
      for (const s of reads) expect(s).not.toMatch(/FROM llm_costs/);
      const large = recording();
      configurePlanner(large.runner, { rawTenantCalls: 1 });
      const rolled = await queryCosts(large.runner, q);
      expect(large.sql.some((s) => /FROM llm_costs_(tenant|per_tenant)_1[hd]/.test(s))).toBe(true);
      expect(raw.length).toBeGreaterThan(0);
      expect(rolled).toEqual(raw);
    }
  });

  it('does not weigh an unscoped question or one under two days', async () => {
    const unscoped = recording();
    await queryCosts(unscoped.runner, { from: FROM, to: TO, groupBy: ['tenant'] });
    expect(unscoped.sql.some((s) => s.includes('llm_costs_per_tenant_1d'))).toBe(true);
    expect(unscoped.sql.filter((s) => s.includes('sumIf(toFloat64(calls)'))).toHaveLength(0);
    const short = recording();
    const from = new Date(TO.getTime() - DAY);
    await queryCosts(short.runner, { from, to: TO, groupBy: ['route'], tenant: 't0' });
    expect(short.sql.filter((s) => s.includes('sumIf(toFloat64(calls)'))).toHaveLength(0);
    // From the tenant's cost rollups: its hours, or (when the window ends just before midnight) the
    // whole day less the seconds after its end, read from llm_calls (the planner's complement).
    expect(short.sql.some((s) => /FROM llm_costs_tenant_1[hd]\b/.test(s))).toBe(true);
  });
});
