// Pre-serialized feed responses: the body bytes and headers of every (format, pool) rendering
// of the current version are built once, so the hot path only compares an ETag and writes a
// Buffer (the bench goal is >= 80% of a bare express route).
import type { FeedDocument } from '../../routing-client/types.js';
import { renderLitellm, renderPortkey } from './render.js';

export const FEED_FORMATS = ['native', 'litellm', 'portkey'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

export interface Served {
  etag: string;
  body: Buffer;
  /** Headers for 200 (304 sends the same minus the body headers). */
  headers: Record<string, string>;
  notModifiedHeaders: Record<string, string>;
}

export class ServedCache {
  private readonly entries = new Map<string, Served>();

  constructor(
    readonly doc: FeedDocument,
    private readonly maxAgeS: number,
  ) {}

  get(format: FeedFormat, pool: string | undefined): Served | undefined {
    const key = `${format}|${pool ?? ''}`;
    let entry = this.entries.get(key);
    if (entry === undefined) {
      const value = this.render(format, pool);
      if (value === undefined) return undefined;
      entry = this.build(format, pool, value);
      this.entries.set(key, entry);
    }
    return entry;
  }

  private render(format: FeedFormat, pool: string | undefined): unknown {
    if (pool !== undefined && !this.doc.pools.some((p) => p.pool === pool)) return undefined;
    if (format === 'litellm') return renderLitellm(this.doc, pool);
    if (format === 'portkey') return renderPortkey(this.doc, pool);
    // The signed document is served whole: a pool subset would not verify.
    return this.doc;
  }

  private build(format: FeedFormat, pool: string | undefined, value: unknown): Served {
    const body = Buffer.from(JSON.stringify(value));
    const suffix = format === 'native' ? '' : `-${format}${pool !== undefined ? `-${pool}` : ''}`;
    const etag = `"${this.doc.feed_id}-v${this.doc.version}${suffix}"`;
    const common = {
      etag,
      // Intermediaries may hold a version for one recomputation period, never longer.
      'cache-control': `public, max-age=${this.maxAgeS}`,
      'x-feed-version': String(this.doc.version),
    };
    return {
      etag,
      body,
      headers: {
        ...common,
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(body.length),
      },
      notModifiedHeaders: common,
    };
  }
}

/** If-None-Match: a list of entity tags (weak comparison), or `*`. */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined || header === '') return false;
  if (header === etag) return true;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
