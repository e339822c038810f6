// THE rollup catalog: every rollup family, defined once. A family is one subject's measures kept
// per dimension set at one or more grains; the single-node and cluster DDL, the materialized
// views and the backfills in sql/ are generated from it (`npm run sql`), and the read planner
// picks the smallest family that covers a question. A rollup pays only when it holds far fewer
// rows than the calls it covers: keep families by dimension set (a few dimensions at hour or day
// grain), not every dimension at once. CONTRIBUTING.md shows how to add a family, a dimension or
// a measure.
import { CACHE, CALLS, CAPACITY, COST_MEASURES, PERF } from './measures.js';
import type { Family } from './types.js';

/** The cost dimensions (every cost family keeps all or some of them). */
export const COST_DIMS = [
  'route',
  'feature',
  'service',
  'environment',
  'provider',
  'model',
  'operation',
  'deployment',
  'capacity_tier',
  'region',
  'kind',
];
const PERF_DIMS = ['route', 'provider', 'model', 'deployment', 'region', 'capacity_tier'];

/**
 * Migration 0040: the hourly cost tables whose dimensions llm_costs_tenant_1h covers cascade from
 * it (an hour per tenant and dimension set) instead of from llm_calls_1m (about a row per call), so
 * each of their views aggregates a few times fewer rows per insert (the family docs below, frozen
 * in the migrations that created the tables, still name llm_calls_1m). Since 0041 (retired.ts)
 * llm_costs_tenant_1h itself reads llm_calls: llm_calls_1m is gone.
 */
export const COSTS_FROM_HOURS = 40;

/**
 * Migration 0041 drops llm_calls_1m (retired.ts): the dashboards read the hourly and daily cost
 * families for whole hours and llm_calls (through its time-ordered projection) for the partial
 * hours at either end of a range, as the API does, and llm_costs_tenant_1h reads llm_calls instead
 * of cascading from it. At production cardinality the minute table held about a row per call: its
 * view was the largest per-row cost of generation (`BENCH_VARIANTS=profile npm run
 * bench:analytics-gen`).
 */
export const CALLS_MINUTE_RETIRED = 41;

/**
 * Migration 0046 drops llm_capacity_tenant_1m (retired.ts): since 0043 every tenant-scoped capacity
 * read is answered by llm_capacity_tenant_dep_1m (same dimensions, the deployment before the minute).
 */
export const CAPACITY_TENANT_RETIRED = 46;

/**
 * Migration 0050: the ttft_drift family (0047, llm_ttft_1m/_1h/_1d) is replaced by drift
 * (llm_drift_*), the same rows with 1,024-row granules in the minute table; a table's index
 * granularity is fixed when it is created, so the tables are created again under new names,
 * filled from llm_perf_1m, and the old ones dropped.
 */
export const TTFT_DRIFT_RETIRED = 50;

