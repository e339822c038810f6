// Routes for latency, goodput, TTFT drift, cache, reliability and capacity. Each validates its
// query with zod (400 names the parameter) and calls one exported query function.
import { Router } from 'express';
import { z } from 'zod';
import { queryCacheRegressions } from '../queries/cache-regressions.js';
import { queryCache } from '../queries/cache.js';
import {
  capacityTargets,
  queryCapacity,
  queryCapacityRecommendation,
} from '../queries/capacity.js';
import { DRIFT_DIMENSIONS, queryTtftDrift } from '../queries/drift.js';
import { queryLatency, sloTable } from '../queries/latency.js';
import { queryReliability } from '../queries/reliability.js';
import { PERF_DIMENSIONS } from '../queries/stats-source.js';
import { ValidationError } from '../../shared/errors.js';
import type { RouteDeps } from './deps.js';
import { commaList, isoTimestamp, rangeChecks, rangeFields } from './params.js';
import { span, windows, windowsBase, windowChecks } from './windows.js';
import {
  cacheResponse,
  capacityResponse,
  driftResponse,
  latencyResponse,
  recommendationResponse,
  regressionsResponse,
  reliabilityResponse,
} from './responses-perf.js';
import type { ApiRoutes } from './route.js';

const DAY = 86_400_000;
const { tenant } = rangeFields;

const rangeBase = z.object(rangeFields);
const deployment = z.string().min(1).max(256).optional().describe('one deployment');
const groupBy = commaList(PERF_DIMENSIONS)
  .optional()
  .describe(`comma list of ${PERF_DIMENSIONS.join(', ')}`);
const latencySchema = rangeBase
  .extend({ group_by: groupBy })
  .strict()
  .superRefine(rangeChecks(400));
const cacheSchema = rangeBase.strict().superRefine(rangeChecks(400));
const reliabilitySchema = rangeBase
  .extend({ group_by: groupBy })
  .strict()
  .superRefine(rangeChecks(400));
const capacitySchema = rangeBase.extend({ deployment }).strict().superRefine(rangeChecks(92));
const recommendationSchema = z
  .object({
    from: isoTimestamp.optional().describe('default: 30 days before to'),
    to: isoTimestamp.optional().describe('default: now'),
    deployment,
    tenant,
  })
  .strict()
  .superRefine(rangeChecks(92));

const driftSchema = windowsBase
  .extend({
    group_by: commaList(DRIFT_DIMENSIONS)
      .optional()
      .describe(`comma list of ${DRIFT_DIMENSIONS.join(', ')}`),
  })
  .strict()
  .superRefine(windowChecks);
const regressionsSchema = windowsBase.strict().superRefine(windowChecks);

export function createPerformanceRouter(deps: RouteDeps, api: ApiRoutes): Router {
  const router = Router();
  const read = async () => deps.beforeRead?.();
  const perf = () => deps.config.performance;
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/latency',
      summary: 'Latency, TTFT, ITL and tokens/s percentiles, and goodput against per-route SLOs',
      query: latencySchema,
      ok: {
        description:
          'rows with p50/p95/p99 (log-histogram, within 4.4 %), goodput = calls ok within the route SLO / calls',
        schema: latencyResponse,
      },
    },
    async ({ query: q }) => {
      await read();
      const rows = await queryLatency(deps.storage, {
        from: q.from,
        to: q.to,
        groupBy: q.group_by ?? [],
        slos: sloTable(perf()),
        tenant: q.tenant,
      });
      return {
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        group_by: q.group_by ?? [],
        rows,
      };
    },
  );
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/ttft/drift',
      summary: 'TTFT of a current window against a baseline (median and p95 ratios, status)',
      query: driftSchema,
      ok: {
        description:
          'rows with current/baseline quantiles, ratios and status ok | warning | critical | insufficient_data',
        schema: driftResponse,
      },
    },
    async ({ query: q }) => {
      const w = windows(q, deps.now(), { window: 15 * 60_000, baseline: DAY });
      await read();
      const rows = await queryTtftDrift(deps.storage, {
        ...w,
        groupBy: q.group_by,
        thresholds: perf().drift,
        tenant: q.tenant,
      });
      return {
        current: span(w.current),
        baseline: span(w.baseline),
        thresholds: perf().drift,
        rows,
      };
    },
  );
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/cache',
      summary:
        'App-cache hit rate per route and layer; prompt-cache share of input tokens per route and model',
      query: cacheSchema,
      ok: { description: 'app_cache and prompt_cache rows', schema: cacheResponse },
    },
    async ({ query: q }) => {
      await read();
      return {
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        ...(await queryCache(deps.storage, q)),
      };
    },
  );
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/cache/regressions',
      summary:
        'Statistically significant cache-hit drops (one-sided two-proportion z-test) with new prompt versions',
      query: regressionsSchema,
      ok: {
        description:
          'rows with z, p_value, status regression | ok | insufficient_data, new_prompt_versions',
        schema: regressionsResponse,
      },
    },
    async ({ query: q }) => {
      const w = windows(q, deps.now(), { window: 3_600_000, baseline: DAY });
      await read();
      const rows = await queryCacheRegressions(deps.storage, {
        ...w,
        config: perf().cache,
        tenant: q.tenant,
      });
      return {
        current: span(w.current),
        baseline: span(w.baseline),
        test: { ...perf().cache, method: 'one-sided two-proportion z-test (pooled)' },
        rows,
      };
    },
  );
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/reliability',
      summary: 'Retry amplification, fallback / 429 / error rates and spend on failed attempts',
      query: reliabilitySchema,
      ok: { description: 'rows per group; money as decimal strings', schema: reliabilityResponse },
    },
    async ({ query: q }) => {
      await read();
      const groupBy = q.group_by ?? ['provider', 'deployment'];
      const rows = await queryReliability(deps.storage, {
        from: q.from,
        to: q.to,
        groupBy,
        tenant: q.tenant,
      });
      return { from: q.from.toISOString(), to: q.to.toISOString(), group_by: groupBy, rows };
    },
  );
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/capacity',
      summary:
        'Per provisioned deployment: per-minute utilization, spillover share, demand quantiles, base load',
      query: capacitySchema,
      ok: { description: 'rows per deployment', schema: capacityResponse },
    },
    async ({ query: q }) => {
      await read();
      const rows = await queryCapacity(deps.storage, {
        ...q,
        targets: capacityTargets(deps.config),
      });
      return { from: q.from.toISOString(), to: q.to.toISOString(), rows };
    },
  );
  api.add(
    router,
    {
      method: 'get',
      path: '/v1/capacity/recommendation',
      summary:
        'Provisioning recommendation per term: u*, (1-u*) demand quantile, N*, utilization, spill, savings',
      query: recommendationSchema,
      ok: {
        description:
          'rows per deployment with one recommendation per configured term and a plain verdict',
        schema: recommendationResponse,
      },
    },
    async ({ query: q }) => {
      const to = q.to ?? deps.now();
      const from = q.from ?? new Date(to.getTime() - 30 * DAY);
      if (from >= to)
        throw new ValidationError('invalid parameter from: must be before to', 'from');
      await read();
      const rows = await queryCapacityRecommendation(deps.storage, {
        from,
        to,
        deployment: q.deployment,
        tenant: q.tenant,
        targets: capacityTargets(deps.config),
      });
      return { from: from.toISOString(), to: to.toISOString(), rows };
    },
  );
  return router;
}
