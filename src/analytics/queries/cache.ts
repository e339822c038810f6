// Cache effectiveness: app-cache hit rate per route and layer (a row with cache_layer set is one
// lookup; cache_hit = true means no provider call was made), and prompt-cache share of input
// tokens per route and model (cache_read_tokens / input_tokens; input is inclusive of cache reads).
import type { QueryRunner } from '../../storage/runner.js';
import {
  keyOf,
  num,
  ratio,
  readWindow,
  readWindows,
  type ResultRow,
  type Source,
  type WindowRead,
} from './stats-source.js';

export interface CacheQuery {
  from: Date;
  to: Date;
  tenant?: string | undefined;
  source?: Source;
}

export interface AppCacheRow {
  route: string;
  cache_layer: string;
  lookups: number;
  hits: number;
  hit_rate: number | null;
}

export interface PromptCacheRow {
  route: string;
  model: string;
  /** Provider calls that sent a prompt. */
  calls: number;
  /** Calls that read anything from the provider's prompt cache. */
  calls_with_cache_read: number;
  call_hit_rate: number | null;
  input_tokens: number;
  cache_read_tokens: number;
  /** cache_read_tokens / input_tokens. */
  token_share: number | null;
}

export interface CacheReport {
  app_cache: AppCacheRow[];
  prompt_cache: PromptCacheRow[];
}

export const CACHE_READ_DIMS = ['route', 'cache_layer', 'model'] as const;

const CACHE_READ_MEASURES = [
  'rows',
  'hits',
  'prompt_calls',
  'read_calls',
  'prompt_tokens',
  'read_tokens',
] as const;

function cacheRead(q: CacheQuery, dims: readonly string[]): WindowRead {
  return {
    subject: 'cache',
    from: q.from,
    to: q.to,
    dims,
    measures: CACHE_READ_MEASURES,
    tenant: q.tenant,
    source: q.source,
  };
}

/** Reads the cache rollup for one window, grouped by the given dimensions. */
export function readCacheWindow(
  storage: QueryRunner,
  q: CacheQuery,
  dims: readonly string[],
): Promise<ResultRow[]> {
  return readWindow(storage, cacheRead(q, dims));
}

/** Reads the cache rollup for several windows (same scope) in one query. */
export function readCacheWindows(
  storage: QueryRunner,
  qs: readonly CacheQuery[],
  dims: readonly string[],
): Promise<ResultRow[][]> {
  return readWindows(
    storage,
    qs.map((q) => cacheRead(q, dims)),
  );
}

interface Sums {
  dims: Record<string, string>;
  rows: number;
  hits: number;
  prompt_calls: number;
  read_calls: number;
  input_tokens: number;
  cache_read_tokens: number;
}

/** Sums rows by `dims`, keeping only rows that pass `keep`. */
export function sumBy(
  rows: ResultRow[],
  dims: readonly string[],
  keep: (row: ResultRow) => boolean = () => true,
): Map<string, Sums> {
  const out = new Map<string, Sums>();
  for (const row of rows) {
    if (!keep(row)) continue;
    const key = keyOf(row, dims);
    const s = out.get(key) ?? {
      dims: Object.fromEntries(dims.map((d) => [d, String(row[d] ?? '')])),
      rows: 0,
      hits: 0,
      prompt_calls: 0,
      read_calls: 0,
      input_tokens: 0,
      cache_read_tokens: 0,
    };
    s.rows += num(row.rows);
    s.hits += num(row.hits);
    s.prompt_calls += num(row.prompt_calls);
    s.read_calls += num(row.read_calls);
    s.input_tokens += num(row.prompt_tokens);
    s.cache_read_tokens += num(row.read_tokens);
    out.set(key, s);
  }
  return out;
}

export const isLookup = (row: ResultRow): boolean => String(row.cache_layer ?? '') !== '';

export async function queryCache(storage: QueryRunner, query: CacheQuery): Promise<CacheReport> {
  const rows = await readCacheWindow(storage, query, CACHE_READ_DIMS);
  const app = [...sumBy(rows, ['route', 'cache_layer'], isLookup).values()].map((s) => ({
    route: s.dims.route ?? '',
    cache_layer: s.dims.cache_layer ?? '',
    lookups: s.rows,
    hits: s.hits,
    hit_rate: ratio(s.hits, s.rows),
  }));
  const prompt = [...sumBy(rows, ['route', 'model'], (r) => num(r.prompt_calls) > 0).values()].map(
    (s) => ({
      route: s.dims.route ?? '',
      model: s.dims.model ?? '',
      calls: s.prompt_calls,
      calls_with_cache_read: s.read_calls,
      call_hit_rate: ratio(s.read_calls, s.prompt_calls),
      input_tokens: s.input_tokens,
      cache_read_tokens: s.cache_read_tokens,
      token_share: ratio(s.cache_read_tokens, s.input_tokens),
    }),
  );
  app.sort(
    (a, b) =>
      b.lookups - a.lookups ||
      a.route.localeCompare(b.route) ||
      a.cache_layer.localeCompare(b.cache_layer),
  );
  prompt.sort(
    (a, b) =>
      b.input_tokens - a.input_tokens ||
      a.route.localeCompare(b.route) ||
      a.model.localeCompare(b.model),
  );
  return { app_cache: app, prompt_cache: prompt };
}
