// The feed's loop without a store, for `npm run demo:replay -- --loop`: the calls a replayed
// gateway made are kept in memory, and each pass reads them as the feed's health query reads
// llm_calls (the same windows, clipped at a circuit's last change), takes the gateway's
// reports as queryGatewayViews sums them, then runs the feed's own pure steps: circuits
// (circuit.ts), the open cap, and computePools (weights, fill_share, tiers). So a change to the
// weights, circuits or packing can be measured offline: time to shift off a slow target, time
// to down-weight a failing one, cost and PTU utilization, with no wall clock to perturb it.
// Quantiles are nearest-rank, not ClickHouse's t-digest; budgets are left out.
import type { KeyObject } from 'node:crypto';
import { advanceCircuits, type Circuit } from '../analytics/routing/circuit.js';
import { computePools } from '../analytics/routing/compute.js';
import { emptyStats, type TargetStats } from '../analytics/routing/health-query.js';
import type { GatewayView } from '../analytics/routing/reports.js';
import { signDocument, type FeedDocument, type GatewayReport } from '../routing-client/index.js';
import type { RoutingConfig } from '../shared/config-routing.js';
import { quantile } from './metrics.js';

/** One attempt as llm_calls would hold it. */
export interface ReplayCall {
  target: string;
  atMs: number;
  /** 200 served; 429; 5xx; 0 a timeout (no first token). */
  status: number;
  ttftMs: number | null;
  durationMs: number | null;
  /** Converted tokens (input - cached + output); 0 for a failed attempt. */
  tokens: number;
  /** The target it spilled off (a 429 overflow, or packed off / sent past a full reservation). */
  fallbackFrom?: string;
}

export interface StatsWindows {
  nowMs: number;
  windowS: number;
  errorWindowS: number;
  baselineS: number;
  capacityWindowS: number;
  /** Per target id: calls before this instant are left out of the current windows. */
  since: Record<string, number>;
}

const q = (xs: number[], p: number): number | null => quantile(xs, p);
const ttfts = (cs: ReplayCall[]): number[] =>
  cs.flatMap((c) => (c.ttftMs !== null ? [c.ttftMs] : []));
const durations = (cs: ReplayCall[]): number[] =>
  cs.flatMap((c) => (c.durationMs !== null ? [c.durationMs] : []));
const failed = (c: ReplayCall): boolean => c.status !== 200;

/** One target's stats from its calls (health-query.ts's aggregates over the same windows). */
export function targetStats(
  calls: readonly ReplayCall[],
  id: string,
  w: StatsWindows,
): TargetStats {
  const since = w.since[id] ?? 0;
  const win = w.nowMs - w.windowS * 1000;
  const err = w.nowMs - w.errorWindowS * 1000;
  const util = w.nowMs - w.capacityWindowS * 1000;
  const base = w.nowMs - (w.windowS + w.baselineS) * 1000;
  const mine = calls.filter((c) => c.target === id && c.atMs >= base && c.atMs < w.nowMs);
  const cur = mine.filter((c) => c.atMs >= Math.max(win, since));
  const recent = mine.filter((c) => c.atMs >= Math.max(err, since));
  const before = mine.filter((c) => c.atMs < win);
  const inUtil = mine.filter((c) => c.atMs >= util);
  const spilled = calls.filter((c) => c.fallbackFrom === id && c.atMs >= util && c.atMs < w.nowMs);
  const perMinute = 60 / w.capacityWindowS;
  return {
    ...emptyStats(),
    calls: cur.length,
    errors: cur.filter(failed).length,
    rateLimited: cur.filter((c) => c.status === 429).length,
    ttftP50: q(ttfts(cur), 0.5),
    ttftP95: q(ttfts(cur), 0.95),
    durationP95: q(durations(cur), 0.95),
    recentCalls: recent.length,
    recentErrors: recent.filter(failed).length,
    recentRateLimited: recent.filter((c) => c.status === 429).length,
    // The feed passes the error window as the latency window too (feed.ts).
    latencyCalls: recent.length,
    latencyTtftP95: q(ttfts(recent), 0.95),
    latencyDurationP95: q(durations(recent), 0.95),
    tokensPerMinute: inUtil.reduce((s, c) => s + c.tokens, 0) * perMinute,
    requestsPerMinute: inUtil.filter((c) => c.status !== 429).length * perMinute,
    spilledTokensPerMinute: spilled.reduce((s, c) => s + c.tokens, 0) * perMinute,
    spilledRequestsPerMinute: spilled.length * perMinute,
    baseCalls: before.length,
    baseTtftP50: q(ttfts(before), 0.5),
    baseTtftP95: q(ttfts(before), 0.95),
    baseDurationP95: q(durations(before), 0.95),
    outcomes: cur.slice(-500).map((c) => (failed(c) ? 1 : 0) + (c.status === 429 ? 1 : 0)),
  };
}

