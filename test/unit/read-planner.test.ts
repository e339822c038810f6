// The read planner without an engine: which family answers which question, how a range is cut
// into whole days / hours / minutes plus raw edges, what SQL it sends, and (through the fixed
// in-memory runner) what the questions built on it make of the rows they get back.
import { describe, expect, it } from 'vitest';
import { queryCosts } from '../../src/analytics/queries/costs.js';
import { queryLatency } from '../../src/analytics/queries/latency.js';
import { bucketOf } from '../../src/analytics/queries/stats-histogram.js';
import { PERF_DIMENSIONS } from '../../src/analytics/queries/stats-source.js';
import { COST_DIMENSIONS } from '../../src/analytics/queries/costs.js';
import { CACHE_READ_DIMS } from '../../src/analytics/queries/cache.js';
import { COST_MEASURES } from '../../src/storage/catalog/measures.js';
import { createFixedRunner } from '../../src/storage/fixed-runner.js';
import { StoreQueryError } from '../../src/storage/runner-errors.js';
import { chooseFamily, planRead, type Read } from '../../src/storage/planner/plan.js';
import { readMany } from '../../src/storage/planner/read.js';
import { readSql } from '../../src/storage/planner/sql.js';
import {
  RAW_TENANT_CALLS,
  SIZE_ESTIMATE_TTL_MS,
  configurePlanner,
  estimateTenantCalls,
  tenantCallsTable,
  tenantSizeSql,
  tenantThresholds,
  weighTenants,
} from '../../src/storage/planner/tenant-size.js';
import { parseConfig } from '../../src/shared/config.js';

const t = (iso: string): Date => new Date(iso);
const read = (over: Partial<Read>): Read => ({
  subject: 'perf',
  from: t('2026-01-01T22:10:30Z'),
  to: t('2026-01-04T02:20:15Z'),
  dims: ['route'],
  measures: ['attempts'],
  ...over,
});
/** [table or raw, from, to] per segment. */
const segments = (r: Read): [string, string, string][] =>
  planRead(r).segments.map((s) => [
    s.table?.name ?? 'raw',
    new Date(s.fromMs).toISOString().slice(0, 19),
    new Date(s.toMs).toISOString().slice(0, 19),
  ]);

describe('family choice', () => {
  it('picks the family with the fewest dimensions that covers group-by and filters', () => {
    expect(chooseFamily(read({}))?.name).toBe('perf');
    expect(chooseFamily(read({ filters: { tenant: 'acme' } }))?.name).toBe('perf_tenant');
    expect(chooseFamily(read({ subject: 'calls', measures: COST_MEASURES }))?.name).toBe('costs');
    expect(
      chooseFamily(read({ subject: 'calls', measures: COST_MEASURES, dims: ['tenant'] }))?.name,
    ).toBe('costs_per_tenant');
    // Among equally small families the one with the coarser tables wins (days over minutes).
    expect(
      chooseFamily(
        read({ subject: 'calls', measures: ['calls'], dims: ['route'], filters: { tenant: 't' } }),
      )?.name,
    ).toBe('costs_tenant');
    // The minute family that kept the dashboards' duration sum and latency digests was retired
    // (0039 the digests, 0041 the table), so no family covers them: such a read is computed from llm_calls.
    expect(chooseFamily(read({ subject: 'calls', measures: ['duration_ms_sum'] }))).toBeUndefined();
    expect(chooseFamily(read({ subject: 'calls', measures: ['ttft_q'] }))).toBeUndefined();
  });

  it('reads llm_calls when no family covers the question, or when asked to', () => {
    expect(chooseFamily(read({ dims: ['service'] }))).toBeUndefined();
    expect(
      chooseFamily(read({ subject: 'cache', dims: ['feature'], filters: { tenant: 'acme' } })),
    ).toBeUndefined();
    expect(chooseFamily(read({ source: 'raw' }))).toBeUndefined();
    expect(segments(read({ dims: ['service'] }))).toEqual([
      ['raw', '2026-01-01T22:10:30', '2026-01-04T02:20:15'],
    ]);
  });

  it('covers every group-by the API offers with a rollup family', () => {
    for (const d of PERF_DIMENSIONS) expect(chooseFamily(read({ dims: [d] })), d).toBeDefined();
    for (const d of COST_DIMENSIONS)
      expect(
        chooseFamily(read({ subject: 'calls', measures: COST_MEASURES, dims: [d] })),
        d,
      ).toBeDefined();
    expect(
      chooseFamily(read({ subject: 'cache', measures: ['rows'], dims: CACHE_READ_DIMS })),
    ).toBeDefined();
  });
});

