// Provisioning math (newsvendor sizing, served by /v1/capacity/recommendation): reserve base
// load, overflow to on demand. Pure functions over an empirical per-minute demand series of
// converted tokens.
//   u*  = F / (pi * K)               break-even utilization (F = $ per unit-minute)
//   C*  = quantile_{1-u*}(d)         newsvendor optimum; N* = argmin Cost(N) near C*/K
//   Cost(N) = N*F*T + pi * sum_t max(0, d_t - N*K)
// Cost(N) is convex, so a walk from ceil(C*/K) finds the discrete optimum; every evaluation is
// O(log T) on the sorted series with prefix sums.
import { Money } from '../../shared/money.js';
import type { CapacityWeights } from '../../shared/config-performance.js';

export interface TokenCounts {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
}

/** Converted tokens: input is inclusive of cache reads and writes (semconv), so uncached = the rest. */
export function convertedTokens(t: TokenCounts, w: CapacityWeights): number {
  const uncached = Math.max(0, t.input - t.cacheRead - t.cacheWrite);
  return (
    w.input * uncached +
    w.cached_input * t.cacheRead +
    w.cache_write * t.cacheWrite +
    w.output * t.output
  );
}

export interface DemandSeries {
  sorted: Float64Array;
  /** prefix[i] = sum of sorted[0..i). */
  prefix: Float64Array;
  total: number;
  minutes: number;
}

/**
 * `sorted`: the values are already in ascending order (the capacity read sorts them in the engine;
 * a typed-array sort of a 30-day series costs ~8 ms here, the engine's ~1 ms).
 */
export function demandSeries(demand: ArrayLike<number>, sorted = false): DemandSeries {
  return sortedSeries(
    sorted && demand instanceof Float64Array ? demand : Float64Array.from(demand).sort(),
  );
}

function sortedSeries(sorted: Float64Array): DemandSeries {
  const prefix = new Float64Array(sorted.length + 1);
  for (let i = 0; i < sorted.length; i++) prefix[i + 1] = (prefix[i] ?? 0) + (sorted[i] ?? 0);
  return { sorted, prefix, total: prefix[sorted.length] ?? 0, minutes: sorted.length };
}

/** The position of the empirical q-quantile in a sorted series of T minutes: floor(q * (T - 1)). */
export function quantileIndex(minutes: number, q: number): number {
  return Math.floor(Math.min(Math.max(q, 0), 1) * (minutes - 1));
}

/** The empirical q-quantile as in the reference: sorted[floor(q * (T - 1))]. */
export function demandQuantile(s: DemandSeries, q: number): number {
  if (s.minutes === 0) return 0;
  return s.sorted[quantileIndex(s.minutes, q)] ?? 0;
}

/** Index of the first sorted value > c. */
function firstAbove(s: DemandSeries, c: number): number {
  let lo = 0;
  let hi = s.minutes;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((s.sorted[mid] ?? 0) > c) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface SizingSpec {
  /** K: converted tokens per minute one unit serves. */
  unitCapacity: number;
  /** pi: $ per converted token on demand. */
  pricePerConvertedToken: number;
  minUnits: number;
  increment: number;
}

export interface UnitsEvaluation {
  units: number;
  reservedCost: number;
  spillCost: number;
  totalCost: number;
  /** Share of reserved capacity used over the series (null for 0 units). */
  utilization: number | null;
  /** Share of demand that overflows to on demand. */
  spillShare: number;
}

/** Cost(N), Util(N), Spill%(N) for N units at F $ per unit-minute. */
export function evaluateUnits(
  s: DemandSeries,
  units: number,
  spec: SizingSpec,
  pricePerUnitMinute: number,
): UnitsEvaluation {
  const c = units * spec.unitCapacity;
  const i = firstAbove(s, c);
  const overflow = s.total - (s.prefix[i] ?? 0) - c * (s.minutes - i);
  const reservedCost = units * pricePerUnitMinute * s.minutes;
  const spillCost = spec.pricePerConvertedToken * overflow;
  return {
    units,
    reservedCost,
    spillCost,
    totalCost: reservedCost + spillCost,
    utilization: c > 0 && s.minutes > 0 ? (s.total - overflow) / (c * s.minutes) : null,
    spillShare: s.total > 0 ? overflow / s.total : 0,
  };
}

/** u* = F / (pi K) with F per unit-minute = price per unit-hour / 60. */
export function breakEvenUtilization(pricePerUnitHour: number, spec: SizingSpec): number {
  const value = spec.pricePerConvertedToken * spec.unitCapacity;
  return value > 0 ? pricePerUnitHour / 60 / value : Number.POSITIVE_INFINITY;
}

/** Rounds a unit count up to the grid {MIN, MIN+INC, ...}. */
export function onGrid(units: number, spec: SizingSpec): number {
  return (
    spec.minUnits +
    spec.increment * Math.max(0, Math.ceil((units - spec.minUnits) / spec.increment))
  );
}

/** The discrete argmin of a convex Cost(N) on the unit grid, walking from `start`. */
export function searchUnits(
  s: DemandSeries,
  spec: SizingSpec,
  perUnitMinute: number,
  start: number,
): UnitsEvaluation {
  const at = (n: number) => evaluateUnits(s, n, spec, perUnitMinute);
  let best = at(start);
  for (let n = start + spec.increment; ; n += spec.increment) {
    const e = at(n);
    if (e.totalCost >= best.totalCost) break;
    best = e;
  }
  for (let n = best.units - spec.increment; n >= spec.minUnits; n -= spec.increment) {
    const e = at(n);
    if (e.totalCost >= best.totalCost) break;
    best = e;
  }
  return best;
}

/** Money out of the float math: a decimal string at 1e-6 USD (these are estimates). */
export function money(x: number): string {
  return new Money(x).toDecimalPlaces(6).toString();
}
