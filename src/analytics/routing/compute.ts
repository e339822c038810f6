// Builds the pools of one feed version from target stats, circuits, the previous version's
// weights and budget state. Pure: the feed service does the I/O, this decides.
import {
  routingDefaults,
  type RoutingConfig,
  type RoutingPoolConfig,
  type RoutingTargetConfig,
} from '../../shared/config-routing.js';
import type {
  DegradedTier,
  FeedBudget,
  FeedPool,
  FeedTarget,
  FeedTier,
  TierTarget,
  WeightChange,
} from '../../routing-client/types.js';
import type { Circuit } from './circuit.js';
import { emptyStats, type TargetStats } from './health-query.js';
import {
  blendedPrice,
  reservedDemand,
  scoreTarget,
  smooth,
  tierGoals,
  utilization,
} from './weights.js';
import { reachedShare } from '../../shared/budget.js';

export interface ComputeInput {
  cfg: RoutingConfig;
  stats: Map<string, TargetStats>;
  circuits: Map<string, Circuit>;
  /** Weights of the previous version, keyed `<pool>/<target>`. */
  prev: Map<string, number>;
  budgets: FeedBudget[];
  nowMs: number;
}

export interface ComputeOutput {
  pools: FeedPool[];
  targets: Record<string, FeedTarget>;
  changes: WeightChange[];
  weights: Map<string, number>;
}

export const tierOf = (t: RoutingTargetConfig): number =>
  t.tier ?? (t.kind === 'provisioned' ? 0 : 1);

export function computePools(input: ComputeInput): ComputeOutput {
  const out: ComputeOutput = { pools: [], targets: {}, changes: [], weights: new Map() };
  for (const pool of input.cfg.pools) {
    for (const t of pool.targets) out.targets[t.id] ??= describeTarget(t, input);
    out.pools.push(computePool(pool, input, out));
  }
  return out;
}

function describeTarget(t: RoutingTargetConfig, input: ComputeInput): FeedTarget {
  const s = input.stats.get(t.id) ?? emptyStats();
  const c = input.circuits.get(t.id);
  const round = (x: number | null, digits = 1): number | null =>
    x === null ? null : Number(x.toFixed(digits));
  const util = utilization(t, s);
  return {
    provider: t.provider,
    model: t.model,
    ...(t.deployment !== '' ? { deployment: t.deployment } : {}),
    kind: t.kind,
    ...(t.region !== undefined ? { region: t.region } : {}),
    bind: { litellm_model_id: t.id, ...t.bind },
    ...(Object.keys(t.capacity).length > 0 ? { capacity: t.capacity } : {}),
    pricing:
      t.kind === 'provisioned' && Object.keys(t.pricing).length === 0
        ? { input_cost_per_token: 0, output_cost_per_token: 0 }
        : t.pricing,
    observed: {
      calls_window: s.calls,
      ttft_p50_ms: round(s.ttftP50),
      ttft_p95_ms: round(s.ttftP95),
      p95_ms: round(s.durationP95),
      baseline_ttft_p50_ms: round(s.baseTtftP50),
      error_rate: s.calls > 0 ? round(s.errors / s.calls, 4) : null,
      rate_429: s.calls > 0 ? round(s.rateLimited / s.calls, 4) : null,
      util_1m: util !== undefined ? round(util, 3) : null,
    },
    ...(c !== undefined
      ? {
          circuit: {
            state: c.state,
            since: new Date(c.since).toISOString(),
            ...(c.reason !== undefined ? { reason: c.reason } : {}),
          },
        }
      : {}),
  };
}