describe('time cut', () => {
  it('reads whole days, then hours, then minutes, and the seconds at the edges raw', () => {
    expect(segments(read({}))).toEqual([
      ['raw', '2026-01-01T22:10:30', '2026-01-01T22:11:00'],
      ['llm_perf_1m', '2026-01-01T22:11:00', '2026-01-01T23:00:00'],
      ['llm_perf_1h', '2026-01-01T23:00:00', '2026-01-02T00:00:00'],
      ['llm_perf_1d', '2026-01-02T00:00:00', '2026-01-04T00:00:00'],
      ['llm_perf_1h', '2026-01-04T00:00:00', '2026-01-04T02:00:00'],
      ['llm_perf_1m', '2026-01-04T02:00:00', '2026-01-04T02:20:00'],
      ['raw', '2026-01-04T02:20:00', '2026-01-04T02:20:15'],
    ]);
    expect(
      segments(read({ from: t('2026-01-01T00:10:30Z'), to: t('2026-01-01T03:20:15Z') })).map(
        (s) => s[0],
      ),
    ).toEqual(['raw', 'llm_perf_1m', 'llm_perf_1h', 'llm_perf_1m', 'raw']);
  });

  it('reads the partial hours of a family without minutes raw (cost)', () => {
    const cost = read({ subject: 'calls', measures: COST_MEASURES, dims: ['tenant', 'route'] });
    expect(segments(cost)).toEqual([
      ['raw', '2026-01-01T22:10:30', '2026-01-01T23:00:00'],
      ['llm_costs_tenant_1h', '2026-01-01T23:00:00', '2026-01-02T00:00:00'],
      ['llm_costs_tenant_1d', '2026-01-02T00:00:00', '2026-01-04T00:00:00'],
      ['llm_costs_tenant_1h', '2026-01-04T00:00:00', '2026-01-04T02:00:00'],
      ['raw', '2026-01-04T02:00:00', '2026-01-04T02:20:15'],
    ]);
    // Hourly buckets cannot be cut from days; an unscoped question has no daily table.
    expect(segments({ ...cost, bucket: 'hour' }).map((s) => s[0])).toEqual([
      'raw',
      'llm_costs_tenant_1h',
      'raw',
    ]);
    expect(segments({ ...cost, dims: ['route'] }).map((s) => s[0])).toEqual([
      'raw',
      'llm_costs_1h',
      'raw',
    ]);
  });

  it('answers cost per tenant from the time-first per-tenant family, not the wide tenant family', () => {
    const perTenant = read({ subject: 'calls', measures: COST_MEASURES, dims: ['tenant'] });
    expect(segments(perTenant).map((s) => s[0])).toEqual([
      'raw',
      'llm_costs_per_tenant_1h',
      'llm_costs_per_tenant_1d',
      'llm_costs_per_tenant_1h',
      'raw',
    ]);
    const billable = { ...perTenant, dims: [], filters: { kind: ['inference', 'embeddings'] } };
    expect(chooseFamily(billable)?.name).toBe('costs_per_tenant');
    expect(chooseFamily({ ...billable, filters: { tenant: 'acme' } })?.name).toBe(
      'costs_per_tenant',
    );
  });

  it('answers tenant-scoped cache and capacity questions from their tenant families', () => {
    const cache = read({ subject: 'cache', measures: ['rows', 'hits'], dims: ['route'] });
    expect(chooseFamily(cache)?.name).toBe('cache');
    expect(chooseFamily({ ...cache, filters: { tenant: 'acme' } })?.name).toBe('cache_tenant');
    expect(segments({ ...cache, filters: { tenant: 'acme' } }).map((s) => s[0])).toEqual([
      'raw',
      'llm_cache_tenant_1h',
      'llm_cache_tenant_1d',
      'llm_cache_tenant_1h',
      'raw',
    ]);
    const capacity = read({
      subject: 'capacity',
      measures: ['attempts', 'input_tokens'],
      dims: ['deployment', 'fallback_from'],
      bucket: 'minute',
    });
    expect(chooseFamily(capacity)?.name).toBe('capacity');
    expect(chooseFamily({ ...capacity, filters: { tenant: 'acme' } })?.name).toBe(
      'capacity_tenant_deployment',
    );
  });

  it('reads whole days of a tenant scope from the tenant daily family, the partial days raw', () => {
    expect(segments(read({ filters: { tenant: 'acme' } }))).toEqual([
      ['raw', '2026-01-01T22:10:30', '2026-01-02T00:00:00'],
      ['llm_perf_tenant_1d', '2026-01-02T00:00:00', '2026-01-04T00:00:00'],
      ['raw', '2026-01-04T00:00:00', '2026-01-04T02:20:15'],
    ]);
    const sameDay = read({
      filters: { tenant: 'acme' },
      from: t('2026-01-01T02:10:30Z'),
      to: t('2026-01-01T23:20:15Z'),
    });
    expect(segments(sameDay).map((s) => s[0])).toEqual(['raw']);
  });

  it('covers [from, to) exactly, without gaps or overlaps, for any edges', () => {
    for (const [from, to] of [
      ['2026-01-01T00:00:01.250Z', '2026-01-03T05:59:59.999Z'],
      ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'],
      ['2026-02-28T23:59:59.999Z', '2026-03-01T00:00:00.001Z'],
    ] as const) {
      const segs = planRead(read({ from: t(from), to: t(to) })).segments;
      expect(segs[0]?.fromMs).toBe(t(from).getTime());
      expect(segs.at(-1)?.toMs).toBe(t(to).getTime());
      for (let i = 1; i < segs.length; i++) expect(segs[i]?.fromMs).toBe(segs[i - 1]?.toMs);
    }
    expect(
      segments(read({ from: t('2026-01-01T00:00:01Z'), to: t('2026-01-01T00:00:50Z') })),
    ).toEqual([['raw', '2026-01-01T00:00:01', '2026-01-01T00:00:50']]);
    expect(
      planRead(read({ from: t('2026-01-01T00:00:00Z'), to: t('2026-01-01T00:00:00Z') })).segments,
    ).toEqual([]);
  });
});

