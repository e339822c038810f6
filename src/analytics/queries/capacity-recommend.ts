// The provisioning recommendation per term, from capacity-math: u*, the (1-u*) demand quantile,
// N*, expected utilization, spill, cost against all on demand, savings, and a plain verdict.
import {
  breakEvenUtilization,
  demandQuantile,
  demandSeries,
  evaluateUnits,
  money,
  onGrid,
  searchUnits,
  type DemandSeries,
  type SizingSpec,
  type UnitsEvaluation,
} from './capacity-math.js';

export interface TermRecommendation {
  term: string;
  price_per_unit_hour: string;
  break_even_utilization: number;
  /** False when u* >= 1 or the optimum is 0 units: reserving does not save money. */
  cost_win: boolean;
  /** The demand quantile reserved, 1 - u* (null when u* >= 1). */
  demand_quantile: number | null;
  target_capacity_tpm: number | null;
  units: number;
  expected_utilization: number | null;
  spill_pct: number;
  cost_on_demand_usd: string;
  cost_usd: string;
  savings_usd: string;
  savings_pct: number;
  /** Cost(N) for N*-INC, N*, N*+INC, to show how flat the optimum is. */
  neighbors: { units: number; cost_usd: string }[];
  verdict: string;
}

export interface Recommendation {
  minutes: number;
  demand_total_converted_tokens: number;
  terms: TermRecommendation[];
  /** The cheapest term with a cost win, or null: stay on demand. */
  best_term: string | null;
  verdict: string;
}

const pct = (x: number): number => Math.round(x * 1e4) / 100;
const r6 = (x: number | null): number | null => (x === null ? null : Math.round(x * 1e6) / 1e6);

function termResult(
  s: DemandSeries,
  spec: SizingSpec,
  term: string,
  perHour: number,
  best: UnitsEvaluation,
  u: number,
): TermRecommendation {
  const perMinute = perHour / 60;
  const od = spec.pricePerConvertedToken * s.total;
  const win = u < 1 && best.units > 0 && best.totalCost < od;
  const neighbors = [best.units - spec.increment, best.units, best.units + spec.increment]
    .filter((n) => n === 0 || n >= spec.minUnits)
    .map((n) => ({ units: n, cost_usd: money(evaluateUnits(s, n, spec, perMinute).totalCost) }));
  const target = u < 1 ? demandQuantile(s, 1 - u) : null;
  let verdict: string;
  if (u >= 1)
    verdict = `not a cost win: break-even utilization ${pct(u)} % is at or above 100 %, so a unit costs more than the on-demand tokens it can serve; reserve only for latency or SLA`;
  else if (!win)
    verdict = `not a cost win: the ${pct(1 - u)}th-percentile demand does not fill the minimum reservation profitably; stay on demand`;
  else
    verdict = `reserve ${best.units} units: saves ${money(od - best.totalCost)} USD (${pct((od - best.totalCost) / od)} %) over the period against all on demand`;
  return {
    term,
    price_per_unit_hour: money(perHour),
    break_even_utilization: r6(u) ?? 0,
    cost_win: win,
    demand_quantile: u < 1 ? r6(1 - u) : null,
    target_capacity_tpm: target,
    units: win ? best.units : 0,
    expected_utilization: win ? r6(best.utilization) : null,
    spill_pct: win ? pct(best.spillShare) : 100,
    cost_on_demand_usd: money(od),
    cost_usd: money(win ? best.totalCost : od),
    savings_usd: money(win ? od - best.totalCost : 0),
    savings_pct: win && od > 0 ? pct((od - best.totalCost) / od) : 0,
    neighbors,
    verdict,
  };
}

/**
 * Recommends N* per term for a per-minute converted-demand series (empty minutes must be 0);
 * `sorted` when the series is already in ascending order (only the order of minutes is ignored).
 */
export function recommendCapacity(
  demand: ArrayLike<number>,
  spec: SizingSpec,
  terms: Record<string, number>,
  sorted = false,
): Recommendation {
  const s = demandSeries(demand, sorted);
  const results = Object.entries(terms).map(([term, perHour]) => {
    const u = breakEvenUtilization(perHour, spec);
    const start =
      u < 1 ? onGrid(demandQuantile(s, 1 - u) / spec.unitCapacity, spec) : spec.minUnits;
    const best = searchUnits(s, spec, perHour / 60, start);
    return termResult(s, spec, term, perHour, best, u);
  });
  const wins = results
    .filter((r) => r.cost_win)
    .sort((a, b) => Number(a.cost_usd) - Number(b.cost_usd));
  const best = wins[0];
  return {
    minutes: s.minutes,
    demand_total_converted_tokens: s.total,
    terms: results,
    best_term: best?.term ?? null,
    verdict:
      best !== undefined
        ? `${best.term}: ${best.verdict}`
        : 'reserving is not a cost win on any configured term; stay on demand (reserve only for latency or SLA)',
  };
}
