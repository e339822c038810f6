// Polls the feed with If-None-Match, accepts only a correctly signed document with a higher
// version, and stays fail-static: on any error the last good document is kept until its
// hard_expiry, then the static fallback (the gateway's own config) takes over. Never empty.
import { verifyDocument, type PublicKeys } from './canonical.js';
import type { FeedDocument } from './types.js';

export type PollOutcome = 'updated' | 'not_modified' | 'stale' | 'rejected' | 'error';

export interface PollerOptions {
  url: string;
  /** Pinned public keys by kid (PEM or KeyObject), e.g. from GET /v1/routing/keys at deploy time. */
  keys: PublicKeys;
  /** The gateway's static routing, used before the first document and after hard_expiry. */
  fallback?: FeedDocument;
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
  lastError: string | undefined;
  lastSuccessAt: number | undefined;

  constructor(private readonly opts: PollerOptions) {}

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

  private async fetchOnce(): Promise<{ outcome: PollOutcome; reason?: string }> {
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
    const reason = this.reject(doc);
    if (reason !== undefined) {
      this.lastError = reason;
      return { outcome: 'rejected', reason };
    }
    this.lastSuccessAt = this.now;
    if (this.doc !== undefined && doc.version <= this.doc.version) return { outcome: 'stale' };
    this.doc = doc;
    this.etag = res.headers.get('etag') ?? undefined;
    return { outcome: 'updated' };
  }

  /** Why a fetched document must not be applied, if it must not. */
  private reject(doc: FeedDocument): string | undefined {
    if (doc === null || typeof doc !== 'object' || doc.schema !== 'llm-routing-feed/v1')
      return 'not an llm-routing-feed/v1 document';
    const check = verifyDocument(doc, this.opts.keys);
    if (!check.ok) return check.reason;
    if (!Number.isInteger(doc.version) || !Array.isArray(doc.pools)) return 'malformed document';
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
