// The routing-feed service. The scheduler's replica leads: every few seconds it reads target
// health, advances circuits, computes weights and publishes a new signed version when the
// routing content changed (or the last one is due for refresh). Other API replicas follow:
// they serve the latest version stored in routing_feed_versions.
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import type { QueryRunner } from '../../storage/runner.js';
import { canonicalJson, signDocument } from '../../routing-client/canonical.js';
import type { FeedBudget } from '../../routing-client/types.js';
import { budgetStatus } from './budgets.js';
import { advanceCircuits, closedCircuit, type Circuit } from './circuit.js';
import { computePools } from './compute.js';
import { emptyStats, queryTargetStats } from './health-query.js';
import { queryGatewayViews, type GatewayView } from './reports.js';
import { loadSigningKey, publicKeySet, type SigningKey } from './keys.js';
import { ServedCache } from './serve.js';
import { insertVersion, latestVersion, restoreState } from './versions.js';

export interface FeedServiceDeps {
  storage: QueryRunner;
  logger: Logger;
  config: Config;
  now: () => Date;
}

export interface RecomputeResult {
  version: number;
  published: boolean;
}

/** Budgets move by the minute (rollup granularity): re-read them at most this often. */
const BUDGET_REFRESH_MS = 15_000;

export class FeedService {
  private key: SigningKey | undefined;
  private cache: ServedCache | undefined;
  private circuits = new Map<string, Circuit>();
  private weights = new Map<string, number>();
  private version = 0;
  private contentHash = '';
  private publishedAt = 0;
  private budgets: { at: number; value: FeedBudget[] } | undefined;
  private initialized: Promise<void> | undefined;
  private running: Promise<RecomputeResult> | undefined;
  private followedAt = 0;
  private leading = false;

  constructor(private readonly deps: FeedServiceDeps) {}

  get signingKey(): SigningKey {
    this.key ??= loadSigningKey({
      keyFile: this.deps.config.routing.signing.key_file,
      kid: this.deps.config.routing.signing.kid,
      dataDir: this.deps.config.storage.data_dir,
    });
    return this.key;
  }

  publicKeys(): { keys: Record<string, unknown>[] } {
    return publicKeySet(this.signingKey);
  }

  current(): ServedCache | undefined {
    return this.cache;
  }

  /** Hot path: a follower re-reads the store in the background, at most once per period. */
  touch(): void {
    if (!this.leading) void this.follow();
  }

  /** The scheduler's replica computes and publishes; call once at scheduler start. */
  lead(): void {
    this.leading = true;
  }

  /** A document to serve: the leader waits for its first computation, a follower re-reads the store. */
  async ensure(): Promise<ServedCache | undefined> {
    if (this.leading) {
      if (this.cache === undefined) await this.recompute();
      return this.cache;
    }
    const follow = this.follow();
    if (this.cache === undefined) await follow;
    return this.cache;
  }

  private init(): Promise<void> {
    this.initialized ??= (async () => {
      const latest = await latestVersion(this.deps.storage, this.deps.config.routing.feed_id);
      if (latest === undefined) return;
      this.version = latest.version;
      const state = restoreState(latest.document);
      this.weights = state.weights;
      this.circuits = state.circuits;
    })();
    return this.initialized;
  }

  /** Follower: adopt a newer stored version, at most once per recomputation period. */
  private async follow(): Promise<void> {
    const nowMs = this.deps.now().getTime();
    if (nowMs - this.followedAt < this.deps.config.routing.recompute_every_s * 1000) return;
    this.followedAt = nowMs;
    try {
      const latest = await latestVersion(this.deps.storage, this.deps.config.routing.feed_id);
      if (latest !== undefined && latest.version > (this.cache?.doc.version ?? 0))
        this.cache = new ServedCache(latest.document, this.deps.config.routing.recompute_every_s);
    } catch (err) {
      this.deps.logger.warn('routing feed: reading the latest version failed', { err });
    }
  }

