// The price database on disk: the snapshot shipped in src/pricing/data (made from the npm package
// by scripts/genai-prices-snapshot.ts) and data fetched by `llm-finops prices refresh`, stored
// under <data dir>/prices with a meta file holding its sha256, so a torn or edited file is
// refused at start instead of pricing with it.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../shared/durable-file.js';

/** Only the fields the cost model reads: descriptions and usage extractors are left out. */
const PROVIDER_FIELDS = [
  'id',
  'name',
  'pricing_urls',
  'provider_match',
  'model_match',
  'fallback_model_providers',
];
const MODEL_FIELDS = ['id', 'name', 'match', 'prices', 'prices_checked', 'deprecated'];

const pick = (o: unknown, fields: string[]): Record<string, unknown> => {
  const r = (o ?? {}) as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => r[f] !== undefined).map((f) => [f, r[f]]));
};

export function projectProviders(providers: readonly unknown[]): Record<string, unknown>[] {
  return providers.map((p) => ({
    ...pick(p, PROVIDER_FIELDS),
    models: ((p as { models?: unknown[] }).models ?? []).map((m) => pick(m, MODEL_FIELDS)),
  }));
}

export interface DataSnapshot {
  source: string;
  version: string;
  /** ISO date the package version was published. */
  published: string;
  url: string;
  providers: unknown[];
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

let bundledMemo: { text: string; snapshot: DataSnapshot } | undefined;

/** The snapshot shipped with llm-finops (read once per process). */
export function readBundled(): { text: string; snapshot: DataSnapshot } {
  if (!bundledMemo) {
    const text = readFileSync(new URL('./data/genai-prices.json', import.meta.url), 'utf8');
    bundledMemo = { text, snapshot: JSON.parse(text) as DataSnapshot };
  }
  return bundledMemo;
}

export interface RefreshMeta {
  /** The data file beside the meta (named by its hash, so the previous one stays valid). */
  file: string;
  url: string;
  fetched_at: string;
  /** The data's own date when the server said (Last-Modified), else fetched_at. */
  as_of: string;
  sha256: string;
  bytes: number;
  providers: number;
  models: number;
}

export const pricesDir = (dataDir: string): string => join(dataDir, 'prices');
const metaPath = (dataDir: string): string => join(pricesDir(dataDir), 'genai-prices.meta.json');

/**
 * Refreshed data, verified against its meta; undefined when never refreshed; throws with the
 * reason when present but unusable (the loader falls back to the snapshot and warns).
 */
export function readRefreshed(dataDir: string): { text: string; meta: RefreshMeta } | undefined {
  let metaText: string;
  try {
    metaText = readFileSync(metaPath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const meta = JSON.parse(metaText) as RefreshMeta;
  if (typeof meta.file !== 'string' || !/^genai-prices-[0-9a-f]{12}\.json$/.test(meta.file))
    throw new Error(`${metaPath(dataDir)}: no valid data file name`);
  const path = join(pricesDir(dataDir), meta.file);
  const text = readFileSync(path, 'utf8');
  if (sha256(text) !== meta.sha256)
    throw new Error(`${path} does not match the sha256 in its meta file`);
  return { text, meta };
}

function writeDurably(path: string, text: string): void {
  writeFileDurably(path, text, `${path}.tmp-${process.pid}`);
}

/** The file name refreshed data is stored under. */
export const dataFileName = (hash: string): string => `genai-prices-${hash.slice(0, 12)}.json`;

/**
 * Stores refreshed data: the data file first (under a new name), then the meta naming it and its
 * hash (the rename of the meta is the commit); a crash in between leaves the previous data in use.
 */
export function writeRefreshed(dataDir: string, text: string, meta: RefreshMeta): void {
  const dir = pricesDir(dataDir);
  mkdirSync(dir, { recursive: true });
  writeDurably(join(dir, meta.file), text);
  writeDurably(metaPath(dataDir), `${JSON.stringify(meta, null, 2)}\n`);
  for (const f of readdirSync(dir))
    if (/^genai-prices-[0-9a-f]{12}\.json$/.test(f) && f !== meta.file)
      rmSync(join(dir, f), { force: true });
}
