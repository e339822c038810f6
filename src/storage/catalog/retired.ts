// Rollup families a migration dropped. Nothing reads them any more; they stay in the catalog so
// the migrations that created and filled them render exactly as they were applied (a data
// directory records each migration's checksum), and so the generation benchmark can put one back
// to measure what dropping it saves.
import { CALLS, CAPACITY, PERF } from './measures.js';
import {
  CALLS_MINUTE_RETIRED,
  CAPACITY_TENANT_RETIRED,
  COST_DIMS,
  TTFT_DRIFT_RETIRED,
} from './rollups.js';
import type { Family } from './types.js';

export const RETIRED_FAMILIES: readonly Family[] = [
  {
    name: 'calls_minute',
    subject: CALLS,
    dims: ['tenant', ...COST_DIMS],
    keyPrefix: ['tenant'],
    doc: `Per-minute rollup of every call for dashboards, keyed tenant first. Sums are
SimpleAggregateFunction(sum) (exact for Decimal and UInt64); latency quantiles are t-digest states.
At production cardinality it holds about one row per call, so cost questions read the hourly and
daily families below instead; they cascade from it.`,
    tables: [
      {
        name: 'llm_calls_1m',
        grain: 'minute',
        from: 'llm_calls',
        since: 2,
        backfill: false,
        until: CALLS_MINUTE_RETIRED,
      },
    ],
  },
  {
    name: 'capacity_tenant',
    definedAfter: 'cache_tenant',
    subject: CAPACITY,
    dims: ['tenant', 'deployment', 'fallback_from', 'capacity_tier'],
    keyPrefix: ['tenant'],
    doc: `Per-minute token demand per tenant and deployment, keyed tenant first, for tenant-scoped
capacity questions (before it they read llm_calls). Capacity needs minute demand (peak quantiles),
so it keeps minute grain; a tenant's month is one contiguous key range of at most minutes x
deployments rows.`,
    tables: [
      {
        name: 'llm_capacity_tenant_1m',
        grain: 'minute',
        from: 'llm_calls',
        since: 35,
        until: CAPACITY_TENANT_RETIRED,
      },
    ],
  },
  {
    name: 'ttft_drift',
    definedAfter: 'capacity_tenant_deployment',
    subject: PERF,
    dims: ['provider', 'model', 'region', 'capacity_tier'],
    measures: ['attempts', 'ttft_h'],
    doc: `TTFT per provider, model, region and capacity tier (the drift dimensions) and nothing else,
for TTFT drift: a 15-minute window against the 24 hours before it reads ~75 minutes and ~23 hours,
and through llm_perf_1m / _1h (every route and deployment too) that was ~280k histogram entries to
merge at 100M calls, most of the question's time (9.7x raw). Here a minute holds one row per
drift group; each row merges the routes' histograms once, at insert. Cascades from llm_perf_1m (an
inserted block's minutes, already aggregated), hours from its minutes, days from its hours (a
baseline of days).`,
    tables: [
      {
        name: 'llm_ttft_1m',
        grain: 'minute',
        from: 'llm_perf_1m',
        since: 47,
        until: TTFT_DRIFT_RETIRED,
      },
      {
        name: 'llm_ttft_1h',
        grain: 'hour',
        from: 'llm_ttft_1m',
        since: 47,
        until: TTFT_DRIFT_RETIRED,
      },
      {
        name: 'llm_ttft_1d',
        grain: 'day',
        from: 'llm_ttft_1h',
        since: 47,
        until: TTFT_DRIFT_RETIRED,
      },
    ],
  },
];
