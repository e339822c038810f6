// The tenant rollup families (cost per tenant, tenant-scoped cache and capacity) on real chDB: the
// planner must pick them, and their answers must equal the same question asked of llm_calls only.
// Rows come from the benchmark generator (INSERT ... SELECT FROM numbers() inside the engine), so
// the materialized views fill every rollup exactly as production inserts do; the windows have
// ragged edges, so whole days, whole hours or minutes and raw edges all take part.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryCacheRegressions } from '../../src/analytics/queries/cache-regressions.js';
import { queryCache } from '../../src/analytics/queries/cache.js';
import {
  queryCapacity,
  queryCapacityRecommendation,
  type CapacityTarget,
} from '../../src/analytics/queries/capacity.js';
import { queryCosts } from '../../src/analytics/queries/costs.js';
import { trailingWindows } from '../../src/analytics/queries/drift.js';
import { BILLABLE_KINDS, COST_MEASURES } from '../../src/storage/catalog/measures.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import { planRead, type Read } from '../../src/storage/planner/plan.js';
import { readRows } from '../../src/storage/planner/read.js';
import type { QueryRunner, Row } from '../../src/storage/runner.js';
import { generateSql } from '../bench/analytics-gen.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const END = Math.floor(Date.now() / HOUR) * HOUR;
// 60k calls over 30 days: ~80 a hour across 500 skewed tenants.
const TOTAL = 60_000;
const FROM = new Date(END - 9 * DAY - 5 * HOUR + 17_300);
const TO = new Date(END - 3 * HOUR - 42_100);
const TENANT = 't0';

let dir: string;
let storage: QueryRunner;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollups-tenant-'));
  storage = await createStorage({ database: 'default', dataDir: dir });
  await migrate(storage, { ttl_days: 400 });
  await storage.command(generateSql(0, TOTAL, TOTAL, END));
}, 120_000);