  recompute(): Promise<RecomputeResult> {
    this.leading = true;
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<RecomputeResult> {
    await this.init();
    const cfg = this.deps.config.routing;
    const nowMs = this.deps.now().getTime();
    const targets = uniqueTargets(cfg.pools);
    const since = Object.fromEntries(
      [...this.circuits].filter(([, c]) => c.since > 0).map(([id, c]) => [id, c.since]),
    );
    // The reads are independent: run them together (the loop's latency is the feed's reaction time).
    const [stats, views] = await Promise.all([
      queryTargetStats(this.deps.storage, targets, {
        nowMs,
        windowS: cfg.window_s,
        errorWindowS: cfg.circuit.error_window_s,
        latencyWindowS: cfg.circuit.error_window_s,
        baselineS: cfg.baseline_s,
        capacityWindowS: cfg.reservation.window_s,
        environments: cfg.environments,
        since,
      }),
      queryGatewayViews(
        this.deps.storage,
        targets.map((t) => t.id),
        { nowMs, fromMs: nowMs - cfg.circuit.error_window_s * 1000, since },
      ).catch((err: unknown) => {
        this.deps.logger.warn('routing feed: reading gateway reports failed', { err });
        return new Map<string, GatewayView>();
      }),
    ]);
    for (const [id, view] of views)
      stats.set(id, { ...(stats.get(id) ?? emptyStats()), gateway: view });
    const { before, held } = advanceCircuits(this.circuits, targets, stats, cfg, nowMs);
    for (const id of held)
      this.deps.logger.warn('routing circuit held closed: its pool is at circuit.max_open_share', {
        target: id,
      });
    for (const t of targets) {
      const prev = before.get(t.id) ?? closedCircuit();
      const next = this.circuits.get(t.id);
      if (next !== undefined && next.state !== prev.state)
        this.deps.logger.info('routing circuit', {
          target: t.id,
          from: prev.state,
          to: next.state,
          reason: next.reason,
        });
    }
    const budgets = await this.budgetsAt(nowMs, targets);
    const out = computePools({
      cfg,
      stats,
      circuits: this.circuits,
      prev: this.weights,
      budgets,
      nowMs,
    });
    const hash = canonicalJson({
      pools: out.pools,
      budgets: budgets.map(({ spent_usd: _s, ...b }) => b),
      targets: Object.fromEntries(
        Object.entries(out.targets).map(([id, { observed: _o, ...t }]) => [id, t]),
      ),
    });
    const due = nowMs - this.publishedAt >= cfg.refresh_s * 1000;
    if (this.cache !== undefined && hash === this.contentHash && !due)
      return { version: this.version, published: false };
    this.weights = out.weights;
    this.contentHash = hash;
    this.publishedAt = nowMs;
    this.version += 1;
    const doc = signDocument(
      {
        schema: 'llm-routing-feed/v1',
        feed_id: cfg.feed_id,
        version: this.version,
        generated_at: new Date(nowMs).toISOString(),
        ttl_s: cfg.ttl_s,
        hard_expiry: new Date(nowMs + cfg.hard_expiry_s * 1000).toISOString(),
        targets: out.targets,
        pools: out.pools,
        budgets,
        changes: out.changes,
      },
      this.signingKey.privateKey,
      this.signingKey.kid,
    );
    this.cache = new ServedCache(doc, cfg.recompute_every_s);
    await insertVersion(
      this.deps.storage,
      doc,
      this.cache.get('native', undefined)?.etag ?? '',
    ).catch((err: unknown) => {
      this.deps.logger.warn('routing feed: version history write failed', {
        err,
        version: doc.version,
      });
    });
    return { version: this.version, published: true };
  }

  private async budgetsAt(
    nowMs: number,
    targets: ReturnType<typeof uniqueTargets>,
  ): Promise<FeedBudget[]> {
    const cfg = this.deps.config.routing;
    if (cfg.budgets.length === 0) return [];
    if (this.budgets === undefined || Math.abs(nowMs - this.budgets.at) >= BUDGET_REFRESH_MS) {
      this.budgets = {
        at: nowMs,
        value: await budgetStatus(
          this.deps.storage,
          cfg.budgets,
          targets,
          nowMs,
          this.deps.config.finops.reservations,
        ),
      };
    }
    return this.budgets.value;
  }
}

function uniqueTargets(
  pools: Config['routing']['pools'],
): Config['routing']['pools'][number]['targets'] {
  const seen = new Map<string, Config['routing']['pools'][number]['targets'][number]>();
  for (const p of pools) for (const t of p.targets) if (!seen.has(t.id)) seen.set(t.id, t);
  return [...seen.values()];
}
