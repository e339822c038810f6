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
import { readMany, readRows } from '../../src/storage/planner/read.js';
import {
  RAW_TENANT_CALLS,
  estimateTenantCalls,
  weighTenants,
} from '../../src/storage/planner/tenant-size.js';
import type { QueryRunner, Row } from '../../src/storage/runner.js';
import { generateSql } from '../bench/analytics-gen.js';
import { canonicalRows } from '../helpers/canonical.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// Midnight UTC today: the edges below then always hold whole hours (an END at the current hour
// left none at 03:00-05:59 UTC, and the plan read no hour table).
const END = Math.floor(Date.now() / DAY) * DAY;
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

async function sameAsRaw(read: Read, family: string, tables: string[]): Promise<Row[]> {
  const plan = planRead(read);
  expect(plan.family?.name).toBe(family);
  expect([...new Set(plan.segments.flatMap((s) => s.table?.name ?? []))].sort()).toEqual(tables);
  const fast = await readRows(storage, { ...read, source: 'rollup' });
  const raw = await readRows(storage, { ...read, source: 'raw' });
  expect(fast.length).toBeGreaterThan(0);
  expect(canonicalRows(fast)).toEqual(canonicalRows(raw));
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
    const scoped = { ...read, dims: [], filters: { tenant: TENANT } };
    const total = await readRows(storage, { ...scoped, source: 'rollup' });
    expect(canonicalRows(total)).toEqual(
      canonicalRows(await readRows(storage, { ...scoped, source: 'raw' })),
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
    const fast = await queryCache(storage, {
      from: FROM,
      to: TO,
      tenant: TENANT,
      source: 'rollup',
    });
    const raw = await queryCache(storage, { from: FROM, to: TO, tenant: TENANT, source: 'raw' });
    expect(fast).toEqual(raw);
    const windows = trailingWindows(new Date(END - 3 * HOUR), HOUR, DAY);
    const config = { alpha: 0.01, min_samples: 1, min_drop_pct_points: 0 };
    const scope = { ...windows, config, tenant: TENANT };
    expect(await queryCacheRegressions(storage, { ...scope, source: 'rollup' })).toEqual(
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
      'capacity_tenant_deployment',
      ['llm_capacity_tenant_dep_1m'],
    );
    // Capacity's own reads filter the asked deployments (served) or what spilled off them: the
    // family keyed tenant, deployment, fallback_from answers both, as llm_calls does.
    for (const dim of ['deployment', 'fallback_from'])
      await sameAsRaw(
        {
          subject: 'capacity',
          from: FROM,
          to: TO,
          dims: [dim],
          measures: ['attempts', 'ok_calls', 'rate_limited', 'input_tokens', 'output_tokens'],
          bucket: 'minute',
          filters: { tenant: TENANT, [dim]: ['dep-0', 'dep-1'] },
        },
        'capacity_tenant_deployment',
        ['llm_capacity_tenant_dep_1m'],
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

  it("dep-0's demand quantiles equal the calls' own per-minute served + spilled tokens", async () => {
    // Computed here from llm_calls' rows, minute by minute in time order, so a series whose
    // served and spilled parts were paired out of minute order (or sorted apart) fails.
    const first = Math.floor(FROM.getTime() / 60_000);
    const minutes = Math.ceil(TO.getTime() / 60_000) - first;
    const calls = await storage.query<Record<string, number | string>>(
      `SELECT intDiv(toUnixTimestamp(start_time), 60) AS minute, deployment, fallback_from,
         input_tokens AS i, cache_read_tokens AS cr, cache_creation_tokens AS cw, output_tokens AS o
       FROM llm_calls WHERE kind IN {kinds:Array(String)} AND NOT cache_hit AND status = 'ok'
         AND (deployment = 'dep-0' OR fallback_from = 'dep-0')
         AND start_time >= fromUnixTimestamp64Milli({from:Int64})
         AND start_time < fromUnixTimestamp64Milli({to:Int64})`,
      { kinds: [...BILLABLE_KINDS], from: first * 60_000, to: (first + minutes) * 60_000 },
    );
    const sums = Array.from({ length: minutes }, () => ({
      served: [0, 0, 0, 0],
      spilled: [0, 0, 0, 0],
    }));
    for (const c of calls) {
      const m = sums[Number(c.minute) - first]!;
      const side = c.deployment === 'dep-0' ? m.served : m.spilled;
      [c.i, c.cr, c.cw, c.o].forEach((v, k) => (side[k]! += Number(v)));
    }
    const convert = ([i, cr, cw, o]: number[]) => Math.max(0, i! - cr! - cw!) + cw! + 4 * o!;
    const demand = sums.map((m) => convert(m.served) + convert(m.spilled)).sort((a, b) => a - b);
    const at = (q: number) => demand[Math.floor(q * (minutes - 1))];
    const [dep0] = await queryCapacity(storage, { from: FROM, to: TO, targets });
    // ~20 % of the minutes have calls of dep-0 at this size: p90 and above are not zeros.
    expect(demand.filter((d) => d > 0).length).toBeGreaterThan(minutes / 10);
    const total = demand.reduce((a, b) => a + b, 0);
    const d = dep0?.demand_tpm;
    expect([dep0?.minutes, d?.p90, d?.p99, d?.peak, d?.mean]).toEqual([
      minutes,
      at(0.9),
      at(0.99),
      demand[minutes - 1],
      Math.round((total / minutes) * 1000) / 1000,
    ]);
  });
});

describe('tenant size on real chDB', () => {
  const count = async (tenant: string, from: Date, to: Date): Promise<number> => {
    const [row] = await storage.query<{ n: string }>(
      `SELECT count() AS n FROM llm_calls WHERE tenant = {tenant:String}
         AND start_time >= fromUnixTimestamp64Milli(${from.getTime()}, 'UTC')
         AND start_time < fromUnixTimestamp64Milli(${to.getTime()}, 'UTC')`,
      { tenant },
    );
    return Number(row?.n);
  };
  const perf = (tenant: string, from: Date, to: Date): Read => ({
    subject: 'perf',
    from,
    to,
    dims: ['route'],
    measures: ['attempts', 'ok_calls', 'duration_h'],
    filters: { tenant },
  });

  it("reads a tenant's raw calls by their hours without losing any at the range's edges", async () => {
    // The planner adds toStartOfHour(start_time) bounds to a tenant-scoped llm_calls read; a count
    // through it must equal the plain count for ranges on, just inside and just past the hour.
    const hour = Math.floor((END - 2 * DAY) / HOUR) * HOUR;
    const ranges: [number, number][] = [
      [hour, hour + HOUR],
      [hour - 1, hour + HOUR + 1],
      [hour + 1, hour + HOUR - 1],
      [hour - 3 * HOUR + 17_300, hour + 5 * HOUR - 42_100],
    ];
    for (const [from, to] of ranges) {
      const read: Read = {
        ...perf(TENANT, new Date(from), new Date(to)),
        dims: [],
        measures: ['attempts'],
        source: 'raw',
      };
      const [row] = await readRows(storage, read);
      // perf counts provider calls: billable kinds, not app-cache hits.
      const [n] = await storage.query<{ n: string }>(
        `SELECT count() AS n FROM llm_calls WHERE tenant = {tenant:String}
           AND kind IN ('inference', 'embeddings') AND NOT cache_hit
           AND start_time >= fromUnixTimestamp64Milli(${from}, 'UTC')
           AND start_time < fromUnixTimestamp64Milli(${to}, 'UTC')`,
        { tenant: TENANT },
      );
      const plain = Number(n?.n);
      expect(plain).toBeGreaterThan(0);
      expect(Number(row?.attempts), `${from}-${to}`).toBe(plain);
    }
  });

  it("estimates a tenant's calls exactly over whole days and by the day's share otherwise", async () => {
    const days = [new Date(END - 9 * DAY), new Date(END - 2 * DAY)];
    const dayFrom = new Date(Math.floor(days[0]!.getTime() / DAY) * DAY);
    const dayTo = new Date(Math.floor(days[1]!.getTime() / DAY) * DAY);
    const [t0, t250, ragged] = await estimateTenantCalls(storage, [
      perf('t0', dayFrom, dayTo),
      perf('t250', dayFrom, dayTo),
      perf('t0', FROM, TO),
    ]);
    expect(t0).toBeCloseTo(await count('t0', dayFrom, dayTo), 6);
    expect(t250).toBeCloseTo(await count('t250', dayFrom, dayTo), 6);
    expect(t0).toBeGreaterThan(t250! * 5);
    const exact = await count('t0', FROM, TO);
    expect(Math.abs(ragged! - exact) / exact).toBeLessThan(0.1);
  });

  it('reads the smaller tenant raw and the larger from the rollups, with the same answers', async () => {
    const reads = [perf('t250', FROM, TO), perf('t0', FROM, TO)];
    const [small, large] = await estimateTenantCalls(storage, reads);
    // A threshold between the two tenants (the default is sized for production volumes).
    const threshold = { ...RAW_TENANT_CALLS, perf: (small! + large!) / 2 };
    const weighed = await weighTenants(storage, reads, threshold);
    expect(weighed.map((r) => r.source)).toEqual(['raw', undefined]);
    const [fast] = await readMany(storage, [reads[1]!]);
    expect(canonicalRows(fast!)).toEqual(
      canonicalRows((await readMany(storage, [{ ...reads[1]!, source: 'raw' }]))[0]!),
    );
    // At the default threshold both tenants of 60k calls are small: auto answers as raw does.
    expect((await weighTenants(storage, reads)).map((r) => r.source)).toEqual(['raw', 'raw']);
    const auto = await readMany(storage, reads);
    const raw = await readMany(
      storage,
      reads.map((r) => ({ ...r, source: 'raw' as const })),
    );
    expect(auto.map(canonicalRows)).toEqual(raw.map(canonicalRows));
    expect(auto[1]!.length).toBeGreaterThan(5);
  });
});
