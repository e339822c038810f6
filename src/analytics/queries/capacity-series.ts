// Per-minute converted-token demand per provisioned deployment, read through the planner from the
// capacity rollups (tenant first for a tenant scope). Demand of a deployment = what it served plus
// what spilled off it (calls whose fallback_from names it), both converted with its own weights.
import type { Config } from '../../shared/config.js';
import type { CapacityWeights } from '../../shared/config-performance.js';
import type { Read } from '../../storage/planner/plan.js';
import { readSql } from '../../storage/planner/sql.js';
import type { QueryParams, QueryRunner } from '../../storage/runner.js';
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

type Side = 'served' | 'spilled';

/**
 * One side of the demand, per minute: what the targets served (grouped by deployment) or what
 * spilled off them (grouped by fallback_from), the targets filtered inside the read so the rollup
 * (or llm_calls for `source: raw`) is narrowed by its sort key before anything is grouped. Asking
 * for every deployment and fallback pair, then filtering, grouped ~600k minute rows at 100M calls.
 */
function demandRead(q: SeriesQuery, side: Side): Read {
  const dim = side === 'served' ? 'deployment' : 'fallback_from';
  return {
    subject: 'capacity',
    from: new Date(q.fromMinuteMs),
    to: new Date(q.toMinuteMs),
    dims: [dim],
    measures: MEASURES,
    bucket: 'minute',
    filters: {
      [dim]: q.targets.map((t) => t.deployment),
      ...(q.tenant !== undefined ? { tenant: q.tenant } : {}),
    },
    source: q.source,
  };
}

/**
 * The SQL of one question: one row per (target index, side), minute offsets and converted demand
 * as arrays. Each read is already grouped by minute and deployment; a row goes to every target
 * naming its deployment (each with its own weights). Converted tokens are computed here with the
 * arithmetic of convertedTokens (capacity-math.ts) in the same order on the same Float64 sums, so
 * one number a minute is sent instead of four (the JSON was most of the question's time).
 */
export function seriesSql(q: SeriesQuery): { sql: string; params: QueryParams } {
  const params: QueryParams = {
    targets: q.targets.map((t) => t.deployment),
    w_i: q.targets.map((t) => t.weights.input),
    w_cr: q.targets.map((t) => t.weights.cached_input),
    w_cw: q.targets.map((t) => t.weights.cache_write),
    w_o: q.targets.map((t) => t.weights.output),
  };
  const side = (name: Side) => {
    const read = readSql(demandRead(q, name), `${name}_`);
    Object.assign(params, read.params);
    const target = name === 'served' ? 'deployment' : 'fallback_from';
    return `SELECT ${target} AS target, '${name}' AS side, toUInt32((toUnixTimestamp(bucket) - ${q.fromMinuteMs / 1000}) / 60) AS m,
       toFloat64(input_tokens) AS i, toFloat64(cache_read_tokens) AS cr, toFloat64(cache_creation_tokens) AS cw,
       toFloat64(output_tokens) AS o, toFloat64(ok_calls) AS calls, toFloat64(attempts) AS att, toFloat64(rate_limited) AS rl
     FROM (${read.sql})`;
  };
  return {
    sql: `SELECT toUInt32(ti - 1) AS target, side, groupArray(m) AS m, groupArray(d) AS d,
      sum(calls) AS calls, sum(att) AS att, sum(rl) AS rl
    FROM (
      SELECT ti, side, m, calls, att, rl,
        {w_i:Array(Float64)}[ti] * greatest(0., i - cr - cw) + {w_cr:Array(Float64)}[ti] * cr
          + {w_cw:Array(Float64)}[ti] * cw + {w_o:Array(Float64)}[ti] * o AS d
      FROM (${side('served')} UNION ALL ${side('spilled')})
      ARRAY JOIN arrayFilter(k -> {targets:Array(String)}[k] = target, arrayEnumerate({targets:Array(String)})) AS ti)
    GROUP BY ti, side`,
    params,
  };
}

interface SideRow {
  /** Index into the query's targets. */
  target: number;
  side: Side;
  m: number[];
  /** Converted tokens of minute m[k]. */
  d: number[];
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
  return q.targets.map((t, index) => {
    const out: DemandSeriesRead = {
      deployment: t.deployment,
      served: new Float64Array(minutes),
      spilled: new Float64Array(minutes),
      servedCalls: 0,
      spilledCalls: 0,
      attempts: 0,
      rateLimited: 0,
    };
    for (const row of rows.filter((r) => num(r.target) === index)) {
      const arr = row.side === 'served' ? out.served : out.spilled;
      row.m.forEach((m, k) => {
        if (m < minutes) arr[m] = num(row.d[k]);
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