describe('read SQL', () => {
  it('binds filter values as parameters and applies the subject filter to raw segments only', () => {
    const hostile = "acme' OR 1=1 --";
    const { sql, params } = readSql(read({ filters: { tenant: hostile, route: ['/a', '/b'] } }));
    expect(sql).not.toContain(hostile);
    expect(params).toEqual({ f_tenant: hostile, f_route: ['/a', '/b'] });
    expect(sql).toContain('tenant = {f_tenant:String}');
    expect(sql).toContain('route IN {f_route:Array(String)}');
    const parts = sql.split('UNION ALL');
    // Both raw edges in one SELECT of llm_calls, their time ranges ORed.
    const raw = parts.filter((p) => p.includes('FROM llm_calls'));
    expect(raw).toHaveLength(1);
    expect(raw[0]?.match(/start_time >= /g)).toHaveLength(2);
    expect(raw[0]).toContain(') OR (');
    for (const p of parts) expect(p.includes('NOT cache_hit')).toBe(p.includes('FROM llm_calls'));
  });

  it("states llm_calls' range on its sort key's hour too (from's hour to past to's)", () => {
    const { sql } = readSql(
      read({
        from: t('2026-01-01T22:10:30Z'),
        to: t('2026-01-04T02:20:15Z'),
        filters: { tenant: 'x' },
        source: 'raw',
      }),
    );
    const s = (iso: string) => Date.parse(iso) / 1000;
    expect(sql).toContain(
      `toStartOfHour(start_time) >= toDateTime(${s('2026-01-01T22:00:00Z')}, 'UTC') AND toStartOfHour(start_time) < toDateTime(${s('2026-01-04T03:00:00Z')}, 'UTC')`,
    );
    // Without a tenant the hour cannot narrow llm_calls' key (tenant first): not stated.
    expect(readSql(read({ source: 'raw' })).sql).not.toContain('toStartOfHour(start_time) >=');
    // A range ending on the hour stops at that hour.
    const onHour = readSql(
      read({
        from: t('2026-01-01T22:00:00Z'),
        to: t('2026-01-01T23:00:00Z'),
        filters: { tenant: 'x' },
        source: 'raw',
      }),
    );
    expect(onHour.sql).toContain(
      `toStartOfHour(start_time) < toDateTime(${s('2026-01-01T23:00:00Z')}, 'UTC')`,
    );
  });

  it('refuses names that are not catalog dimensions or measures', () => {
    expect(() => readSql(read({ dims: ['route; DROP TABLE llm_calls'] }))).toThrow(
      /not a dimension/,
    );
    expect(() => readSql(read({ filters: { 'x = 1 OR 1': 'y' } }))).toThrow(/not a dimension/);
    expect(() => readSql(read({ measures: ['nope'] }))).toThrow(/no measure nope/);
  });

  it('answers an empty range with one row of zeros when nothing is grouped', () => {
    const { sql } = readSql(
      read({ dims: [], from: t('2026-01-01T00:00:00Z'), to: t('2026-01-01T00:00:00Z') }),
    );
    expect(sql).toContain('FROM llm_calls WHERE 0');
  });
});

