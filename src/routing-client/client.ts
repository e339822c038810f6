// The reference routing client a Node gateway embeds: it polls and verifies the feed, admits
// the request (tenant budget, in-flight, tokens per minute), applies the degraded tier when the
// feed turns it on, picks a target, and overflows / retries on the configured statuses while
// keeping a local circuit breaker and honouring Retry-After.
import { FINOPS } from '../shared/semconv.js';
import { Admission } from './admission.js';
import { LocalBreaker } from './breaker.js';
import { BudgetDeniedError, NoRouteError, UpstreamError } from './errors.js';
import { PackGate } from './pack-gate.js';
import { ReservationPacker, type UsageSample } from './packing.js';
import { findPool, pickTarget } from './picker.js';
import { Prober, type ProbeOptions } from './prober.js';
import { FeedPoller, type PollerOptions } from './poller.js';
import { GatewayReporter, type ReportOptions } from './report.js';
import type { DegradedTier, FeedDocument, FeedPool, FeedTarget, OverflowCode } from './types.js';

export interface RoutingClientOptions extends PollerOptions {
  random?: () => number;
  /** Report attempts, failures and breaker time per target and interval (report.ts). */
  report?: ReportOptions;
  /** Probe on-demand targets this gateway has not tried for a while (prober.ts). */
  probe?: ProbeOptions;
  /** Reservation packing (pack-gate.ts): how recent a reservation's last 429 must be (60 s). */
  packing?: { refusedWithinMs?: number };
}

export interface AttemptContext {
  pool: string;
  targetId: string;
  target: FeedTarget;
  tier: number;
  attempt: number;
  /** The feed version this decision used (echo it, e.g. in a response header). */
  feedVersion: number;
  /**
   * The full reservation this first attempt stands in for (packed off it, or sent past it while
   * this gateway honours its Retry-After): record it as the call's fallback_from, so the feed
   * counts the request in the reservation's demand.
   */
  spilledFrom?: string;
  /** Set when the degraded tier applies: mark the call `finops.degraded` and apply the knobs. */
  degraded?: Omit<DegradedTier, 'active' | 'tenants'>;
  /** Span attributes for the call (`finops.degraded` when degraded), so no quality change is silent. */
  attributes: Record<string, string | number | boolean>;
}

/** What one upstream attempt returned; a thrown error counts as a timeout/transport failure. */
export interface AttemptResult<T> {
  status: number;
  value?: T;
  retryAfterMs?: number;
  /** What the answer used (packing learns the request kind's usage from it). */
  usage?: UsageSample;
}

export interface ExecuteOptions {
  tenant?: string;
  /** Tokens the request is expected to use (charged against the tenant's tpm at admission). */
  tokens?: number;
  /**
   * The request's kind for reservation packing (e.g. route + prompt version): requests of a kind
   * use alike, so what its answers used predicts this one's value to a full reservation.
   */
  valueKey?: string;
  /** The request's input tokens (estimate); with valueKey, refines its value. */
  inputTokens?: number;
}

export class RoutingClient {
  readonly poller: FeedPoller;
  readonly breaker: LocalBreaker;
  readonly admission: Admission;
  readonly reporter: GatewayReporter | undefined;
  readonly packer: ReservationPacker;
  readonly prober: Prober | undefined;
  readonly gate: PackGate;
  private readonly now: () => number;

  constructor(private readonly opts: RoutingClientOptions) {
    this.now = opts.now ?? Date.now;
    this.poller = new FeedPoller(opts);
    this.breaker = new LocalBreaker(
      { failureRate: 0.5, minRequests: 5, windowMs: 60_000, openMs: 30_000 },
      this.now,
    );
    this.admission = new Admission(this.now);
    this.packer = new ReservationPacker(opts.random);
    this.gate = new PackGate(this.packer, this.now, opts.packing?.refusedWithinMs);
    this.reporter =
      opts.report !== undefined
        ? new GatewayReporter(opts.report, opts.url, this.breaker, this.now, opts.fetch)
        : undefined;
    // After the reporter: a probe's outcome goes into this gateway's report like any attempt.
    this.prober =
      opts.probe !== undefined
        ? new Prober(opts.probe, this.poller, this.breaker, this.reporter, this.now)
        : undefined;
  }

  start(): void {
    this.poller.start();
    this.reporter?.start();
    this.prober?.start();
  }

  /** Stops polling and reporting; the last partial interval is reported (awaited). */
  async stop(): Promise<void> {
    this.poller.stop();
    this.reporter?.stop();
    this.prober?.stop();
    await this.reporter?.flush();
  }

  async execute<T>(
    poolName: string,
    options: ExecuteOptions,
    call: (ctx: AttemptContext) => Promise<AttemptResult<T>>,
  ): Promise<T> {
    const doc = this.poller.document();
    if (doc === undefined)
      throw new NoRouteError('no routing feed document and no static fallback');
    const pool = findPool(doc, poolName);
    if (pool === undefined)
      throw new NoRouteError(`pool ${poolName} is not in feed version ${doc.version}`);
    this.denyOnBudget(doc, options.tenant);
    if (pool.circuit !== undefined) {
      this.breaker.configure({
        failureRate: pool.circuit.failure_rate,
        minRequests: pool.circuit.min_requests,
        windowMs: pool.circuit.window_s * 1000,
        openMs: pool.circuit.open_s * 1000,
      });
    }
    const tenant = options.tenant ?? '';
    const limits = pool.admission?.tenants[tenant] ?? pool.admission?.default;
    const release = await this.admission.acquire(tenant, limits, options.tokens ?? 0);
    try {
      return await this.attempts(doc, pool, options, call);
    } finally {
      release();
    }
  }

