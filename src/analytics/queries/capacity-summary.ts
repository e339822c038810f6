// Order statistics of the capacity demand series computed in the engine (capacity-series.ts): what
// /v1/capacity reports (quantiles, peak, mean, minutes at or over capacity) without sending each
// minute's value as JSON.
import type { QueryParams } from '../../storage/runner.js';
import { quantileIndex } from './capacity-math.js';
import type { CapacityTarget, SeriesQuery, SeriesRow } from './capacity-series.js';
import { num } from './stats-source.js';

/** The quantiles a summary holds, in this order. */
export const SUMMARY_QUANTILES = [0.05, 0.1, 0.5, 0.7, 0.9, 0.99] as const;

/** A sorted series' values at SUMMARY_QUANTILES, its largest value and its sum (in that order). */
export interface OrderStats {
  at: number[];
  peak: number;
  total: number;
}

export interface SeriesSummary {
  demand: OrderStats;
  /** Served / the target's capacity (null without one); `atOrAbove`: minutes at >= 1. */
  utilization: (OrderStats & { atOrAbove: number }) | null;
}

/**
 * The columns a question reads: the sorted series, or (`summarize`) their order statistics in the
 * engine so ~43k values a series per 30 days are not sent as JSON (most of what was left of the
 * question's time). The same arithmetic as capacity.ts did in JS: positions floor(q (T - 1)),
 * utilization = served / capacity per minute (monotone, so the sorted served series divided stays
 * sorted), sums as prefix sums in ascending order (arrayCumSum adds in order, as the JS did).
 */
export function outputs(
  q: SeriesQuery,
  params: QueryParams,
  minutes: number,
  converted: string,
): string {
  const demand = 'arraySort(arrayMap((s, p) -> s + p, served_d, spilled_d))';
  const counts = 'calls, spilled_calls, att, rl';
  if (q.summarize !== true)
    return `SELECT toUInt32(ti - 1) AS target, ${demand} AS demand, ${counts} FROM (${converted})`;
  params.positions = SUMMARY_QUANTILES.map((x) => quantileIndex(minutes, x) + 1);
  params.capacities = q.targets.map((t) => (t.units ?? 0) * (t.unitCapacity ?? 0) || 1);
  const stats = (a: string, name: string) =>
    `arrayMap(k -> ${a}[k], {positions:Array(UInt32)}) AS ${name}_at, ${a}[-1] AS ${name}_peak,
     arrayCumSum(${a})[-1] AS ${name}_total`;
  return `SELECT target, ${stats('ds', 'demand')}, ${stats('us', 'util')},
      arrayCount(x -> x >= 1, us) AS util_over, ${counts}
    FROM (
      SELECT toUInt32(ti - 1) AS target, ${demand} AS ds,
        arrayMap(x -> x / {capacities:Array(Float64)}[ti], arraySort(served_d)) AS us, ${counts}
      FROM (${converted}))`;
}

export function summaryOf(t: CapacityTarget, row: SeriesRow | undefined): SeriesSummary {
  const zeros = SUMMARY_QUANTILES.map(() => 0);
  const stats = (at?: number[], peak?: number, total?: number): OrderStats => ({
    at: at ?? zeros,
    peak: peak ?? 0,
    total: total ?? 0,
  });
  const capacity = (t.units ?? 0) * (t.unitCapacity ?? 0);
  return {
    demand: stats(row?.demand_at, row?.demand_peak, row?.demand_total),
    utilization:
      t.units !== null && t.unitCapacity !== null && capacity > 0
        ? {
            ...stats(row?.util_at, row?.util_peak, row?.util_total),
            atOrAbove: num(row?.util_over),
          }
        : null,
  };
}
