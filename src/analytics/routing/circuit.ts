// Per-target circuit breaker of the feed producer, pure. closed -> open at the error-rate
// threshold over the error window, or when the recent p95 has stayed above latency_ratio x
// baseline for latency_window_s (a slow spell, not a slow burst); open -> half_open after the cooldown (30 s, doubling to 60 s on repeated
// opens); half_open carries one probe weight and closes when the calls since then are healthy.
import type { RoutingConfig } from '../../shared/config-routing.js';
import type { CircuitState } from '../../routing-client/types.js';
import { emptyStats, type TargetStats } from './health-query.js';

export interface Circuit {
  state: CircuitState;
  /** When the current state began (ms). */
  since: number;
  /** Consecutive opens without a successful close (drives the cooldown backoff). */
  opens: number;
  reason?: string;
  /** Since when the recent p95 has been above latency_ratio x baseline (closed state). */
  breachSince?: number;
}

export const closedCircuit = (): Circuit => ({ state: 'closed', since: 0, opens: 0 });

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function errorReason(s: TargetStats, c: RoutingConfig['circuit']): string | undefined {
  if (s.recentCalls < c.min_requests) return undefined;
  const rate = s.recentErrors / s.recentCalls;
  return rate >= c.error_rate
    ? `error rate ${pct(rate)} >= ${pct(c.error_rate)} over ${c.error_window_s} s (${s.recentCalls} calls)`
    : undefined;
}

/**
 * Every gateway that reported the target kept its own breaker open on it for at least half of
 * its time: their breakers hide the failures from the calls the feed sees, so this is the
 * fleet's verdict. At least min_requests attempts or one breaker opening must back it.
 */
function avoidedReason(s: TargetStats, c: RoutingConfig['circuit']): string | undefined {
  const g = s.gateway;
  if (g === undefined || g.gateways === 0 || g.avoiding < g.gateways) return undefined;
  if (g.opens === 0 && g.attempts < c.min_requests) return undefined;
  return `every reporting gateway (${g.gateways}) kept its breaker open on it ${pct(g.openShare)} of the last ${c.error_window_s} s`;
}

/**
 * The recent p95 (TTFT when measured, else end-to-end) against latency_ratio x its baseline,
 * unless its TTFT is still no slower than its peers' now (`peerTtftP95`, peerLatency below):
 * opening the circuit would send its traffic somewhere slower.
 */
function latencyBreach(
  s: TargetStats,
  c: RoutingConfig['circuit'],
  peerTtftP95?: number,
): string | undefined {
  if (s.latencyCalls >= c.min_requests) {
    const useTtft = s.latencyTtftP95 !== null && s.baseTtftP95 !== null && s.baseTtftP95 > 0;
    const now = useTtft ? s.latencyTtftP95 : s.latencyDurationP95;
    const base = useTtft ? s.baseTtftP95 : s.baseDurationP95;
    if (useTtft && now !== null && peerTtftP95 !== undefined && now <= peerTtftP95)
      return undefined;
    if (now !== null && base !== null && base > 0 && now / base >= c.latency_ratio) {
      return `${useTtft ? 'TTFT' : 'latency'} p95 ${Math.round(now)} ms is ${(now / base).toFixed(2)}x baseline`;
    }
  }
  return undefined;
}

/**
 * What the circuit judges for a target. A provisioned deployment answers 429 when its reserved
 * capacity is full: that is the signal to overflow (the client does, and the weights see the 429
 * rate and utilization), not a fault. Counting those 429s as errors would open the circuit of a
 * full reservation and move traffic off capacity that is already paid for.
 */
export function circuitStats(stats: TargetStats, kind: 'provisioned' | 'on_demand'): TargetStats {
  const own =
    kind !== 'provisioned' || stats.recentRateLimited === 0
      ? stats
      : {
          ...stats,
          recentCalls: Math.max(0, stats.recentCalls - stats.recentRateLimited),
          recentErrors: Math.max(0, stats.recentErrors - stats.recentRateLimited),
        };
  // A reservation is judged by its calls alone: the faults its provider answered. Gateways never
  // race its first token, and in the demo's burst and cache-break runs the reports opened a full
  // reservation's circuit at the end of a saturated spell (traffic to on-demand capacity while
  // the paid one idled), which reservation-first must never do.
  return kind === 'provisioned' ? own : withReportedFailures(own);
}