  private denyOnBudget(doc: FeedDocument, tenant: string | undefined): void {
    if (tenant === undefined) return;
    const b = doc.budgets.find(
      (x) =>
        x.scope === 'tenant' &&
        x.key === tenant &&
        x.state === 'exhausted' &&
        x.on_exhaust === 'deny',
    );
    if (b === undefined) return;
    const now = new Date(this.now());
    const next =
      b.period === '1d'
        ? Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)
        : Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
    throw new BudgetDeniedError(
      `tenant ${tenant} exhausted its ${b.period} budget of $${b.limit_usd}`,
      Math.max(1, Math.ceil((next - now.getTime()) / 1000)),
    );
  }

  private async attempts<T>(
    doc: FeedDocument,
    pool: FeedPool,
    options: ExecuteOptions,
    call: (ctx: AttemptContext) => Promise<AttemptResult<T>>,
  ): Promise<T> {
    const tenant = options.tenant;
    const degraded =
      pool.degraded !== undefined &&
      (pool.degraded.active || (tenant !== undefined && pool.degraded.tenants.includes(tenant)))
        ? pool.degraded
        : undefined;
    const { active: _a, tenants: _t, ...knobs } = degraded ?? { active: false, tenants: [] };
    const maxAttempts = 1 + (pool.retry?.attempts ?? 0) + Math.max(0, pool.tiers.length - 1);
    const tried = new Set<string>();
    const trail: string[] = [];
    let last: { status: number; retryAfterMs?: number } = { status: 503 };
    const packedOff =
      degraded === undefined
        ? this.gate.skip(doc, pool, options.valueKey, options.inputTokens)
        : [];
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      // A request packed off a full reservation never goes to it: it would most likely answer
      // 429, and that would be what the user gets if it were the last attempt.
      const skip = packedOff.length > 0 ? new Set([...tried, ...packedOff]) : tried;
      const pickOpts = {
        tenant,
        exclude: skip,
        available: (id: string) => this.breaker.available(id),
        random: this.opts.random,
        prefer: degraded?.target,
      };
      // Never an empty pool: when this gateway's breakers and cooldowns rule out every target
      // it has not tried, the attempt goes by the feed alone: a request nobody tried, or a full
      // reservation's 429, is never what the user gets while an untried target exists.
      const pick =
        pickTarget(doc, pool, pickOpts) ??
        pickTarget(doc, pool, { ...pickOpts, available: undefined });
      if (pick === undefined) break;
      // A first attempt sent on demand past a reservation this gateway holds off (its 429's
      // Retry-After) is that reservation's spill too: the feed counts it in its demand.
      const spilledFrom =
        attempt !== 1
          ? undefined
          : (packedOff[0] ??
            (pick.tier !== pool.tiers[0]?.tier
              ? this.gate.cooling(doc, pool, (id) => this.breaker.available(id))
              : undefined));
      tried.add(pick.id);
      this.breaker.begin(pick.id);
      this.prober?.touch(pick.id);
      const ctx: AttemptContext = {
        pool: pool.pool,
        targetId: pick.id,
        target: pick.target,
        tier: pick.tier,
        attempt,
        feedVersion: doc.version,
        ...(spilledFrom !== undefined ? { spilledFrom } : {}),
        attributes: { [FINOPS.DEGRADED]: degraded !== undefined },
        ...(degraded !== undefined ? { degraded: knobs } : {}),
      };
      const result = await call(ctx).catch((): AttemptResult<T> => ({ status: 0 }));
      const failed = result.status === 0 || result.status >= 500 || result.status === 429;
      // A provisioned target answering 429 is full, not broken: for the breaker it answered
      // (a probe included), and its Retry-After cooldown below keeps requests off it exactly
      // until it has headroom again.
      const full = result.status === 429 && pick.target.kind === 'provisioned';
      if (full) this.gate.refused(pick.id);
      this.breaker.record(pick.id, !failed || full);
      this.reporter?.attempt(pool.pool, pick.id, failed && !full);
      if (failed && !full) this.prober?.failed(pick.id);
      trail.push(`${pick.id}:${result.status === 0 ? 'timeout' : result.status}`);
      if (!failed && result.status < 400) {
        if (options.valueKey !== undefined && result.usage !== undefined)
          this.packer.learn(options.valueKey, result.usage);
        return result.value as T;
      }
      last = result;
      if (result.retryAfterMs !== undefined && (pool.retry?.honor_retry_after ?? true)) {
        this.breaker.cooldown(
          pick.id,
          Math.min(result.retryAfterMs, pool.retry?.max_retry_after_ms ?? 10_000),
        );
      }
      if (!this.shouldContinue(pool, pick.tier, result.status)) break;
    }
    const retryAfterS =
      last.retryAfterMs !== undefined
        ? Math.max(1, Math.ceil(last.retryAfterMs / 1000))
        : undefined;
    throw new UpstreamError(
      `all attempts failed for pool ${pool.pool}: ${trail.join(', ') || 'no available target'}`,
      last.status === 0 ? 504 : last.status,
      retryAfterS,
      trail,
    );
  }

  /** Overflow on the tier's overflow_on codes; retry on the pool's retry statuses. */
  private shouldContinue(pool: FeedPool, tier: number, status: number): boolean {
    const code: OverflowCode = status === 0 ? 'timeout' : status;
    const overflow = pool.tiers.find((t) => t.tier === tier)?.overflow_on ?? [];
    if (overflow.includes(code)) return true;
    return status === 0 || (pool.retry?.on_status ?? []).includes(status);
  }
}