function computePool(pool: RoutingPoolConfig, input: ComputeInput, out: ComputeOutput): FeedPool {
  const byTier = new Map<number, RoutingTargetConfig[]>();
  for (const t of pool.targets) byTier.set(tierOf(t), [...(byTier.get(tierOf(t)) ?? []), t]);
  const tiers: FeedTier[] = [...byTier.keys()]
    .sort((a, b) => a - b)
    .map((tier, i, all) => ({
      tier,
      name: (byTier.get(tier) ?? []).every((t) => t.kind === 'provisioned')
        ? 'provisioned'
        : tier === 0
          ? 'primary'
          : 'on_demand',
      // Every tier but the last can overflow; the last has nowhere to go.
      ...(i < all.length - 1 ? { overflow_on: pool.overflow_on } : {}),
      targets: computeTier(pool, byTier.get(tier) ?? [], input, out),
    }));
  const c = input.cfg.circuit;
  return {
    pool: pool.pool,
    tiers,
    retry: pool.retry,
    circuit: {
      failure_rate: c.error_rate,
      min_requests: c.min_requests,
      window_s: c.error_window_s,
      open_s: c.cooldown_s,
      on_status: [429, 500, 502, 503, 504],
    },
    timeouts: pool.timeouts,
    ...(Object.keys(pool.tenants).length > 0 ? { tenants: pool.tenants } : {}),
    admission: {
      ...(pool.admission.default !== undefined ? { default: pool.admission.default } : {}),
      tenants: pool.admission.tenants,
    },
    ...(pool.degraded !== undefined ? { degraded: degradedState(pool, tiers, input) } : {}),
  };
}

function skipReason(t: RoutingTargetConfig, budgets: FeedBudget[]): string | undefined {
  const b = budgets.find(
    (x) =>
      x.scope === 'target' &&
      x.key === t.id &&
      x.state === 'exhausted' &&
      x.on_exhaust === 'skip_target',
  );
  return b !== undefined
    ? `budget ${b.period} $${b.spent_usd} of $${b.limit_usd} exhausted: skip_target`
    : undefined;
}

function computeTier(
  pool: RoutingPoolConfig,
  targets: RoutingTargetConfig[],
  input: ComputeInput,
  out: ComputeOutput,
): TierTarget[] {
  const prices = targets.map(blendedPrice).filter((p) => p > 0);
  const cheapest = prices.length > 0 ? Math.min(...prices) : 0;
  const eligible = targets.filter(
    (t) =>
      (input.circuits.get(t.id)?.state ?? 'closed') === 'closed' &&
      skipReason(t, input.budgets) === undefined,
  );
  const members = eligible.map((t) => {
    const s = input.stats.get(t.id) ?? emptyStats();
    return { t, s, scored: scoreTarget(t, s, input.cfg, pool.slo_p95_ms, cheapest) };
  });
  const scored = members.map((m) => m.scored);
  const goals = tierGoals(members, input.cfg.health.reserved_fill);
  return targets.map((t) => {
    const key = `${pool.pool}/${t.id}`;
    const prev = input.prev.get(key);
    const { weight, state, reasons } = decide(
      t,
      input,
      goals.get(t.id) ?? 0,
      prev,
      scored.find((s) => s.id === t.id)?.reasons ?? [],
    );
    out.weights.set(key, weight);
    if (prev !== weight)
      out.changes.push({
        pool: pool.pool,
        target: t.id,
        from: prev ?? null,
        to: weight,
        reasons: reasons.length > 0 ? reasons : ['rebalanced within tier'],
      });
    const fill =
      state === 'active'
        ? fillShare(t, input.stats.get(t.id), input.cfg.reservation.offer)
        : undefined;
    return { id: t.id, weight, state, ...(fill !== undefined ? { fill_share: fill } : {}) };
  });
}

/**
 * A reservation whose demand (its load plus what spilled off it, over the capacity window) is
 * above `offer` times its capacity (routing.reservation.offer, a little over 1 so the burst
 * allowance and the admission estimate never leave it idle): the share of that demand it can
 * take, for clients that pack it with the requests worth most to it (routing-client
 * packing.ts). Undefined while it has headroom or no capacity.
 */
