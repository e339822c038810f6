// Probes for targets this gateway has stopped sampling. An on-demand target that gets two calls a
// minute cannot show a drift within a minute: its next real call may be a minute away. When
// no attempt has gone to an active target for `idleMs`, the gateway sends it one minimal request
// (the caller's `run`: e.g. a one-token completion), counted as an attempt by the local breaker
// and in the gateway's report, and, through the instrumentation wrapper, as a call in llm_calls
// where the feed's failure tests (evidence.ts) see it. Reservations are never probed: they are
// the first choice of every request, and a probe would spend their paid capacity.
import type { LocalBreaker } from './breaker.js';
import type { FeedPoller } from './poller.js';
import type { GatewayReporter } from './report.js';
import type { FeedTarget } from './types.js';

export interface ProbeOptions {
  /** Probe an active on-demand target no attempt has gone to for this long (ms). */
  idleMs: number;
  /** One minimal request to the target; status as for an attempt (0: timeout or transport). */
  run: (targetId: string, target: FeedTarget) => Promise<{ status: number }>;
}

export class Prober {
  private readonly lastTried = new Map<string, number>();
  /** Until when a target that failed lately is probed at every check (failed()). */
  private readonly suspectUntil = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: ProbeOptions,
    private readonly poller: FeedPoller,
    private readonly breaker: LocalBreaker,
    private readonly reporter: GatewayReporter | undefined,
    private readonly now: () => number,
  ) {}

  /** An attempt (a request's or a probe's) went to this target now. */
  touch(id: string): void {
    this.lastTried.set(id, this.now());
  }

  /**
   * An attempt (a request's or a probe's) failed there (5xx, timeout): for the next two idle
   * periods the target is probed at every check (a quarter of idleMs) instead of after a whole
   * idle period. The feed moves a weight on evidence (three failures in a row at its warn rate,
   * evidence.ts); at 40 rpm an on-demand target sees a request every ~30 s, so in a 70% error
   * storm the evidence took ~35 demo seconds of sparse attempts, successes between the
   * failures included, and the down-weight came ~50 s after the onset. Checking densely after a
   * failure decides it, either way, within a few checks; a healthy target's rare failure costs
   * a few one-token probes.
   */
  failed(id: string): void {
    const t = this.now();
    this.suspectUntil.set(id, t + 2 * this.opts.idleMs);
    this.lastTried.set(id, t - this.opts.idleMs);
  }

  start(): void {
    if (this.timer !== undefined) return;
    // Checked at a quarter of the idle time, so a probe is at most 1.25 x idleMs after the last attempt.
    this.timer = setInterval(() => void this.probeIdle(), Math.max(10, this.opts.idleMs / 4));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops probing and waits for the probes in flight (their calls then all have ended). */
  async drain(): Promise<void> {
    this.stop();
    await Promise.allSettled([...this.running]);
  }

  /** Probes every idle target once; resolves when those probes are done (tests await it). */
  async probeIdle(): Promise<void> {
    const doc = this.poller.document();
    if (doc === undefined) return;
    const due: [string, string][] = [];
    const t = this.now();
    for (const pool of doc.pools)
      for (const tier of pool.tiers)
        for (const x of tier.targets) {
          const target = doc.targets[x.id];
          if (target === undefined || target.kind === 'provisioned' || x.state !== 'active')
            continue;
          if (this.inFlight.has(x.id) || !this.breaker.available(x.id)) continue;
          // A target first seen now starts its idle clock now.
          const last = this.lastTried.get(x.id) ?? (this.lastTried.set(x.id, t), t);
          const wait =
            t < (this.suspectUntil.get(x.id) ?? 0) ? this.opts.idleMs / 4 : this.opts.idleMs;
          if (t - last >= wait) due.push([pool.pool, x.id]);
        }
    await Promise.all(
      due.map(([pool, id]) => {
        const p = this.probe(pool, id, doc.targets[id] as FeedTarget);
        this.running.add(p);
        return p.finally(() => this.running.delete(p));
      }),
    );
  }

  private async probe(pool: string, id: string, target: FeedTarget): Promise<void> {
    this.inFlight.add(id);
    this.touch(id);
    this.breaker.begin(id);
    try {
      const { status } = await this.opts.run(id, target).catch(() => ({ status: 0 }));
      const failed = status === 0 || status >= 500 || status === 429;
      this.breaker.record(id, !failed);
      this.reporter?.attempt(pool, id, failed);
      // A failed probe is confirmed at the next check (a quarter of idleMs) rather than a whole
      // idle period later: the feed moves a weight on a run of failures (three in a row at its
      // warn rate), and with a 5 s TTFT deadline per probe, 8 s apart, the third failure of a
      // drifting target came ~21 s after the onset; back to back it comes ~6 s sooner.
      if (failed) this.failed(id);
    } finally {
      this.inFlight.delete(id);
    }
  }
}