export const FAMILIES: readonly Family[] = [
  {
    name: 'costs',
    subject: CALLS,
    dims: COST_DIMS,
    measures: COST_MEASURES,
    doc: `Cost WITHOUT the tenant, for unscoped cost questions (cost per route, feature, model, ...
over days). With hundreds of tenants llm_calls_1m holds about one row per call, so a 30-day cost
question read from it was no faster than llm_calls (measured by \`npm run bench:analytics\`).
Filled from llm_calls_1m (a cascade: it sees pre-aggregated blocks, so the extra view is cheap).`,
    tables: [
      {
        name: 'llm_costs_1h',
        grain: 'hour',
        from: 'llm_costs_tenant_1h',
        since: 23,
        formerly: { from: 'llm_calls_1m', until: COSTS_FROM_HOURS },
      },
    ],
  },
  {
    name: 'costs_tenant',
    subject: CALLS,
    dims: ['tenant', ...COST_DIMS],
    keyPrefix: ['tenant'],
    measures: COST_MEASURES,
    doc: `Cost WITH the tenant, keyed tenant first, for every cost question that groups or filters by
tenant (cost per tenant, a tenant-scoped key, tenant budgets). A day per tenant and dimension set is
one row. The hourly table cascades from llm_calls_1m and the daily one from the hourly one, so each
view sees pre-aggregated blocks.`,
    tables: [
      {
        name: 'llm_costs_tenant_1h',
        grain: 'hour',
        from: 'llm_calls',
        since: 26,
        formerly: { from: 'llm_calls_1m', until: CALLS_MINUTE_RETIRED },
      },
      { name: 'llm_costs_tenant_1d', grain: 'day', from: 'llm_costs_tenant_1h', since: 26 },
    ],
  },
  {
    name: 'perf',
    subject: PERF,
    dims: PERF_DIMS,
    doc: `Performance (latency, goodput, TTFT drift, reliability) of provider calls. No tenant in the
key, on purpose: with hundreds of tenants a per-minute key that includes the tenant has about one
row per call, no faster than llm_calls. Latency distributions are log-bucket histograms that merge
exactly by addition (catalog/histogram.ts). Hours cascade from minutes and days from hours, so a
30-day question merges days, with hours and minutes only at the edges.`,
    tables: [
      { name: 'llm_perf_1m', grain: 'minute', from: 'llm_calls', since: 20, backfill: 25 },
      { name: 'llm_perf_1h', grain: 'hour', from: 'llm_perf_1m', since: 20, backfill: false },
      {
        name: 'llm_perf_1d',
        grain: 'day',
        from: 'llm_perf_1h',
        since: 24,
        doc: `A 30-day latency question merged ~58k hourly rows of four histograms (300 ms at 100M calls).`,
      },
    ],
  },
  {
    name: 'perf_tenant',
    subject: PERF,
    dims: ['tenant', ...PERF_DIMS],
    keyPrefix: ['tenant'],
    doc: `Daily performance WITH the tenant, keyed tenant first, for tenant-scoped latency, goodput,
drift and reliability: whole UTC days come from here, the partial days from llm_calls by its
tenant-first sort key (the largest benchmark tenant held 4.5M calls in 30 days: 396 ms read raw).
A day per tenant and dimension set is one row, where a per-minute table with the tenant would hold
about a row per call. Filled straight from llm_calls (the perf minute and hour tables have no tenant
to cascade from).`,
    tables: [{ name: 'llm_perf_tenant_1d', grain: 'day', from: 'llm_calls', since: 27 }],
  },
  {
    name: 'cache',
    subject: CACHE,
    dims: ['route', 'cache_layer', 'model', 'prompt_version'],
    doc: `Cache effectiveness: app-cache lookups and hits per route and layer, prompt-cache reads per
route and model, with the prompt version in the key so a regression can name the version that
appeared with it. No tenant (see perf); tenant-scoped questions read llm_calls.`,
    tables: [
      { name: 'llm_cache_1m', grain: 'minute', from: 'llm_calls', since: 21, backfill: 25 },
      { name: 'llm_cache_1h', grain: 'hour', from: 'llm_cache_1m', since: 21, backfill: false },
    ],
  },
  {
    name: 'capacity',
    subject: CAPACITY,
    dims: ['deployment', 'fallback_from', 'capacity_tier'],
    keyPrefix: ['deployment'],
    columnsInKeyOrder: true,
    doc: `Per-minute token demand per deployment, for capacity (utilization, spillover, demand
quantiles, the provisioning recommendation). fallback_from is in the key because demand that
spilled off a provisioned deployment lands on another one and must be counted back to it. Small
by construction (deployments x fallback pairs per minute), so it keeps minute grain.`,
    tables: [
      { name: 'llm_capacity_1m', grain: 'minute', from: 'llm_calls', since: 22, backfill: 25 },
    ],
  },
  {
    name: 'costs_per_tenant',
    subject: CALLS,
    dims: ['tenant', 'kind'],
    measures: COST_MEASURES,
    doc: `Cost per tenant and nothing else, time first: cost per tenant over 30 days merges 30 days x
tenants rows instead of every tenant x route x model x ... row of llm_costs_tenant_1d (7.5x raw at
100M calls through that family). Also the smallest family for a cost question with no group-by.
Cascades from llm_calls_1m like the other cost families.`,
    tables: [
      {
        name: 'llm_costs_per_tenant_1h',
        grain: 'hour',
        from: 'llm_costs_tenant_1h',
        since: 33,
        formerly: { from: 'llm_calls_1m', until: COSTS_FROM_HOURS },
      },
      {
        name: 'llm_costs_per_tenant_1d',
        grain: 'day',
        from: 'llm_costs_per_tenant_1h',
        since: 33,
      },
    ],
  },
  {
    name: 'cache_tenant',
    subject: CACHE,
    dims: ['tenant', 'route', 'cache_layer', 'model', 'prompt_version'],
    keyPrefix: ['tenant'],
    doc: `Cache effectiveness WITH the tenant, keyed tenant first, for tenant-scoped cache questions and
regression checks (before it they read llm_calls). Hours, not minutes: a minute row per tenant and
route holds a handful of calls, an hour row hundreds; the regression windows are whole hours.`,
    tables: [
      { name: 'llm_cache_tenant_1h', grain: 'hour', from: 'llm_calls', since: 34 },
      { name: 'llm_cache_tenant_1d', grain: 'day', from: 'llm_cache_tenant_1h', since: 34 },
    ],
  },
  {
    name: 'costs_allocation',
    subject: CALLS,
    dims: ['deployment', 'capacity_tier', 'provider', 'model', 'tenant', 'kind'],
    keyPrefix: ['deployment'],
    measures: COST_MEASURES,
    doc: `Cost and tokens per deployment, tier, provider, model and tenant, keyed deployment first:
the reservation reads of the cost model (covered usage per hour and tenant, per group and per hour
of every covered call) filter one deployment and group by tenant, hour by hour. Through
llm_costs_tenant_1h (every cost dimension) they read about a row per call (1.88M rows for 2M
calls); here a month of one deployment is one key range of hours x tenants x models rows, however
many calls. Cascades from llm_calls_1m like the other cost families.`,
    tables: [
      {
        name: 'llm_costs_alloc_1h',
        grain: 'hour',
        from: 'llm_costs_tenant_1h',
        since: 37,
        formerly: { from: 'llm_calls_1m', until: COSTS_FROM_HOURS },
      },
      { name: 'llm_costs_alloc_1d', grain: 'day', from: 'llm_costs_alloc_1h', since: 37 },
    ],
  },
  {
    name: 'capacity_spill',
    subject: CAPACITY,
    dims: ['fallback_from'],
    keyPrefix: ['fallback_from'],
    doc: `Per-minute token demand that spilled off each deployment (fallback_from first), for the
spilled side of capacity: llm_capacity_1m is keyed deployment first, so the calls that fell back
from one provisioned deployment were a scan of every deployment's minutes (442k rows at 10M calls
for 43k minutes of one deployment's spill; 19 of a 30-day capacity question's ~65 ms of CPU).
Here they are one key range of minutes.`,
    tables: [{ name: 'llm_capacity_spill_1m', grain: 'minute', from: 'llm_calls', since: 42 }],
  },
  {
    name: 'capacity_tenant_deployment',
    subject: CAPACITY,
    dims: ['tenant', 'deployment', 'fallback_from', 'capacity_tier'],
    keyPrefix: ['tenant', 'deployment', 'fallback_from'],
    doc: `Per-minute token demand per tenant and deployment, keyed tenant, deployment, fallback_from,
then minute, for tenant-scoped capacity: the rows of llm_capacity_tenant_1m with the deployment
before the minute, so a tenant's demand on the asked deployments (and what spilled off them) is a
few key ranges instead of every deployment's minutes of the tenant (at 10M calls the largest
tenant's month is ~400k rows there, about a row per call). The planner prefers it over
capacity_tenant (same dimensions) because more of a capacity read's filters are in its key.`,
    tables: [{ name: 'llm_capacity_tenant_dep_1m', grain: 'minute', from: 'llm_calls', since: 43 }],
  },
  {
    name: 'drift',
    subject: PERF,
    dims: ['provider', 'model', 'region', 'capacity_tier'],
    measures: ['attempts', 'ttft_h'],
    doc: `TTFT per provider, model, region and capacity tier (the drift dimensions) and nothing else,
for TTFT drift: a 15-minute window against the 24 hours before it reads ~75 minutes and ~23 hours.
A minute holds one row per drift group; each row merges the routes' histograms once, at insert.
Cascades from llm_perf_1m (an inserted block's minutes, already aggregated), hours from its
minutes, days from its hours (a baseline of days). The minute table's granules hold 1,024 rows,
not 8,192: the question reads two short runs of minutes, and at 8,192 rows (about 11 hours of
minutes at 12 groups) it decompressed whole granules of histograms around them (0050).`,
    tables: [
      {
        name: 'llm_drift_1m',
        grain: 'minute',
        from: 'llm_perf_1m',
        since: TTFT_DRIFT_RETIRED,
        indexGranularity: 1024,
      },
      { name: 'llm_drift_1h', grain: 'hour', from: 'llm_drift_1m', since: TTFT_DRIFT_RETIRED },
      { name: 'llm_drift_1d', grain: 'day', from: 'llm_drift_1h', since: TTFT_DRIFT_RETIRED },
    ],
  },
];
