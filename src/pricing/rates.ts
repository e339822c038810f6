// Which prices apply to one call: the period in force at the call's time, its service tier
// (priority / flex / batch) and the prompt-size threshold tier. Resolved rate sets are memoized
// per price set, so the hot path is a couple of comparisons and one Map lookup.
import type {
  PriceEntry,
  PricePeriod,
  PriceSet,
  RateKind,
  Rates,
  ServiceTier,
  ThresholdRates,
} from './types.js';

/** The period in force at `timeMs`: the LAST one active wins (the data's rule), else the first. */
export function periodAt(entry: PriceEntry, timeMs: () => number): PricePeriod {
  const periods = entry.periods;
  if (periods.length === 1) return periods[0]!;
  const t = timeMs();
  for (let i = periods.length - 1; i >= 0; i--) {
    const p = periods[i]!;
    if (p.timeOfDay) {
      const s = Math.floor((((t % 86_400_000) + 86_400_000) % 86_400_000) / 1000);
      const { startS, endS } = p.timeOfDay;
      if (endS < startS ? s >= startS || s < endS : s >= startS && s < endS) return p;
    } else if (t >= p.fromMs) return p;
  }
  return periods[0]!;
}

export interface ResolvedRates {
  rates: Rates;
  /** Threshold applied (0 = base prices). */
  threshold: number;
  /** Kinds whose price came from the requested service tier (undefined: none requested). */
  fromTier: ReadonlySet<RateKind> | undefined;
  /** The service tier has no prices at all in this entry. */
  tierAbsent: boolean;
}

const exceeded = (list: ThresholdRates[], prompt: number): ThresholdRates | undefined => {
  for (const t of list) if (prompt > t.threshold) return t;
  return undefined;
};

const memo = new WeakMap<PriceSet, Map<string, ResolvedRates>>();

/**
 * Rates for a prompt of `prompt` tokens (inclusive of cache) in `tier`. Layers, later wins:
 * standard base, tier base, standard threshold, tier threshold. A threshold price beats a tier's
 * base price because a long prompt's surcharge is the larger, documented effect; the row is
 * warned when a used kind is not priced by the tier itself.
 */
export function ratesFor(
  set: PriceSet,
  prompt: number,
  tier: ServiceTier | undefined,
): ResolvedRates {
  const svc = tier ? set.service[tier] : undefined;
  const stdT = set.thresholds.length > 0 ? exceeded(set.thresholds, prompt) : undefined;
  if (!tier && !stdT)
    return { rates: set.base, threshold: 0, fromTier: undefined, tierAbsent: false };
  const svcT = svc && svc.thresholds.length > 0 ? exceeded(svc.thresholds, prompt) : undefined;
  const key = `${tier ?? ''}|${stdT?.threshold ?? 0}|${svcT?.threshold ?? 0}`;
  let perSet = memo.get(set);
  const hit = perSet?.get(key);
  if (hit) return hit;
  const rates: Rates = { ...set.base };
  const fromTier = new Set<RateKind>();
  const layer = (r: Rates | undefined, mark: boolean): void => {
    if (!r) return;
    for (const [k, v] of Object.entries(r) as [RateKind, Rates[RateKind]][]) {
      rates[k] = v;
      if (mark) fromTier.add(k);
      else fromTier.delete(k);
    }
  };
  layer(svc?.base, true);
  layer(stdT?.rates, false);
  layer(svcT?.rates, true);
  const resolved: ResolvedRates = {
    rates,
    threshold: Math.max(stdT?.threshold ?? 0, svcT?.threshold ?? 0),
    fromTier: tier ? fromTier : undefined,
    tierAbsent: tier !== undefined && svc === undefined,
  };
  if (!perSet) memo.set(set, (perSet = new Map()));
  perSet.set(key, resolved);
  return resolved;
}
