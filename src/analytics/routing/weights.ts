// Weights, pure: a score per target from health (TTFT vs baseline, p95 vs SLO, error and 429
// rates, provisioned headroom) and price, normalised to 100 within a tier, then smoothed: a
// bounded step per version, a hysteresis band that ignores jitter, and every factor recorded
// as a reason so each version says why a weight moved.
import type { RoutingConfig, RoutingTargetConfig } from '../../shared/config-routing.js';
import { failureEvidence, failureRate } from './failure.js';
import type { TargetStats } from './health-query.js';

export interface Scored {
  id: string;
  score: number;
  reasons: string[];
}

const r2 = (x: number): string => x.toFixed(2);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Blended per-token price (input + output); 0 when unknown or provisioned (sunk cost). */
export function blendedPrice(t: RoutingTargetConfig): number {
  return (t.pricing.input_cost_per_token ?? 0) + (t.pricing.output_cost_per_token ?? 0);
}

/** Above the warn band, a rate lowers the score linearly until `zeroAt`, where it reaches a floor. */
function rateFactor(rate: number, warn: number, zeroAt: number): number {
  if (rate <= warn) return 1;
  return Math.max(0.05, 1 - (rate - warn) / Math.max(1e-9, zeroAt - warn));
}

export function scoreTarget(
  t: RoutingTargetConfig,
  s: TargetStats,
  cfg: RoutingConfig,
  sloP95Ms: number | undefined,
  cheapest: number,
): Scored {
  const h = cfg.health;
  const reasons: string[] = [];
  let score = t.base_weight;
  const apply = (factor: number, why: string): void => {
    if (factor >= 0.999) return;
    score *= factor;
    reasons.push(`${why} (x${r2(factor)})`);
  };
  if (s.ttftP50 !== null && s.baseTtftP50 !== null && s.baseTtftP50 > 0) {
    const ratio = s.ttftP50 / s.baseTtftP50;
    // Quadratic so a target twice as slow to first token gets a quarter of its share.
    if (ratio > h.ttft_ratio_warn)
      apply(
        Math.max(0.05, 1 / ratio ** 2),
        `TTFT p50 ${Math.round(s.ttftP50)} ms is ${r2(ratio)}x baseline`,
      );
  }
  if (sloP95Ms !== undefined && s.durationP95 !== null && s.durationP95 > sloP95Ms) {
    apply(
      Math.max(0.1, sloP95Ms / s.durationP95),
      `p95 ${Math.round(s.durationP95)} ms above SLO ${sloP95Ms} ms`,
    );
  }
  const reserved = t.kind === 'provisioned';
  const failing = failureRate(t, s);
  const evidence =
    failing !== undefined ? failureEvidence(t, s, h.error_rate_warn, failing) : undefined;
  if (failing !== undefined && evidence !== undefined)
    apply(
      rateFactor(evidence.rate, h.error_rate_warn, cfg.circuit.error_rate),
      `${failing.why}: ${evidence.why}`,
    );
  if (s.calls > 0 && !reserved) {
    const limited = s.rateLimited / s.calls;
    apply(
      rateFactor(limited, h.rate_429_warn, Math.min(1, h.rate_429_warn * 5)),
      `429 rate ${pct(limited)}`,
    );
  }
  const g = s.gateway;
  if (g !== undefined && g.gateways > 0 && g.openShare > 0) {
    // What the gateways' own breakers hide from the calls above: the share of their time they
    // kept the target closed (their failures are judged with the calls' in failureRate).
    apply(
      Math.max(0.05, 1 - g.openShare),
      `gateways kept their breakers open ${pct(g.openShare)} of the time (${g.avoiding} of ${g.gateways} mostly)`,
    );
  }
  const util = utilization(t, s);
  if (!reserved && util !== undefined && util > h.util_high) {
    // Headroom-proportional: a nearly full on-demand quota yields share to its peers.
    apply(
      Math.max(0.1, (1.2 - util) / (1.2 - h.util_high)),
      `utilization ${pct(util)} above ${pct(h.util_high)}`,
    );
  }
  const price = blendedPrice(t);
  if (price > 0 && cheapest > 0 && price > cheapest && h.cost_exponent > 0) {
    apply(
      (cheapest / price) ** h.cost_exponent,
      `price ${r2(price / cheapest)}x the cheapest in tier`,
    );
  }
  return { id: t.id, score, reasons };
}

/** Share of provisioned capacity used over the last minute (tpm first, else rpm). */
export function utilization(t: RoutingTargetConfig, s: TargetStats): number | undefined {
  if (t.capacity.tpm !== undefined) return s.tokensPerMinute / t.capacity.tpm;
  if (t.capacity.rpm !== undefined) return s.requestsPerMinute / t.capacity.rpm;
  return undefined;
}

/**
 * Demand on a provisioned target as a share of its capacity over the last minute: what it served
 * plus what spilled off it (calls whose fallback_from is this target), so a full reservation is
 * seen as over-asked rather than as exactly 100% busy.
 */
export function reservedDemand(t: RoutingTargetConfig, s: TargetStats): number | undefined {
  if (t.capacity.tpm !== undefined)
    return (s.tokensPerMinute + s.spilledTokensPerMinute) / t.capacity.tpm;
  if (t.capacity.rpm !== undefined)
    return (s.requestsPerMinute + s.spilledRequestsPerMinute) / t.capacity.rpm;
  return undefined;
}