export function fillShare(
  t: RoutingTargetConfig,
  s: TargetStats | undefined,
  offer: number = routingDefaults.reservation.offer,
): number | undefined {
  if (t.kind !== 'provisioned' || s === undefined) return undefined;
  const demand = reservedDemand(t, s);
  if (demand === undefined || demand <= offer) return undefined;
  return Math.round((offer / demand) * 1000) / 1000;
}

function decide(
  t: RoutingTargetConfig,
  input: ComputeInput,
  goal: number,
  prev: number | undefined,
  health: string[],
): { weight: number; state: TierTarget['state']; reasons: string[] } {
  const skip = skipReason(t, input.budgets);
  if (skip !== undefined) return { weight: 0, state: 'disabled', reasons: [skip] };
  const circuit = input.circuits.get(t.id);
  // Safety beats smoothing: an open circuit drops to 0 at once; half-open gets one probe weight.
  if (circuit?.state === 'open')
    return { weight: 0, state: 'drain', reasons: [`circuit open: ${circuit.reason ?? ''}`.trim()] };
  if (circuit?.state === 'half_open')
    return {
      weight: input.cfg.circuit.probe_weight,
      state: 'active',
      reasons: [`circuit half-open: probe weight ${input.cfg.circuit.probe_weight}`],
    };
  // A reservation goes straight to its goal: its share is already paid for, so it recovers the
  // moment headroom returns, and a spill off it is bounded by its own 429s (the overflow).
  const sm = input.cfg.smoothing;
  const s = smooth(
    prev,
    goal,
    t.kind === 'provisioned' ? { ...sm, max_step_up: 100, max_step_down: 100 } : sm,
  );
  const reasons = [...health, ...(s.note !== undefined ? [s.note] : [])];
  return { weight: s.weight, state: s.weight > 0 ? 'active' : 'drain', reasons };
}

function degradedState(
  pool: RoutingPoolConfig,
  tiers: FeedTier[],
  input: ComputeInput,
): DegradedTier {
  const d = pool.degraded!;
  const knobs = {
    ...(d.target !== undefined ? { target: d.target } : {}),
    ...(d.model !== undefined ? { model: d.model } : {}),
    ...(d.max_tokens !== undefined ? { max_tokens: d.max_tokens } : {}),
    ...(d.tools !== undefined ? { tools: d.tools } : {}),
    ...(d.app_cache !== undefined ? { app_cache: d.app_cache } : {}),
  };
  const tenants = input.budgets
    .filter(
      (b) => b.scope === 'tenant' && reachedShare(b.spent_usd ?? 0, b.limit_usd, d.budget_ratio),
    )
    .map((b) => b.key);
  const saturated = pool.targets
    .filter((t) => t.kind === 'provisioned')
    .some((t) => (utilization(t, input.stats.get(t.id) ?? emptyStats()) ?? 0) >= d.saturation_util);
  const overflowWeight = tiers
    .slice(1)
    .reduce((sum, tier) => sum + tier.targets.reduce((s, x) => s + x.weight, 0), 0);
  const allWeight = tiers.reduce(
    (sum, tier) => sum + tier.targets.reduce((s, x) => s + x.weight, 0),
    0,
  );
  let reason: string | undefined;
  if (allWeight === 0) reason = 'every target of the pool is unavailable';
  else if (saturated && overflowWeight === 0)
    reason = `provisioned capacity above ${Math.round(d.saturation_util * 100)}% and no healthy overflow`;
  const budgetReason =
    tenants.length > 0
      ? `budget pressure (>= ${Math.round(d.budget_ratio * 100)}% spent): ${tenants.join(', ')}`
      : undefined;
  const why = [reason, budgetReason].filter((x) => x !== undefined).join('; ');
  return {
    active: reason !== undefined,
    tenants,
    ...(why !== '' ? { reason: why } : {}),
    ...knobs,
  };
}