/** What the gateways reported of each target in [from, now), after its `since` (reports.ts). */
export function gatewayViews(
  reports: readonly { atMs: number; report: GatewayReport }[],
  fromMs: number,
  nowMs: number,
  since: Record<string, number>,
): Map<string, GatewayView> {
  const byTarget = new Map<
    string,
    Map<string, { open: number; interval: number; a: number; f: number; o: number }>
  >();
  for (const { atMs, report } of reports) {
    if (atMs >= nowMs) continue;
    for (const t of report.targets) {
      if (atMs + report.interval_ms <= Math.max(fromMs, since[t.target] ?? 0)) continue;
      const gws = byTarget.get(t.target) ?? new Map();
      byTarget.set(t.target, gws);
      const g = gws.get(report.gateway) ?? { open: 0, interval: 0, a: 0, f: 0, o: 0 };
      gws.set(report.gateway, g);
      g.open += t.open_ms;
      g.interval += report.interval_ms;
      g.a += t.attempts;
      g.f += t.failures;
      g.o += t.breaker_opens;
    }
  }
  const out = new Map<string, GatewayView>();
  for (const [target, gws] of byTarget) {
    const all = [...gws.values()];
    const interval = all.reduce((s, g) => s + g.interval, 0);
    out.set(target, {
      gateways: all.length,
      avoiding: all.filter((g) => g.open * 2 >= g.interval).length,
      openShare: interval > 0 ? Math.min(1, all.reduce((s, g) => s + g.open, 0) / interval) : 0,
      attempts: all.reduce((s, g) => s + g.a, 0),
      failures: all.reduce((s, g) => s + g.f, 0),
      opens: all.reduce((s, g) => s + g.o, 0),
    });
  }
  return out;
}

/** The feed service's pass (feed.ts) over in-memory calls and reports, one signed version each time. */
export class ReplayFeed {
  readonly calls: ReplayCall[] = [];
  readonly reports: { atMs: number; report: GatewayReport }[] = [];
  readonly circuits = new Map<string, Circuit>();
  private weights = new Map<string, number>();
  private version = 0;

  constructor(
    private readonly cfg: RoutingConfig,
    private readonly key: { privateKey: KeyObject; kid: string },
  ) {}

  pass(nowMs: number): FeedDocument {
    const cfg = this.cfg;
    const targets = [
      ...new Map(cfg.pools.flatMap((p) => p.targets).map((t) => [t.id, t])).values(),
    ];
    const since = Object.fromEntries(
      [...this.circuits].filter(([, c]) => c.since > 0).map(([id, c]) => [id, c.since]),
    );
    const w = {
      nowMs,
      windowS: cfg.window_s,
      errorWindowS: cfg.circuit.error_window_s,
      baselineS: cfg.baseline_s,
      capacityWindowS: cfg.reservation.window_s,
      since,
    };
    // Old calls leave every window: keep the array short on long replays.
    const oldest = nowMs - (cfg.window_s + cfg.baseline_s) * 1000;
    while ((this.calls[0]?.atMs ?? Infinity) < oldest) this.calls.shift();
    const views = gatewayViews(
      this.reports,
      nowMs - cfg.circuit.error_window_s * 1000,
      nowMs,
      since,
    );
    const stats = new Map(
      targets.map((t) => {
        const view = views.get(t.id);
        return [t.id, { ...targetStats(this.calls, t.id, w), ...(view ? { gateway: view } : {}) }];
      }),
    );
    advanceCircuits(this.circuits, targets, stats, cfg, nowMs);
    const out = computePools({
      cfg,
      stats,
      circuits: this.circuits,
      prev: this.weights,
      budgets: [],
      nowMs,
    });
    this.weights = out.weights;
    this.version += 1;
    return signDocument(
      {
        schema: 'llm-routing-feed/v1',
        feed_id: cfg.feed_id,
        version: this.version,
        generated_at: new Date(nowMs).toISOString(),
        ttl_s: 86_400,
        hard_expiry: new Date(8.64e15).toISOString(),
        targets: out.targets,
        pools: out.pools,
        budgets: [],
        changes: out.changes,
      },
      this.key.privateKey,
      this.key.kid,
    );
  }
}