/**
 * The share (0..1] of its tier's requests a healthy provisioned target should start with: all of
 * them while demand fits under `fill` (routing.health.reserved_fill: a leaky-bucket PTU admits up
 * to 100%, so aiming just under it keeps the paid capacity busy while leaving room for the
 * estimate the provider charges at admission), else the part its capacity covers, so only
 * the excess spills. Tier demand is the sum over the tier plus what spilled off it; without
 * capacity or measurements the reservation keeps everything (it is paid for either way).
 */
export function reservedShare(
  t: RoutingTargetConfig,
  s: TargetStats,
  tierDemandTpm: number,
  fill: number,
): { share: number; reason?: string } {
  const cap = t.capacity.tpm;
  if (cap === undefined || tierDemandTpm <= 0) return { share: 1 };
  const covers = (cap * fill) / tierDemandTpm;
  if (covers >= 1) return { share: 1 };
  const demand = reservedDemand(t, s) ?? 0;
  return {
    share: covers,
    reason: `reservation full (demand ${pct(demand)} of capacity): keeps ${pct(covers)} of the tier, the excess spills`,
  };
}

/** Integer weights summing to 100 (largest remainder); all zero when every score is zero. */
export function normalise(scores: { id: string; score: number }[]): Map<string, number> {
  const total = scores.reduce((sum, s) => sum + Math.max(0, s.score), 0);
  const out = new Map<string, number>();
  if (total <= 0) {
    for (const s of scores) out.set(s.id, 0);
    return out;
  }
  const exact = scores.map((s) => ({ id: s.id, x: (Math.max(0, s.score) / total) * 100 }));
  let left = 100 - exact.reduce((sum, e) => sum + Math.floor(e.x), 0);
  for (const e of [...exact].sort(
    (a, b) => b.x - Math.floor(b.x) - (a.x - Math.floor(a.x)) || a.id.localeCompare(b.id),
  )) {
    out.set(e.id, Math.floor(e.x) + (left > 0 ? 1 : 0));
    left--;
  }
  return out;
}

export interface Smoothed {
  weight: number;
  note?: string;
}

/** Move from `prev` toward `target` by at most one step; changes inside the hysteresis band are ignored. */
export function smooth(
  prev: number | undefined,
  target: number,
  sm: RoutingConfig['smoothing'],
): Smoothed {
  if (prev === undefined) return { weight: target };
  const delta = target - prev;
  // Hysteresis, except toward 0 or from 0: draining or restoring a target is never "jitter".
  if (Math.abs(delta) < sm.hysteresis && target !== 0 && prev !== 0)
    return { weight: prev, note: `held within hysteresis ±${sm.hysteresis}` };
  if (delta > sm.max_step_up)
    return {
      weight: prev + sm.max_step_up,
      note: `ramp limited to +${sm.max_step_up} per version (goal ${target})`,
    };
  if (delta < -sm.max_step_down)
    return {
      weight: prev - sm.max_step_down,
      note: `decrease limited to -${sm.max_step_down} per version (goal ${target})`,
    };
  return { weight: target };
}

export interface TierMember {
  t: RoutingTargetConfig;
  s: TargetStats;
  scored: Scored;
}

/**
 * Goals for the eligible targets of one tier, reservation first: each provisioned target gets the
 * share its capacity covers of the tier's measured demand (all of it while demand fits),
 * scaled by its health (score / base weight: TTFT drift and real errors, never fullness), and
 * never less than 1 while it is eligible (circuit closed, in budget); the on-demand targets split
 * the rest by score. A tier without provisioned targets is normalised by score alone.
 */
export function tierGoals(members: TierMember[], fill: number): Map<string, number> {
  const reserved = members.filter((m) => m.t.kind === 'provisioned');
  const others = members.filter((m) => m.t.kind !== 'provisioned');
  if (reserved.length === 0 || others.length === 0) {
    const goals = normalise(members.map((m) => m.scored));
    return floorReserved(goals, reserved);
  }
  const demand = members.reduce((sum, m) => sum + m.s.tokensPerMinute, 0);
  const shares = reserved.map((m) => {
    const { share, reason } = reservedShare(m.t, m.s, demand, fill);
    if (reason !== undefined) m.scored.reasons.push(reason);
    const health = m.t.base_weight > 0 ? Math.min(1, m.scored.score / m.t.base_weight) : 0;
    return { id: m.t.id, x: share * health };
  });
  // Several reservations that together cover more than the demand split it by that cover.
  const covered = shares.reduce((sum, x) => sum + x.x, 0);
  const scale = covered > 1 ? 1 / covered : 1;
  const rest = 100 * (1 - covered * scale);
  const otherTotal = others.reduce((sum, m) => sum + Math.max(0, m.scored.score), 0);
  const floats = [
    ...shares.map((x) => ({ id: x.id, score: 100 * x.x * scale })),
    ...others.map((m) => ({
      id: m.t.id,
      score: otherTotal > 0 ? (rest * Math.max(0, m.scored.score)) / otherTotal : 0,
    })),
  ];
  return floorReserved(normalise(floats), reserved);
}

/** An eligible reservation with a positive score keeps at least 1 (taken from the largest peer). */
function floorReserved(goals: Map<string, number>, reserved: TierMember[]): Map<string, number> {
  for (const m of reserved) {
    if ((goals.get(m.t.id) ?? 0) > 0 || m.scored.score <= 0) continue;
    const [top] = [...goals].sort((a, b) => b[1] - a[1]);
    if (top === undefined || top[1] <= 1) {
      goals.set(m.t.id, 1);
      continue;
    }
    goals.set(top[0], top[1] - 1);
    goals.set(m.t.id, 1);
  }
  return goals;
}