describe('questions on the fixed runner', () => {
  it('sends several windows as one query and hands each its rows; skips an empty window', async () => {
    const runner = createFixedRunner([
      {
        match: 'read_index',
        rows: [
          { read_index: 1, route: '/b', attempts: '2' },
          { read_index: 0, route: '/a', attempts: '5' },
        ],
      },
    ]);
    const empty = read({ from: t('2026-01-01T00:00:00Z'), to: t('2026-01-01T00:00:00Z') });
    const scoped = read({ filters: { tenant: 'x' }, source: 'rollup' });
    const out = await readMany(runner, [read({}), scoped, empty]);
    expect(out).toEqual([[{ route: '/a', attempts: '5' }], [{ route: '/b', attempts: '2' }], []]);
    expect(runner.calls).toHaveLength(1);
    expect(runner.calls[0]?.params).toEqual({ r1_f_tenant: 'x' });
    expect(await readMany(runner, [empty])).toEqual([[]]);
    expect(runner.calls).toHaveLength(1);
  });

  it('latency merges the rows it gets into quantiles and goodput against the route SLO', async () => {
    const h = (values: number[]): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const v of values) out[bucketOf(v)] = (out[bucketOf(v)] ?? 0) + 1;
      return out;
    };
    const runner = createFixedRunner([
      {
        match: /FROM llm_perf_1d/,
        rows: [
          {
            read_index: 0,
            route: '/chat',
            provider: 'openai',
            attempts: '6',
            ok_calls: '5',
            errors: '1',
            duration_h: h([100, 200, 300, 400, 2000]),
            ttft_h: {},
            itl_h: {},
            tps_h: {},
          },
          {
            read_index: 0,
            route: '/search',
            provider: 'openai',
            attempts: '4',
            ok_calls: '4',
            errors: '0',
            duration_h: h([50, 60, 70, 80]),
            ttft_h: {},
            itl_h: {},
            tps_h: {},
          },
        ],
      },
    ]);
    const rows = await queryLatency(runner, {
      from: t('2026-01-01T00:00:00Z'),
      to: t('2026-01-03T00:00:00Z'),
      groupBy: ['provider'],
      slos: { routes: { '/chat': { latency_ms: 1000 } }, fallback: { latency_ms: 60 } },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ provider: 'openai', calls: 10, ok_calls: 9, errors: 1 });
    // /chat: 4 of 6 within 1000 ms; /search: 50 and 60 within 60 ms (60 straddles its bucket).
    expect(rows[0]?.good_calls).toBeGreaterThanOrEqual(5);
    expect(rows[0]?.good_calls).toBeLessThanOrEqual(6.01);
    expect(rows[0]?.latency_ms.count).toBe(9);
    const sent = runner.calls[0]?.sql ?? '';
    expect(sent).toMatch(/FROM llm_perf_1d WHERE day >= toDateTime\(1767225600, 'UTC'\)/);
    expect(sent).not.toContain('llm_perf_1h');
  });

  it('costs read the tenant rollups for a tenant scope and keep money as exact text', async () => {
    const runner = createFixedRunner([
      {
        match: 'llm_costs_tenant_1d',
        rows: [
          {
            route: '/a',
            calls: '3',
            input_tokens: '30',
            cost_usd: '0.100000000000000000',
            list_cost_usd: '0.2',
            unpriced_calls: '0',
          },
        ],
      },
    ]);
    // Every tenant from the rollups: no size estimate (a small tenant would be read raw).
    configurePlanner(runner, { rawTenantCalls: 0 });
    const rows = await queryCosts(runner, {
      from: t('2026-01-01T00:00:00Z'),
      to: t('2026-01-03T00:00:00Z'),
      groupBy: ['route'],
      tenant: 'acme',
    });
    expect(rows).toEqual([
      {
        route: '/a',
        calls: 3,
        input_tokens: 30,
        cache_read_tokens: 0,
        cache_creation_tokens: 0,
        output_tokens: 0,
        reasoning_tokens: 0,
        cost_usd: '0.1',
        billed_cost_usd: '0.1',
        effective_cost_usd: '0.1',
        list_cost_usd: '0.2',
        unpriced_calls: 0,
        usage_incomplete_calls: 0,
      },
    ]);
    expect(runner.calls[0]?.params).toEqual({
      f_kind: ['inference', 'embeddings'],
      f_tenant: 'acme',
    });
  });

  it('surfaces a store error as the typed error the runner threw', async () => {
    const runner = createFixedRunner([]);
    await expect(
      queryCosts(runner, {
        from: t('2026-01-01T00:00:00Z'),
        to: t('2026-01-02T00:00:00Z'),
        groupBy: [],
      }),
    ).rejects.toBeInstanceOf(StoreQueryError);
  });
});

