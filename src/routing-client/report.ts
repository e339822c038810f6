// What this gateway saw, per target and interval: attempts, failures, breaker openings and the
// time its breaker kept the target closed to traffic. A gateway's own breaker hides a failing
// target from the collector (no attempts, no error spans), so without this the feed learns
// nothing from what every gateway already knows. Handed to `onReport` (export it as OTel metrics
// with your own SDK) and, unless turned off, POSTed as JSON to the feed server's
// /v1/routing/reports. Node built-ins only; a failed POST is dropped, never retried into a pile.
import type { LocalBreaker } from './breaker.js';
import type { GatewayReport, GatewayTargetReport } from './types.js';

export interface ReportOptions {
  /** This gateway's name in the fleet (default: hostname-less "gateway-<random>"). */
  gateway?: string;
  /** Interval length, ms (default 10 s). */
  intervalMs?: number;
  onReport?: (report: GatewayReport) => void;
  /** Where to POST; default: the feed URL with /feed replaced by /reports; false: do not POST. */
  url?: string | false;
  headers?: Record<string, string>;
  /** POST timeout, ms (default 2 s). */
  timeoutMs?: number;
}

interface Counts {
  pool: string;
  attempts: number;
  failures: number;
}

export const REPORT_SCHEMA = 'llm-gateway-report/v1';

/** The feed URL's sibling: .../v1/routing/feed -> .../v1/routing/reports. */
export function reportUrlOf(feedUrl: string): string {
  const u = new URL(feedUrl);
  u.pathname = u.pathname.replace(/\/feed\/?$/, '/reports');
  u.search = '';
  return u.toString();
}

export class GatewayReporter {
  private counts = new Map<string, Counts>();
  private from: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly gateway: string;
  private readonly url: string | undefined;
  /** Reports POSTed and refused or failed (for the gateway's own metrics). */
  dropped = 0;

  constructor(
    private readonly opts: ReportOptions,
    feedUrl: string,
    private readonly breaker: LocalBreaker,
    private readonly now: () => number,
    private readonly fetchFn: typeof fetch = fetch,
  ) {
    this.from = now();
    this.gateway = opts.gateway ?? `gateway-${Math.random().toString(36).slice(2, 10)}`;
    this.url = opts.url === false ? undefined : (opts.url ?? reportUrlOf(feedUrl));
  }

  attempt(pool: string, target: string, failed: boolean): void {
    let c = this.counts.get(target);
    if (c === undefined) this.counts.set(target, (c = { pool, attempts: 0, failures: 0 }));
    c.attempts++;
    if (failed) c.failures++;
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => void this.flush(), this.opts.intervalMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Closes the current interval: builds its report, hands it on, POSTs it. */
  async flush(): Promise<GatewayReport | undefined> {
    const report = this.take();
    if (report === undefined) return undefined;
    this.opts.onReport?.(report);
    if (this.url !== undefined) await this.post(this.url, report);
    return report;
  }

  /** The interval's report, or undefined when no target saw anything. */
  take(): GatewayReport | undefined {
    const to = this.now();
    const from = this.from;
    this.from = to;
    const targets: GatewayTargetReport[] = [];
    for (const [target, c] of this.counts) {
      const b = this.breaker.take(target, from, to);
      if (c.attempts === 0 && b.opens === 0 && b.openMs === 0) continue;
      targets.push({
        pool: c.pool,
        target,
        attempts: c.attempts,
        failures: c.failures,
        breaker_opens: b.opens,
        open_ms: Math.round(b.openMs),
      });
      c.attempts = 0;
      c.failures = 0;
    }
    if (targets.length === 0 || to <= from) return undefined;
    return {
      schema: REPORT_SCHEMA,
      gateway: this.gateway,
      start: new Date(from).toISOString(),
      interval_ms: to - from,
      targets,
    };
  }

  private async post(url: string, report: GatewayReport): Promise<void> {
    try {
      const res = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.opts.headers },
        body: JSON.stringify(report),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 2_000),
      });
      await res.arrayBuffer();
      if (!res.ok) this.dropped++;
    } catch {
      this.dropped++;
    }
  }
}