/**
 * The gateways' reports over the error window (since the last circuit change) when they show a
 * higher failure rate than the calls: a gateway whose calls are not instrumented (or whose
 * spans have not arrived yet) still reports a timed-out half-open probe, which must not count
 * as a success and close the circuit of a target that is still hanging. The wrapper records a
 * stream given up before its first chunk as a failed call, so the two agree when both exist. Compared,
 * never added: a 5xx is in both. The gateways do not report a full reservation's 429s.
 */
function withReportedFailures(s: TargetStats): TargetStats {
  const g = s.gateway;
  if (g === undefined || g.attempts === 0) return s;
  const calls = s.recentCalls > 0 ? s.recentErrors / s.recentCalls : -1;
  if (g.failures / g.attempts <= calls) return s;
  return { ...s, recentCalls: g.attempts, recentErrors: g.failures };
}

export function cooldownMs(c: RoutingConfig['circuit'], opens: number): number {
  return Math.min(c.max_cooldown_s, c.cooldown_s * 2 ** Math.max(0, opens - 1)) * 1000;
}

export function nextCircuit(
  prev: Circuit,
  stats: TargetStats,
  c: RoutingConfig['circuit'],
  nowMs: number,
  peerTtftP95?: number,
): Circuit {
  if (prev.state === 'open') {
    return nowMs - prev.since >= cooldownMs(c, prev.opens)
      ? {
          state: 'half_open',
          since: nowMs,
          opens: prev.opens,
          reason: 'cooldown elapsed: one probe',
        }
      : prev;
  }
  if (prev.state === 'half_open') {
    // The probe: calls since half-open began (the query clips windows at `since`).
    if (stats.recentCalls === 0) return prev;
    // One probe decides: judged even below min_requests.
    const failed =
      stats.recentErrors / stats.recentCalls >= c.error_rate ||
      latencyBreach(
        { ...stats, latencyCalls: Math.max(stats.latencyCalls, c.min_requests) },
        c,
        peerTtftP95,
      ) !== undefined;
    if (failed)
      return {
        state: 'open',
        since: nowMs,
        opens: prev.opens + 1,
        reason: `probe failed (${stats.recentErrors}/${stats.recentCalls} errors)`,
      };
    return {
      state: 'closed',
      since: nowMs,
      opens: 0,
      reason: `probe succeeded (${stats.recentCalls} calls)`,
    };
  }
  // The fleet's verdict first: it names why the calls alone could not show the failures.
  const errors = avoidedReason(stats, c) ?? errorReason(stats, c);
  if (errors !== undefined)
    return { state: 'open', since: nowMs, opens: prev.opens + 1, reason: errors };
  const slow = latencyBreach(stats, c, peerTtftP95);
  if (slow === undefined)
    return prev.breachSince === undefined
      ? prev
      : { state: 'closed', since: prev.since, opens: prev.opens };
  const breachSince = prev.breachSince ?? nowMs;
  if (nowMs - breachSince >= c.latency_window_s * 1000)
    return {
      state: 'open',
      since: nowMs,
      opens: prev.opens + 1,
      reason: `${slow} for ${c.latency_window_s} s`,
    };
  return prev.breachSince === undefined ? { ...prev, breachSince } : prev;
}

/**
 * The median recent TTFT p95 of a target's pool peers (closed circuits, at least min_requests
 * calls in the latency window), or undefined when none is measured. A slow spell that every
 * target shares (a stalled gateway host, a loaded network path) slows the fastest target most
 * in proportion: a reservation's 600 ms first token tripled is still faster than the on-demand
 * targets its traffic would go to, and in the demo's loaded runs its latency circuit opened and
 * sent paid-for traffic on demand. Judged against its peers it stays; a target that is slow on
 * its own (one region's incident) is slower than its peers and opens as before.
 */
export function peerLatency(
  id: string,
  pools: readonly { targets: readonly { id: string }[] }[],
  stats: ReadonlyMap<string, TargetStats>,
  circuits: ReadonlyMap<string, Circuit>,
  minRequests: number,
): number | undefined {
  const peers = new Set<string>();
  for (const pool of pools)
    if (pool.targets.some((t) => t.id === id))
      for (const t of pool.targets) if (t.id !== id) peers.add(t.id);
  const p95s: number[] = [];
  for (const peer of peers) {
    const s = stats.get(peer);
    if ((circuits.get(peer)?.state ?? 'closed') !== 'closed') continue;
    if (s === undefined || s.latencyCalls < minRequests || s.latencyTtftP95 === null) continue;
    p95s.push(s.latencyTtftP95);
  }
  if (p95s.length === 0) return undefined;
  p95s.sort((a, b) => a - b);
  const mid = p95s.length >> 1;
  return p95s.length % 2 === 1
    ? (p95s[mid] as number)
    : ((p95s[mid - 1] as number) + (p95s[mid] as number)) / 2;
}

