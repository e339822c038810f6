// `llm-finops prices refresh [--url U]`: fetches newer price data (the database's live feed by
// default), validates it with the same parser that prices with it, and stores it under the data
// dir, where the next start picks it up. Nothing is stored unless the whole file is valid.
import { readBundled, dataFileName, readRefreshed, sha256, writeRefreshed } from './data-file.js';
import type { RefreshMeta } from './data-file.js';
import { modelCount, parseDatabase } from './database.js';

/** The database's published live feed (the URL the npm package itself updates from). */
export const DEFAULT_REFRESH_URL =
  'https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json';

/** Refuse anything larger: the real file is well under 1 MB. */
export const MAX_REFRESH_BYTES = 32 * 1024 * 1024;

export interface RefreshOptions {
  dataDir: string;
  url?: string;
  timeoutMs?: number;
  /** Largest body accepted (default MAX_REFRESH_BYTES). */
  maxBytes?: number;
  /** Injected clock, for tests. */
  now?: () => Date;
}

export interface RefreshResult {
  url: string;
  stored: boolean;
  /** Why nothing new was stored (same data as before). */
  unchanged: boolean;
  meta: RefreshMeta;
  previous: string;
}

async function readBody(res: Response, url: string, max: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) throw new Error(`${url}: ${declared} bytes is over the ${max}-byte limit`);
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new Error(`${url}: body over the ${max}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The data's date per the server (Last-Modified), when it is a sane past date. */
function lastModified(res: Response, now: Date): string | undefined {
  const t = Date.parse(res.headers.get('last-modified') ?? '');
  return Number.isNaN(t) || t > now.getTime() ? undefined : new Date(t).toISOString();
}

export async function refreshPrices(opts: RefreshOptions): Promise<RefreshResult> {
  const url = opts.url ?? DEFAULT_REFRESH_URL;
  const now = (opts.now ?? (() => new Date()))();
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
  } catch (err) {
    throw new Error(`${url}: fetch failed (${(err as Error).message}); offline? nothing changed`, {
      cause: err,
    });
  }
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}; nothing changed`);
  const text = await readBody(res, url, opts.maxBytes ?? MAX_REFRESH_BYTES);
  let layer;
  try {
    layer = parseDatabase(JSON.parse(text), 'refresh', 'refreshed');
  } catch (err) {
    throw new Error(`${url}: not valid price data (${(err as Error).message}); nothing changed`, {
      cause: err,
    });
  }
  const previousRefresh = safeReadRefreshed(opts.dataDir);
  const previous = previousRefresh
    ? `refreshed ${previousRefresh.meta.as_of} (${previousRefresh.meta.sha256.slice(0, 12)})`
    : `bundled ${readBundled().snapshot.version}`;
  const hash = sha256(text);
  const fetchedAt = now.toISOString();
  const meta: RefreshMeta = {
    file: dataFileName(hash),
    url,
    fetched_at: fetchedAt,
    as_of: lastModified(res, now) ?? fetchedAt,
    sha256: hash,
    bytes: Buffer.byteLength(text),
    providers: layer.providers.length,
    models: modelCount(layer),
  };
  // Same content again: the date still moves forward (the data is current as of now).
  const unchanged = previousRefresh?.meta.sha256 === hash;
  writeRefreshed(opts.dataDir, text, meta);
  return { url, stored: true, unchanged, meta, previous };
}

function safeReadRefreshed(dataDir: string): ReturnType<typeof readRefreshed> {
  try {
    return readRefreshed(dataDir);
  } catch {
    return undefined; // unusable old data is simply replaced
  }
}

export function formatRefresh(r: RefreshResult): string {
  return [
    `fetched ${r.url}`,
    `  ${r.meta.providers} providers, ${r.meta.models} models, ${r.meta.bytes} bytes, sha256 ${r.meta.sha256.slice(0, 12)}${r.unchanged ? ' (same data as before)' : ''}`,
    `  stored as ${r.meta.file}; as of ${r.meta.as_of}; replaces ${r.previous}`,
    '  a collector picks it up at its next start',
  ].join('\n');
}
