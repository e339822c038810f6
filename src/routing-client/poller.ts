// Polls the feed with If-None-Match, accepts only a correctly signed document of the expected
// feed with a higher version, and stays fail-static: on any error the last good document is
// kept until its hard_expiry, then the static fallback (the gateway's own config) takes over.
// Never empty. With a state store the highest accepted version survives restarts (state.ts).
import { verifyDocument, type PublicKeys } from './canonical.js';
import { fileFeedState, type FeedState, type FeedStateStore } from './state.js';
import type { FeedDocument } from './types.js';

export type PollOutcome = 'updated' | 'not_modified' | 'stale' | 'rejected' | 'error';

export interface PollerOptions {
  url: string;
  /** Pinned public keys by kid (PEM or KeyObject), e.g. from GET /v1/routing/keys at deploy time. */
  keys: PublicKeys;
  /** The gateway's static routing, used before the first document and after hard_expiry. */
  fallback?: FeedDocument;
  /**
   * The feed_id this gateway follows; documents of another feed are refused. Unset: the first
   * accepted document's feed_id (or the saved state's) is pinned.
   */
  feedId?: string;
  /** Keep the highest accepted version in this file, so a restart cannot be rolled back. */
  stateFile?: string;
  /** Or keep it wherever the gateway likes (one of stateFile / state). */
  state?: FeedStateStore;
  fetch?: typeof fetch;
  now?: () => number;
  timeoutMs?: number;
  headers?: Record<string, string>;
  onEvent?: (event: { outcome: PollOutcome; version?: number; reason?: string }) => void;
}

export class FeedPoller {
  private doc: FeedDocument | undefined;
  private etag: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly store: FeedStateStore | undefined;
  /** The highest accepted version, from memory or the store; undefined until one is known. */
  private highWater: FeedState | undefined;
  private loaded = false;
  lastError: string | undefined;
  lastSuccessAt: number | undefined;

  constructor(private readonly opts: PollerOptions) {
    if (opts.stateFile !== undefined && opts.state !== undefined)
      throw new TypeError('give stateFile or state, not both');
    this.store =
      opts.state ?? (opts.stateFile !== undefined ? fileFeedState(opts.stateFile) : undefined);
  }

  private get now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** The document to route by: the last good one until hard_expiry, else the static fallback. */
  document(): FeedDocument | undefined {
    if (this.doc !== undefined && Date.parse(this.doc.hard_expiry) > this.now) return this.doc;
    return this.opts.fallback;
  }

  /** Which document is in force. */
  source(): 'feed' | 'static' | 'none' {
    if (this.doc !== undefined && Date.parse(this.doc.hard_expiry) > this.now) return 'feed';
    return this.opts.fallback !== undefined ? 'static' : 'none';
  }

  async poll(): Promise<PollOutcome> {
    const outcome = await this.fetchOnce().catch((err: unknown) => {
      this.lastError = (err as Error).message;
      return { outcome: 'error' as const, reason: this.lastError };
    });
    this.opts.onEvent?.({
      ...outcome,
      ...(this.doc !== undefined ? { version: this.doc.version } : {}),
    });
    return outcome.outcome;
  }

  /** Read the saved high-water mark once; until it is read nothing is accepted. */
  private async loadState(): Promise<void> {
    if (this.loaded || this.store === undefined) return;
    const saved = await this.store.load();
    // A state of another feed says nothing about this one (the configured feed_id changed).
    if (
      saved !== undefined &&
      (this.opts.feedId === undefined || saved.feed_id === this.opts.feedId)
    )
      this.highWater = saved;
    this.loaded = true;
  }

  private async fetchOnce(): Promise<{ outcome: PollOutcome; reason?: string }> {
    await this.loadState();
    const headers: Record<string, string> = { accept: 'application/json', ...this.opts.headers };
    if (this.etag !== undefined) headers['if-none-match'] = this.etag;
    const res = await (this.opts.fetch ?? fetch)(this.opts.url, {
      headers,
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5_000),
    });
    if (res.status === 304) {
      await res.arrayBuffer();
      this.lastSuccessAt = this.now;
      return { outcome: 'not_modified' };
    }
    if (res.status !== 200) {
      await res.arrayBuffer();
      this.lastError = `HTTP ${res.status}`;
      return { outcome: 'error', reason: this.lastError };
    }
    const doc = (await res.json()) as FeedDocument;
    const reason = this.reject(doc) ?? this.rollback(doc);
    if (reason !== undefined) {
      this.lastError = reason;
      return { outcome: 'rejected', reason };
    }
    this.lastSuccessAt = this.now;
    if (this.doc !== undefined && doc.version <= this.doc.version) return { outcome: 'stale' };
    // Saved before it is applied, so the saved mark is never behind the version in force.
    const saveError = await this.raiseHighWater(doc);
    this.doc = doc;
    this.etag = res.headers.get('etag') ?? undefined;
    return saveError !== undefined
      ? { outcome: 'updated', reason: saveError }
      : { outcome: 'updated' };
  }

  /** A signed document of another feed, or older than a version accepted before a restart. */
  private rollback(doc: FeedDocument): string | undefined {
    const feedId = this.opts.feedId ?? this.highWater?.feed_id ?? this.doc?.feed_id;
    if (feedId !== undefined && doc.feed_id !== feedId)
      return `feed_id ${JSON.stringify(doc.feed_id)} is not the expected ${JSON.stringify(feedId)}`;
    const hw = this.highWater;
    if (this.doc !== undefined || hw === undefined) return undefined; // memory decides (stale)
    if (doc.version < hw.version)
      return `version ${doc.version} is older than version ${hw.version} accepted before (kept in the feed state)`;
    if (doc.version === hw.version && hw.sig !== undefined && doc.signature?.sig !== hw.sig)
      return `version ${doc.version} was accepted before with another signature`;
    return undefined;
  }

  /** Remember (and save) the accepted version; a failed save is reported, not fatal. */
  private async raiseHighWater(doc: FeedDocument): Promise<string | undefined> {
    const state: FeedState = {
      feed_id: doc.feed_id,
      version: doc.version,
      ...(doc.signature !== undefined ? { sig: doc.signature.sig } : {}),
    };
    this.highWater = state;
    if (this.store === undefined) return undefined;
    try {
      await this.store.save(state);
      return undefined;
    } catch (err) {
      this.lastError = `feed state not saved: ${(err as Error).message}`;
      return this.lastError;
    }
  }

  /** Why a fetched document must not be applied, if it must not. */
  private reject(doc: FeedDocument): string | undefined {
    if (doc === null || typeof doc !== 'object' || doc.schema !== 'llm-routing-feed/v1')
      return 'not an llm-routing-feed/v1 document';
    const check = verifyDocument(doc, this.opts.keys);
    if (!check.ok) return check.reason;
    if (
      !Number.isSafeInteger(doc.version) ||
      typeof doc.feed_id !== 'string' ||
      !Array.isArray(doc.pools)
    )
      return 'malformed document';
    if (!(Date.parse(doc.hard_expiry) > this.now)) return 'document already past hard_expiry';
    return undefined;
  }

  /** Poll every ttl_s of the current document (30 s before the first), with ±10% jitter. */
  start(): void {
    const loop = async (): Promise<void> => {
      await this.poll();
      const ttl = (this.doc?.ttl_s ?? 30) * 1000;
      this.timer = setTimeout(() => void loop(), ttl * (0.9 + Math.random() * 0.2));
      this.timer.unref();
    };
    void loop();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
  }
}