/**
 * The TTFT p95 a target must pass for its latency circuit to open: its peers' median
 * (peerLatency) and, for a reservation, the lowest TTFT timeout of its pools. Gateways never
 * race a reservation's first token (that would move paid-for traffic on demand), so under a
 * stall its late first tokens stay in its p95 while the on-demand peers' end as timeouts and
 * leave theirs: against the peers alone its circuit still opened in a loaded demo run. Judged
 * by the standard the gateways apply to the others, it is slow once its first tokens come later
 * than the timeout.
 */
export function latencyBar(
  target: { id: string; kind: 'provisioned' | 'on_demand' },
  pools: readonly { targets: readonly { id: string }[]; timeouts: { ttft_ms: number } }[],
  stats: ReadonlyMap<string, TargetStats>,
  circuits: ReadonlyMap<string, Circuit>,
  minRequests: number,
): number | undefined {
  const peers = peerLatency(target.id, pools, stats, circuits, minRequests);
  if (target.kind !== 'provisioned') return peers;
  const timeouts = pools
    .filter((p) => p.targets.some((t) => t.id === target.id))
    .map((p) => p.timeouts.ttft_ms);
  if (timeouts.length === 0) return peers;
  return Math.max(peers ?? 0, Math.min(...timeouts));
}

/**
 * Outlier ejection's cap (Envoy's max_ejection_percent): in each pool at most `maxShare` of the
 * targets may be out of rotation (open or half-open) at once, and one always may. When every
 * target of a pool fails together the cause is usually shared (a stalled gateway host, a network
 * path, the caller's own deadline), and opening every circuit would leave the gateways no target
 * to send to. A closed target whose opening would pass the cap stays closed (its weight still
 * falls with its failure rate); targets are admitted in the order their pools list them.
 */
export function capOpenings(
  prev: ReadonlyMap<string, Circuit>,
  next: Map<string, Circuit>,
  pools: readonly { targets: readonly { id: string }[] }[],
  maxShare: number,
): string[] {
  const held: string[] = [];
  const out = (id: string): boolean => (next.get(id)?.state ?? 'closed') !== 'closed';
  const opening = (id: string): boolean =>
    (prev.get(id)?.state ?? 'closed') === 'closed' && out(id);
  for (const pool of pools) {
    const allowed = Math.max(1, Math.floor(maxShare * pool.targets.length));
    let outCount = pool.targets.filter((t) => out(t.id) && !opening(t.id)).length;
    for (const t of pool.targets) {
      if (!opening(t.id)) continue;
      if (outCount < allowed) {
        outCount += 1;
        continue;
      }
      next.set(t.id, prev.get(t.id) ?? closedCircuit());
      held.push(t.id);
    }
  }
  return held;
}

/**
 * One feed step for every target's circuit: each advanced from its state before the step (the
 * latency bar judged against those states), then the pools' cap on openings applied. The feed
 * and the demo's loop replay (src/demo/replay-feed.ts) both step circuits through this, so the
 * replay measures the feed's own rule. Returns the states before the step and the targets the
 * cap held closed.
 */
export function advanceCircuits(
  circuits: Map<string, Circuit>,
  targets: readonly { id: string; kind: 'provisioned' | 'on_demand' }[],
  stats: ReadonlyMap<string, TargetStats>,
  cfg: Pick<RoutingConfig, 'pools' | 'circuit'>,
  nowMs: number,
): { before: Map<string, Circuit>; held: string[] } {
  const before = new Map(circuits);
  for (const t of targets) {
    const prev = before.get(t.id) ?? closedCircuit();
    const stat = circuitStats(stats.get(t.id) ?? emptyStats(), t.kind);
    const bar = latencyBar(t, cfg.pools, stats, before, cfg.circuit.min_requests);
    circuits.set(t.id, nextCircuit(prev, stat, cfg.circuit, nowMs, bar));
  }
  return { before, held: capOpenings(before, circuits, cfg.pools, cfg.circuit.max_open_share) };
}
