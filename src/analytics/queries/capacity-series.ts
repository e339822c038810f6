// Per-minute converted-token demand per provisioned deployment, read through the planner from the
// capacity rollup or, for a tenant scope, from llm_calls. Demand of a deployment = what it served plus what
// spilled off it (calls whose fallback_from names it), both converted with its own weights.
import type { Config } from '../../shared/config.js';
import type { CapacityWeights } from '../../shared/config-performance.js';
import type { Read } from '../../storage/planner/plan.js';
import { readSql } from '../../storage/planner/sql.js';
import type { QueryParams, QueryRunner } from '../../storage/runner.js';
import { convertedTokens } from './capacity-math.js';
import { num, type Source } from './stats-source.js';

export interface CapacityTarget {
  deployment: string;
  /** Units deployed now (null when not configured). */
  units: number | null;
  /** K: converted tokens per minute per unit (null when not configured). */
  unitCapacity: number | null;
  weights: CapacityWeights;
  sizing?: {
    pricePerConvertedToken: number;
    terms: Record<string, number>;
    minUnits: number;
    increment: number;
  };
}

const DEFAULT_WEIGHTS: CapacityWeights = { input: 1, cached_input: 0, cache_write: 1, output: 1 };

/** Deployments from performance.capacity, completed from finops.reservations (units, K, weights). */
export function capacityTargets(config: Config): CapacityTarget[] {
  const reservations = new Map(config.finops.reservations.map((r) => [r.deployment, r]));
  const out: CapacityTarget[] = config.performance.capacity.deployments.map((d) => {
    const r = reservations.get(d.deployment);
    return {
      deployment: d.deployment,
      units: d.units ?? r?.units ?? null,
      unitCapacity: d.tokens_per_minute_per_unit ?? r?.tokens_per_minute_per_unit ?? null,
      weights: d.weights ?? r?.weights ?? DEFAULT_WEIGHTS,
      sizing: {
        pricePerConvertedToken: Number(d.on_demand_price_per_converted_token),
        terms: Object.fromEntries(Object.entries(d.terms).map(([k, v]) => [k, Number(v)])),
        minUnits: d.min_units,
        increment: d.increment,
      },
    };
  });
  for (const r of config.finops.reservations) {
    if (out.some((t) => t.deployment === r.deployment)) continue;
    out.push({
      deployment: r.deployment,
      units: r.units,
      unitCapacity: r.tokens_per_minute_per_unit,
      weights: r.weights,
    });
  }
  return out;
}

export interface DemandSeriesRead {
  deployment: string;
  /** Converted tokens served per minute / spilled off per minute, dense (0 for empty minutes). */
  served: Float64Array;
  spilled: Float64Array;
  servedCalls: number;
  spilledCalls: number;
  attempts: number;
  rateLimited: number;
}

export interface SeriesQuery {
  fromMinuteMs: number;
  toMinuteMs: number;
  targets: CapacityTarget[];
  tenant?: string | undefined;
  source?: Source;
}

const MEASURES = [
  'attempts',
  'ok_calls',
  'rate_limited',
  'input_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'output_tokens',
];

/** Per minute, deployment and fallback source: the capacity rollup, or llm_calls for a tenant. */
function demandRead(q: SeriesQuery): Read {
  return {
    subject: 'capacity',
    from: new Date(q.fromMinuteMs),
    to: new Date(q.toMinuteMs),
    dims: ['deployment', 'fallback_from'],
    measures: MEASURES,
    bucket: 'minute',
    filters: q.tenant !== undefined ? { tenant: q.tenant } : undefined,
    source: q.source,
  };
}

/** The SQL of one read: one row per (target, side), minute offsets and token sums as arrays. */
export function seriesSql(q: SeriesQuery): { sql: string; params: QueryParams } {
  const { sql: src, params } = readSql(demandRead(q));
  const side = (targetCol: string, name: string) =>
    `SELECT ${targetCol} AS target, '${name}' AS side, toUInt32((toUnixTimestamp(bucket) - ${q.fromMinuteMs / 1000}) / 60) AS m,
       toFloat64(sum(input_tokens)) AS i, toFloat64(sum(cache_read_tokens)) AS cr, toFloat64(sum(cache_creation_tokens)) AS cw,
       toFloat64(sum(output_tokens)) AS o, toFloat64(sum(ok_calls)) AS calls, toFloat64(sum(attempts)) AS att, toFloat64(sum(rate_limited)) AS rl
     FROM (${src}) WHERE ${targetCol} IN {targets:Array(String)} GROUP BY target, m`;
  return {
    sql: `SELECT target, side, groupArray(m) AS m, groupArray(i) AS i, groupArray(cr) AS cr, groupArray(cw) AS cw, groupArray(o) AS o,
      sum(calls) AS calls, sum(att) AS att, sum(rl) AS rl
    FROM (${side('deployment', 'served')} UNION ALL ${side('fallback_from', 'spilled')})
    GROUP BY target, side`,
    params: { ...params, targets: q.targets.map((t) => t.deployment) },
  };
}

interface SideRow {
  target: string;
  side: 'served' | 'spilled';
  m: number[];
  i: number[];
  cr: number[];
  cw: number[];
  o: number[];
  calls: number;
  att: number;
  rl: number;
}

export async function readDemandSeries(
  storage: QueryRunner,
  q: SeriesQuery,
): Promise<DemandSeriesRead[]> {
  const minutes = Math.max(0, Math.round((q.toMinuteMs - q.fromMinuteMs) / 60_000));
  const { sql, params } = seriesSql(q);
  const rows = await storage.query<SideRow>(sql, params);
  return q.targets.map((t) => {
    const out: DemandSeriesRead = {
      deployment: t.deployment,
      served: new Float64Array(minutes),
      spilled: new Float64Array(minutes),
      servedCalls: 0,
      spilledCalls: 0,
      attempts: 0,
      rateLimited: 0,
    };
    for (const row of rows.filter((r) => r.target === t.deployment)) {
      const arr = row.side === 'served' ? out.served : out.spilled;
      row.m.forEach((m, k) => {
        const tokens = {
          input: num(row.i[k]),
          cacheRead: num(row.cr[k]),
          cacheWrite: num(row.cw[k]),
          output: num(row.o[k]),
        };
        if (m < minutes) arr[m] = (arr[m] ?? 0) + convertedTokens(tokens, t.weights);
      });
      if (row.side === 'served') {
        out.servedCalls += num(row.calls);
        out.attempts += num(row.att);
        out.rateLimited += num(row.rl);
      } else {
        out.spilledCalls += num(row.calls);
      }
    }
    return out;
  });
}

/** Provisioned deployments seen in the data, for when none is configured. */
export async function discoverProvisioned(
  storage: QueryRunner,
  fromMinuteMs: number,
  toMinuteMs: number,
): Promise<string[]> {
  const { sql, params } = readSql({
    subject: 'capacity',
    from: new Date(fromMinuteMs),
    to: new Date(toMinuteMs),
    dims: ['deployment'],
    measures: ['attempts'],
    filters: { capacity_tier: 'provisioned' },
  });
  const rows = await storage.query<{ deployment: string }>(
    `SELECT deployment FROM (${sql}) ORDER BY deployment`,
    params,
  );
  return rows.map((r) => r.deployment);
}
