// Target selection, pure: tiers in ascending order (provisioned first), a weighted random pick
// inside a tier, skipping targets the caller excludes (already tried, locally open, cooling
// down). A tier is left only when none of its targets can take the request.
import type { FeedDocument, FeedPool, FeedTarget } from './types.js';

export interface Pick {
  id: string;
  tier: number;
  target: FeedTarget;
}

export interface PickOptions {
  tenant?: string | undefined;
  exclude?: ReadonlySet<string>;
  available?: (id: string) => boolean;
  random?: () => number;
  /** Try this target first when usable (the degraded tier's target). */
  prefer?: string | undefined;
}

export function findPool(doc: FeedDocument, pool: string): FeedPool | undefined {
  return doc.pools.find((p) => p.pool === pool);
}

export function pickTarget(
  doc: FeedDocument,
  pool: FeedPool,
  opts: PickOptions = {},
): Pick | undefined {
  const usable = (id: string): boolean =>
    !(opts.exclude?.has(id) ?? false) &&
    (opts.available?.(id) ?? true) &&
    doc.targets[id] !== undefined;
  const tenant = opts.tenant !== undefined ? pool.tenants?.[opts.tenant] : undefined;
  const tiers = pool.tiers.filter(
    (t) => tenant?.tiers_allowed === undefined || tenant.tiers_allowed.includes(t.tier),
  );
  if (opts.prefer !== undefined && usable(opts.prefer)) {
    const tier = tiers.find((t) =>
      t.targets.some((x) => x.id === opts.prefer && x.state !== 'disabled'),
    );
    if (tier !== undefined)
      return { id: opts.prefer, tier: tier.tier, target: doc.targets[opts.prefer] as FeedTarget };
  }
  const random = opts.random ?? Math.random;
  for (const tier of tiers) {
    const candidates = tier.targets
      .filter((t) => t.state === 'active' && usable(t.id))
      .map((t) => ({ id: t.id, weight: tenant?.weight_overrides?.[t.id] ?? t.weight }))
      .filter((t) => t.weight > 0);
    const total = candidates.reduce((sum, c) => sum + c.weight, 0);
    if (total <= 0) continue;
    let r = random() * total;
    for (const c of candidates) {
      r -= c.weight;
      if (r < 0) return { id: c.id, tier: tier.tier, target: doc.targets[c.id] as FeedTarget };
    }
    const last = candidates[candidates.length - 1] as { id: string };
    return { id: last.id, tier: tier.tier, target: doc.targets[last.id] as FeedTarget };
  }
  // Never an empty pool: when no weighted target is left, a drained one still beats failing.
  for (const tier of tiers) {
    const drained = tier.targets.find((t) => t.state === 'drain' && usable(t.id));
    if (drained !== undefined)
      return { id: drained.id, tier: tier.tier, target: doc.targets[drained.id] as FeedTarget };
  }
  return undefined;
}