afterAll(async () => {
  await storage?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Rows sorted by their dimensions, measures as text (Decimal sums stay exact). */
function canonical(rows: Row[]): string[] {
  return rows.map((r) => JSON.stringify(Object.entries(r).sort())).sort();
}

async function sameAsRaw(read: Read, family: string, tables: string[]): Promise<Row[]> {
  const plan = planRead(read);
  expect(plan.family?.name).toBe(family);
  expect([...new Set(plan.segments.flatMap((s) => s.table?.name ?? []))].sort()).toEqual(tables);
  const fast = await readRows(storage, read);
  const raw = await readRows(storage, { ...read, source: 'raw' });
  expect(fast.length).toBeGreaterThan(0);
  expect(canonical(fast)).toEqual(canonical(raw));
  return fast;
}

describe('tenant rollup families equal llm_calls', () => {
  it('cost per tenant reads the time-first per-tenant family', async () => {
    const read: Read = {
      subject: 'calls',
      from: FROM,
      to: TO,
      dims: ['tenant'],
      measures: COST_MEASURES,
      filters: { kind: BILLABLE_KINDS },
    };
    const rows = await sameAsRaw(read, 'costs_per_tenant', [
      'llm_costs_per_tenant_1d',
      'llm_costs_per_tenant_1h',
    ]);
    expect(rows.length).toBeGreaterThan(100);
    const total = await readRows(storage, { ...read, dims: [], filters: { tenant: TENANT } });
    expect(canonical(total)).toEqual(
      canonical(
        await readRows(storage, { ...read, dims: [], filters: { tenant: TENANT }, source: 'raw' }),
      ),
    );
  });

  it('queryCosts group_by=tenant equals the same sums over llm_calls', async () => {
    const api = await queryCosts(storage, { from: FROM, to: TO, groupBy: ['tenant'] });
    const raw = await storage.query<{ tenant: string; calls: string; cost_usd: string }>(
      `SELECT tenant, count() AS calls, toString(sum(cost_total)) AS cost_usd FROM llm_calls
       WHERE start_time >= fromUnixTimestamp64Milli(${FROM.getTime()}, 'UTC')
         AND start_time < fromUnixTimestamp64Milli(${TO.getTime()}, 'UTC') AND kind IN ('inference', 'embeddings')
       GROUP BY tenant`,
    );
    const byTenant = new Map(raw.map((r) => [r.tenant, r]));
    expect(api.length).toBe(raw.length);
    for (const row of api) {
      const r = byTenant.get(String(row.tenant));
      expect(Number(row.calls), String(row.tenant)).toBe(Number(r?.calls));
      expect(Number(row.cost_usd), String(row.tenant)).toBeCloseTo(Number(r?.cost_usd), 12);
    }
  });

  it('tenant-scoped cache reads the tenant cache family', async () => {
    await sameAsRaw(
      {
        subject: 'cache',
        from: FROM,
        to: TO,
        dims: ['route', 'cache_layer', 'model', 'prompt_version'],
        measures: ['rows', 'hits', 'prompt_calls', 'read_calls', 'prompt_tokens', 'read_tokens'],
        filters: { tenant: TENANT },
      },
      'cache_tenant',
      ['llm_cache_tenant_1d', 'llm_cache_tenant_1h'],
    );
    const fast = await queryCache(storage, { from: FROM, to: TO, tenant: TENANT });
    const raw = await queryCache(storage, { from: FROM, to: TO, tenant: TENANT, source: 'raw' });
    expect(fast).toEqual(raw);
    const windows = trailingWindows(new Date(END - 3 * HOUR), HOUR, DAY);
    const config = { alpha: 0.01, min_samples: 1, min_drop_pct_points: 0 };
    const scope = { ...windows, config, tenant: TENANT };
    expect(await queryCacheRegressions(storage, scope)).toEqual(
      await queryCacheRegressions(storage, { ...scope, source: 'raw' }),
    );
  });

  it('tenant-scoped capacity reads the tenant capacity family', async () => {
    await sameAsRaw(
      {
        subject: 'capacity',
        from: FROM,
        to: TO,
        dims: ['deployment', 'fallback_from'],
        measures: ['attempts', 'ok_calls', 'input_tokens', 'output_tokens'],
        bucket: 'minute',
        filters: { tenant: TENANT },
      },
      'capacity_tenant',
      ['llm_capacity_tenant_1m'],
    );
    const targets: CapacityTarget[] = [
      {
        deployment: 'dep-0',
        units: 10,
        unitCapacity: 5_000,
        weights: { input: 1, cached_input: 0, cache_write: 1, output: 4 },
      },
    ];
    const q = { from: FROM, to: TO, targets, tenant: TENANT };
    const fast = await queryCapacity(storage, q);
    expect(fast).toEqual(await queryCapacity(storage, { ...q, source: 'raw' }));
    expect(JSON.stringify(fast)).toContain('dep-0');
  });
});

describe('capacity through the planner equals llm_calls', () => {
  // dep-0 is provisioned and the generator spills calls of dep-2..7 back to it; dep-1 is
  // provisioned without spill. dep-0 twice with other weights: each target converts with its own.
  const target = (deployment: string, output: number): CapacityTarget => ({
    deployment,
    units: 10,
    unitCapacity: 5_000,
    weights: { input: 1, cached_input: 0, cache_write: 1, output },
    sizing: {
      pricePerConvertedToken: 0.0000025,
      terms: { hourly: 0.01, '1-month': 0.004 },
      minUnits: 1,
      increment: 1,
    },
  });
  const targets = [target('dep-0', 4), target('dep-1', 4), target('dep-0', 2)];

  it('unscoped and tenant-scoped capacity and recommendation answer as the raw read does', async () => {
    for (const tenant of [undefined, TENANT]) {
      const q = { from: FROM, to: TO, targets, tenant };
      const fast = await queryCapacity(storage, q);
      expect(fast).toEqual(await queryCapacity(storage, { ...q, source: 'raw' }));
      const [dep0, , dep0Light] = fast;
      expect(dep0?.spilled_calls, String(tenant)).toBeGreaterThan(0);
      expect(dep0?.served_calls).toBe(dep0Light?.served_calls);
      expect(dep0?.demand_tpm.mean).toBeGreaterThan(dep0Light?.demand_tpm.mean ?? Infinity);
      const rec = await queryCapacityRecommendation(storage, q);
      expect(rec).toEqual(await queryCapacityRecommendation(storage, { ...q, source: 'raw' }));
      expect(rec[0]?.demand_total_converted_tokens).toBeGreaterThan(0);
    }
  });
});
