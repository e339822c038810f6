// Per-minute converted-token demand per provisioned deployment, read through the planner from the
// capacity rollups (tenant first for a tenant scope). Demand of a deployment = what it served plus
// what spilled off it (calls whose fallback_from names it), both converted with its own weights.
import type { Config } from '../../shared/config.js';
import type { CapacityWeights } from '../../shared/config-performance.js';
import type { Read } from '../../storage/planner/plan.js';
import { readSql, unmergedSql } from '../../storage/planner/sql.js';
import type { QueryParams, QueryRunner } from '../../storage/runner.js';
import { outputs, summaryOf, type SeriesSummary } from './capacity-summary.js';
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
  /** Minutes of the range (T), whether or not any had demand. */
  minutes: number;
  /**
   * Converted tokens demanded per minute (served plus spilled off it), every minute of the range
   * (0 for an empty one), in ascending order (the questions need quantiles and sums, not the time
   * order); empty with `summarize`.
   */
  demand: Float64Array;
  /** With `summarize`: the order statistics of demand and utilization instead of the series. */
  summary?: SeriesSummary;
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
  /** Return order statistics (SUMMARY_QUANTILES, peak, total) instead of any series. */
  summarize?: boolean | undefined;
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
 * One side of the demand, per minute: what the targets served (by deployment) or what spilled off
 * them (by fallback_from), the targets filtered inside the read so the rollup (or llm_calls for
 * `source: raw`) is narrowed by its sort key before anything is summed. Asking for every
 * deployment and fallback pair, then filtering, grouped ~600k minute rows at 100M calls.
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

const TOKENS = [
  ['i', 'input_tokens'],
  ['cr', 'cache_read_tokens'],
  ['cw', 'cache_creation_tokens'],
  ['o', 'output_tokens'],
] as const;

/**
 * The SQL of one question: one row per target index, its dense per-minute arrays of converted
 * tokens. The rollup rows are summed straight into arrays indexed by minute (`sumResample`), per
 * deployment and side, without grouping them per minute first (that hash table of every minute
 * was most of the question's time); llm_calls' rows come grouped per minute. Sums are of integer
 * token counts as Float64 (exact below 2^53, in any order), then converted per minute with the
 * arithmetic of convertedTokens (capacity-math.ts) and each target's weights; a deployment's row
 * goes to every target naming it. demand = served + spilled, as the JS did; it comes back sorted
 * (the engine's sort is ~8x cheaper than a typed-array sort in V8) or summarized.
 */
export function seriesSql(q: SeriesQuery): { sql: string; params: QueryParams } {
  const params: QueryParams = {
    targets: q.targets.map((t) => t.deployment),
    w_i: q.targets.map((t) => t.weights.input),
    w_cr: q.targets.map((t) => t.weights.cached_input),
    w_cw: q.targets.map((t) => t.weights.cache_write),
    w_o: q.targets.map((t) => t.weights.output),
  };
  const minutes = Math.max(0, Math.round((q.toMinuteMs - q.fromMinuteMs) / 60_000));
  const side = (name: Side) => {
    const read = unmergedSql(demandRead(q, name), `${name}_`);
    Object.assign(params, read.params);
    const target = name === 'served' ? 'deployment' : 'fallback_from';
    return `SELECT ${target} AS target, ${name === 'spilled' ? 1 : 0} AS spill,
       toUInt32((toUnixTimestamp(bucket) - ${q.fromMinuteMs / 1000}) / 60) AS m,
       ok_calls, attempts, rate_limited, ${TOKENS.map(([a, c]) => `toFloat64(${c}) AS ${a}`).join(', ')}
     FROM (${read.sql})`;
  };
  const sums = (spill: 0 | 1) =>
    TOKENS.map(
      ([a]) => `sumResampleIf(0, ${minutes}, 1)(${a}, m, spill = ${spill}) AS ${a}${spill}`,
    );
  const convert = (spill: 0 | 1) =>
    `arrayMap((i, cr, cw, o) -> wi * greatest(0., i - cr - cw) + wcr * cr + wcw * cw + wo * o, ${TOKENS.map(([a]) => `${a}${spill}`).join(', ')})`;
  const arrays = TOKENS.flatMap(([a]) => [`${a}0`, `${a}1`]);
  return {
    sql: outputs(
      q,
      params,
      minutes,
      `SELECT ti, {w_i:Array(Float64)}[ti] AS wi, {w_cr:Array(Float64)}[ti] AS wcr,
        {w_cw:Array(Float64)}[ti] AS wcw, {w_o:Array(Float64)}[ti] AS wo,
        ${convert(0)} AS served_d, ${convert(1)} AS spilled_d, calls, spilled_calls, att, rl
      FROM (
        SELECT ti, ${arrays.join(', ')}, calls, spilled_calls, att, rl
        FROM (
          SELECT target, ${[...sums(0), ...sums(1)].join(', ')},
            sumIf(ok_calls, spill = 0) AS calls, sumIf(ok_calls, spill = 1) AS spilled_calls,
            sumIf(attempts, spill = 0) AS att, sumIf(rate_limited, spill = 0) AS rl
          FROM (${side('served')} UNION ALL ${side('spilled')})
          GROUP BY target)
        ARRAY JOIN arrayFilter(k -> {targets:Array(String)}[k] = target, arrayEnumerate({targets:Array(String)})) AS ti)`,
    ),
    params,
  };
}

export interface SeriesRow {
  /** Index into the query's targets. */
  target: number;
  demand?: number[];
  demand_at?: number[];
  demand_peak?: number;
  demand_total?: number;
  util_at?: number[];
  util_peak?: number;
  util_total?: number;
  util_over?: string;
  calls: string;
  spilled_calls: string;
  att: string;
  rl: string;
}

export async function readDemandSeries(
  storage: QueryRunner,
  q: SeriesQuery,
): Promise<DemandSeriesRead[]> {
  const minutes = Math.max(0, Math.round((q.toMinuteMs - q.fromMinuteMs) / 60_000));
  const { sql, params } = seriesSql(q);
  const rows = minutes > 0 ? await storage.query<SeriesRow>(sql, params) : [];
  const byTarget = new Map(rows.map((r) => [num(r.target), r]));
  return q.targets.map((t, index) => {
    const row = byTarget.get(index);
    const dense = (values: number[] | undefined, want: boolean): Float64Array =>
      !want
        ? new Float64Array(0)
        : values !== undefined
          ? Float64Array.from(values)
          : new Float64Array(minutes);
    const series = q.summarize !== true;
    return {
      deployment: t.deployment,
      minutes,
      demand: dense(row?.demand, series),
      ...(series ? {} : { summary: summaryOf(t, row) }),
      servedCalls: num(row?.calls),
      spilledCalls: num(row?.spilled_calls),
      attempts: num(row?.att),
      rateLimited: num(row?.rl),
    };
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
