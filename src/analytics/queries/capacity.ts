// Capacity per provisioned deployment: per-minute utilization (converted tokens served per minute
// / units x K), spillover share, demand quantiles and base load; and the provisioning
// recommendation (capacity-recommend.ts) on the same demand series. Minute grain: [from, to) is
// widened to whole minutes.
import type { QueryRunner } from '../../storage/runner.js';
import type { OrderStats } from './capacity-summary.js';
import { recommendCapacity, type Recommendation } from './capacity-recommend.js';
import {
  discoverProvisioned,
  readDemandSeries,
  type CapacityTarget,
  type DemandSeriesRead,
} from './capacity-series.js';
import { ratio, type Source } from './stats-source.js';

export { capacityTargets, type CapacityTarget } from './capacity-series.js';

export interface CapacityQuery {
  from: Date;
  to: Date;
  /** Configured deployments (capacityTargets(config)); provisioned ones in the data are added. */
  targets: CapacityTarget[];
  /** Restrict to one deployment. */
  deployment?: string | undefined;
  tenant?: string | undefined;
  source?: Source;
}

export interface Quantiles {
  p5: number;
  p10: number;
  p50: number;
  p70: number;
  p90: number;
  p99: number;
  peak: number;
  mean: number;
}

export interface CapacityRow {
  deployment: string;
  units: number | null;
  capacity_tpm: number | null;
  minutes: number;
  /** Converted tokens served per minute / capacity; null without configured capacity. */
  utilization: (Quantiles & { minutes_at_or_above_100pct: number }) | null;
  /** Served + spilled converted tokens per minute. */
  demand_tpm: Quantiles;
  /** Floor load (p10 of minute demand): what a reservation is always busy with. */
  base_load_tpm: number;
  /** Steady-state load (median minute demand). */
  steady_state_tpm: number;
  served_calls: number;
  spilled_calls: number;
  /** Spilled calls / (served + spilled). */
  spillover_share: number | null;
  attempts: number;
  rate_limited: number;
  rate_429: number | null;
}

const MINUTE = 60_000;

export function minuteRange(from: Date, to: Date): { fromMinuteMs: number; toMinuteMs: number } {
  return {
    fromMinuteMs: Math.floor(from.getTime() / MINUTE) * MINUTE,
    toMinuteMs: Math.ceil(to.getTime() / MINUTE) * MINUTE,
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Quantiles from a series' order statistics (the capacity read computes them in the engine). */
function quantiles(s: OrderStats, minutes: number): Quantiles {
  const [p5 = 0, p10 = 0, p50 = 0, p70 = 0, p90 = 0, p99 = 0] = s.at.map(round);
  const mean = round(minutes > 0 ? s.total / minutes : 0);
  return { p5, p10, p50, p70, p90, p99, peak: round(s.peak), mean };
}

async function resolveTargets(storage: QueryRunner, q: CapacityQuery): Promise<CapacityTarget[]> {
  const { fromMinuteMs, toMinuteMs } = minuteRange(q.from, q.to);
  const seen = await discoverProvisioned(storage, fromMinuteMs, toMinuteMs);
  const targets = [...q.targets];
  for (const d of seen) {
    if (!targets.some((t) => t.deployment === d)) {
      targets.push({
        deployment: d,
        units: null,
        unitCapacity: null,
        weights: { input: 1, cached_input: 0, cache_write: 1, output: 1 },
      });
    }
  }
  return q.deployment !== undefined
    ? targets.filter((t) => t.deployment === q.deployment)
    : targets;
}

/** Each target (configured or discovered) with its demand series over the query's minutes. */
async function demandOf(
  storage: QueryRunner,
  q: CapacityQuery,
  summarize: boolean,
): Promise<{ t: CapacityTarget; s: DemandSeriesRead }[]> {
  const targets = await resolveTargets(storage, q);
  if (targets.length === 0) return [];
  const series = await readDemandSeries(storage, {
    ...minuteRange(q.from, q.to),
    targets,
    tenant: q.tenant,
    source: q.source,
    summarize,
  });
  return series.map((s, k) => ({ t: targets[k] as CapacityTarget, s }));
}

export async function queryCapacity(
  storage: QueryRunner,
  query: CapacityQuery,
): Promise<CapacityRow[]> {
  return (await demandOf(storage, query, true)).map(({ t, s }) => {
    const capacity = t.units !== null && t.unitCapacity !== null ? t.units * t.unitCapacity : null;
    const summary = s.summary!;
    const demand = quantiles(summary.demand, s.minutes);
    const u = summary.utilization;
    const utilization: CapacityRow['utilization'] =
      u !== null ? { ...quantiles(u, s.minutes), minutes_at_or_above_100pct: u.atOrAbove } : null;
    return {
      deployment: t.deployment,
      units: t.units,
      capacity_tpm: capacity,
      minutes: s.minutes,
      utilization,
      demand_tpm: demand,
      base_load_tpm: demand.p10,
      steady_state_tpm: demand.p50,
      served_calls: s.servedCalls,
      spilled_calls: s.spilledCalls,
      spillover_share: ratio(s.spilledCalls, s.servedCalls + s.spilledCalls),
      attempts: s.attempts,
      rate_limited: s.rateLimited,
      rate_429: ratio(s.rateLimited, s.attempts),
    };
  });
}

export interface CapacityRecommendationRow extends Recommendation {
  deployment: string;
  current_units: number | null;
  /** Why there is no recommendation (missing sizing config), when there is none. */
  missing?: string;
}

export async function queryCapacityRecommendation(
  storage: QueryRunner,
  query: CapacityQuery,
): Promise<CapacityRecommendationRow[]> {
  return (await demandOf(storage, query, false)).map(({ t, s }) => {
    const base = { deployment: t.deployment, current_units: t.units };
    if (t.sizing === undefined || t.unitCapacity === null) {
      return {
        ...base,
        minutes: s.minutes,
        demand_total_converted_tokens: 0,
        terms: [],
        best_term: null,
        verdict:
          'no recommendation: configure performance.capacity.deployments for this deployment',
        missing:
          'performance.capacity.deployments[].{tokens_per_minute_per_unit, on_demand_price_per_converted_token, terms}',
      };
    }
    const spec = {
      unitCapacity: t.unitCapacity,
      pricePerConvertedToken: t.sizing.pricePerConvertedToken,
      minUnits: t.sizing.minUnits,
      increment: t.sizing.increment,
    };
    return { ...base, ...recommendCapacity(s.demand, spec, t.sizing.terms, true) };
  });
}