describe('tenant size', () => {
  const sizeAnswer = (calls: Record<string, number>) => ({
    match: 'llm_costs_per_tenant_1d',
    rows: (_sql: string, params: Record<string, unknown>) => [
      Object.fromEntries(
        Object.keys(params)
          .filter((k) => /^t\d+$/.test(k))
          .map((k) => [`r${k.slice(1)}`, calls[String(params[k])] ?? 0]),
      ),
    ],
  });
  const rowsAnswer = { match: 'read_index', rows: [] };
  const tablesOf = (sql: string): string[] =>
    [...new Set(sql.match(/FROM (llm_\w+)/g) ?? [])].map((m) => m.slice(5)).sort();

  it('reads a small tenant raw and a large one from the tenant rollups, in one size query', async () => {
    const runner = createFixedRunner([
      sizeAnswer({ small: RAW_TENANT_CALLS.perf - 1, large: RAW_TENANT_CALLS.perf }),
      rowsAnswer,
    ]);
    await readMany(runner, [
      read({ filters: { tenant: 'small' } }),
      read({ filters: { tenant: 'large' } }),
      read({}),
    ]);
    expect(runner.calls).toHaveLength(2);
    expect(runner.calls[0]?.params).toMatchObject({ t0: 'small', t1: 'large' });
    expect(runner.calls[0]?.params).not.toHaveProperty('t2');
    const parts = runner.calls[1]!.sql.split('read_index').slice(1);
    expect(tablesOf(parts[0]!)).toEqual(['llm_calls']);
    expect(tablesOf(parts[1]!)).toEqual(['llm_calls', 'llm_perf_tenant_1d']);
    expect(tablesOf(parts[2]!)).toEqual(['llm_calls', 'llm_perf_1d', 'llm_perf_1h', 'llm_perf_1m']);
  });

  it('does not weigh a read whose source is given, a tenant list, capacity, or under two days', async () => {
    const runner = createFixedRunner([sizeAnswer({}), rowsAnswer]);
    const reads = [
      read({ filters: { tenant: 'x' }, to: t('2026-01-03T22:10:29Z') }),
      read({ filters: { tenant: 'x' }, source: 'rollup' }),
      read({ filters: { tenant: 'x' }, source: 'raw' }),
      read({ filters: { tenant: ['x', 'y'] } }),
      read({ subject: 'capacity', filters: { tenant: 'x' } }),
    ];
    expect(await estimateTenantCalls(runner, reads)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(await weighTenants(runner, reads)).toEqual(reads);
    expect(runner.calls).toHaveLength(0);
  });

  it('weighs each day by its share inside the range', () => {
    const q = tenantSizeSql(
      [
        read({
          from: t('2026-01-01T18:00:00Z'),
          to: t('2026-01-03T18:00:00Z'),
          filters: { tenant: 'x' },
        }),
      ],
      tenantCallsTable()!,
    );
    expect(q?.sql).toContain('llm_costs_per_tenant_1d');
    expect(q?.sql).toContain(
      `day >= toDateTime(${Date.parse('2026-01-01T00:00:00Z') / 1000}, 'UTC')`,
    );
    expect(q?.params).toEqual({ t0: 'x', tenants: ['x'] });
  });

  it('reads a tenant-scoped query by the tenant key, not the time-ordered projection', async () => {
    const runner = createFixedRunner([
      sizeAnswer({ a: 1e9 }),
      rowsAnswer,
      { match: 'FROM', rows: [] },
    ]);
    const scoped = read({ filters: { tenant: 'a' } });
    await readMany(runner, [scoped, { ...scoped, from: scoped.to, to: t('2026-01-09T00:00:00Z') }]);
    expect(runner.calls.at(-1)?.settings).toEqual({ optimize_use_projections: 0 });
    await readMany(runner, [read({})]);
    expect(runner.calls.at(-1)?.settings).toBeUndefined();
    await readMany(runner, [scoped, read({})]);
    expect(runner.calls.at(-1)?.settings).toBeUndefined();
  });

  it("weighs with the store's storage.planner.raw_tenant_calls, capacity never", async () => {
    const config = parseConfig({ storage: { planner: { raw_tenant_calls: 1_000 } } });
    expect(config.storage.planner.raw_tenant_calls).toBe(1_000);
    expect(parseConfig({}).storage.planner.raw_tenant_calls).toBe(RAW_TENANT_CALLS.perf);
    expect(() => parseConfig({ storage: { planner: { raw_tenant_calls: -1 } } })).toThrow(
      'storage.planner.raw_tenant_calls',
    );
    const reads = [read({ filters: { tenant: 'a' } }), read({ filters: { tenant: 'b' } })];
    const runner = createFixedRunner([sizeAnswer({ a: 999, b: 1_000 })]);
    configurePlanner(runner, { rawTenantCalls: config.storage.planner.raw_tenant_calls });
    expect((await weighTenants(runner, reads)).map((r) => r.source)).toEqual(['raw', undefined]);
    // Another store keeps the default: both tenants are small there.
    const other = createFixedRunner([sizeAnswer({ a: 999, b: 1_000 })]);
    expect((await weighTenants(other, reads)).map((r) => r.source)).toEqual(['raw', 'raw']);
    expect(tenantThresholds(runner)).toEqual({
      calls: 1_000,
      perf: 1_000,
      cache: 1_000,
      capacity: 0,
    });
    // 0: every tenant from the rollups, without the estimate query.
    const never = createFixedRunner([]);
    configurePlanner(never, { rawTenantCalls: 0 });
    expect(await weighTenants(never, reads)).toEqual(reads);
    expect(never.calls).toHaveLength(0);
  });

  it("reuses a tenant's estimate for the same hours on the same store for a minute", async () => {
    const runner = createFixedRunner([sizeAnswer({ a: 10, b: 20 })]);
    const sizes = () => runner.calls.filter((c) => c.sql.includes('llm_costs_per_tenant_1d'));
    const a = read({ filters: { tenant: 'a' } });
    expect(await estimateTenantCalls(runner, [a])).toEqual([10]);
    // An API call's `now` a few seconds later: the same hours, no second query.
    const later = { ...a, to: new Date(a.to.getTime() + 5_000) };
    expect(await estimateTenantCalls(runner, [later])).toEqual([10]);
    expect(sizes()).toHaveLength(1);
    // Only the tenant not known yet is asked, under its own column.
    const b = read({ filters: { tenant: 'b' } });
    expect(await estimateTenantCalls(runner, [a, b])).toEqual([10, 20]);
    expect(sizes()).toHaveLength(2);
    expect(sizes()[1]?.params).toEqual({ t1: 'b', tenants: ['b'] });
    // Another hour, another store, or past SIZE_ESTIMATE_TTL_MS: asked again.
    await estimateTenantCalls(runner, [{ ...a, to: new Date(a.to.getTime() + 3_600_000) }]);
    expect(sizes()).toHaveLength(3);
    const other = createFixedRunner([sizeAnswer({ a: 10 })]);
    await estimateTenantCalls(other, [a]);
    expect(other.calls).toHaveLength(1);
    const realNow = Date.now;
    Date.now = () => realNow() + SIZE_ESTIMATE_TTL_MS;
    try {
      await estimateTenantCalls(runner, [a]);
    } finally {
      Date.now = realNow;
    }
    expect(sizes()).toHaveLength(4);
  });

  it('keeps the rollups on a store without the estimate table; other errors surface', async () => {
    const missing = new StoreQueryError('no table', 'query', '60', 'UNKNOWN_TABLE');
    const runner = createFixedRunner([{ match: 'llm_costs_per_tenant_1d', error: missing }]);
    const scoped = read({ filters: { tenant: 'x' } });
    expect(await weighTenants(runner, [scoped])).toEqual([scoped]);
    const broken = createFixedRunner([
      { match: 'llm_costs_per_tenant_1d', error: new StoreQueryError('bad', 'query', '43', 'X') },
    ]);
    await expect(weighTenants(broken, [scoped])).rejects.toThrow('bad');
  });
});
