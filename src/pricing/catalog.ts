// Builds a PriceCatalog from LiteLLM-format entries (model_prices_and_context_window.json) plus
// overrides. Pure: callers pass parsed objects; file reading lives in loader.ts.
import { parseMoney } from '../shared/money.js';
import type { MoneyValue } from '../shared/money.js';
import { normalizeModelName } from './normalize.js';
import type { Overrides } from './overrides.js';
import type { PriceCatalog, PriceEntry, PriceTier } from './types.js';

const BASE_FIELDS = {
  input_cost_per_token: 'input',
  output_cost_per_token: 'output',
  cache_read_input_token_cost: 'cacheRead',
  cache_creation_input_token_cost: 'cacheCreation',
} as const;
type BaseField = keyof typeof BASE_FIELDS;

// LiteLLM tier fields: "<base field>_above_<N>k_tokens" (200k for Gemini/Claude, 128k, 272k...).
const TIER_FIELD =
  /^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost)_above_(\d+)k_tokens$/;

type Origin = PriceEntry['origin'];

// LiteLLM's file repeats a few hundred distinct prices across thousands of entries; Decimals
// are immutable, so sharing one per distinct number keeps loading a full file well under 200 ms.
const priceCache = new Map<unknown, MoneyValue>();

function cachedPrice(value: unknown): MoneyValue | undefined {
  const hit = priceCache.get(value);
  if (hit) return hit;
  const d = parseMoney(value);
  if (d && priceCache.size < 100_000) priceCache.set(value, d);
  return d;
}

/** Reads a price field; a present-but-unreadable value is an error, never a silent zero. */
function priceField(
  key: string,
  record: Record<string, unknown>,
  field: string,
): MoneyValue | undefined {
  const value = record[field];
  if (value === undefined || value === null) return undefined;
  const d = cachedPrice(value);
  if (!d) throw new Error(`${key}.${field}: not a non-negative number (${JSON.stringify(value)})`);
  return d;
}

function parseTiers(key: string, record: Record<string, unknown>): PriceTier[] {
  const tiers = new Map<number, PriceTier>();
  for (const field of Object.keys(record)) {
    if (!field.includes('_above_')) continue; // cheap pre-filter: most fields are not tiers
    const m = TIER_FIELD.exec(field);
    if (!m) continue;
    const threshold = Number(m[2]) * 1000;
    const tier = tiers.get(threshold) ?? { threshold };
    tier[BASE_FIELDS[m[1] as BaseField]] = priceField(key, record, field);
    tiers.set(threshold, tier);
  }
  return [...tiers.values()].sort((a, b) => b.threshold - a.threshold);
}

/**
 * One LiteLLM entry -> PriceEntry; undefined for entries without token prices (image, audio,
 * per-request models) because pricing their token fields at 0 would be a silent $0.
 */
export function parseEntry(key: string, value: unknown, origin: Origin): PriceEntry | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${key}: entry is not an object`);
  }
  const r = value as Record<string, unknown>;
  const input = priceField(key, r, 'input_cost_per_token');
  const output = priceField(key, r, 'output_cost_per_token');
  if (input === undefined && output === undefined) return undefined;
  const str = (f: string): string => (typeof r[f] === 'string' ? (r[f] as string) : '');
  return {
    key,
    litellmProvider: str('litellm_provider'),
    mode: str('mode'),
    input: input ?? parseMoney(0)!,
    output: output ?? parseMoney(0)!,
    cacheRead: priceField(key, r, 'cache_read_input_token_cost'),
    cacheCreation: priceField(key, r, 'cache_creation_input_token_cost'),
    reasoning: priceField(key, r, 'output_cost_per_reasoning_token'),
    tiers: parseTiers(key, r),
    source: str('source'),
    validFrom: str('valid_from'),
    origin,
  };
}

/** Parses a whole LiteLLM-format object; bad entries are skipped with a warning naming them. */
export function parseEntries(
  raw: unknown,
  origin: Origin,
  warnings: string[],
): Map<string, PriceEntry> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error('price file: top level must be a JSON object of model name -> entry');
  }
  const entries = new Map<string, PriceEntry>();
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'sample_spec') continue; // LiteLLM's documentation entry, not a model
    try {
      const entry = parseEntry(key, value, origin);
      if (entry) entries.set(key, entry);
    } catch (err) {
      warnings.push(`skipped ${(err as Error).message}`);
    }
  }
  return entries;
}

/** Merges override fields onto an existing entry (same key) or adds a custom model. */
function applyModelOverrides(entries: Map<string, PriceEntry>, overrides: Overrides): void {
  const byLower = new Map([...entries.keys()].map((k) => [k.toLowerCase(), k]));
  for (const [name, fields] of Object.entries(overrides.models)) {
    const key = byLower.get(name.toLowerCase()) ?? name;
    const base = entries.get(key);
    // Only fields the override actually sets replace the catalog's; absent ones keep list prices.
    const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const merged: Record<string, unknown> = { ...(base ? entryToFields(base) : {}), ...set };
    const entry = parseEntry(key, merged, 'override');
    if (!entry)
      throw new Error(
        `overrides models.${name}: needs input_cost_per_token or output_cost_per_token`,
      );
    entries.set(key, entry);
  }
}

/** Back to LiteLLM field names, so overrides merge field by field in one vocabulary. */
function entryToFields(e: PriceEntry): Record<string, unknown> {
  const f: Record<string, unknown> = {
    litellm_provider: e.litellmProvider,
    mode: e.mode,
    source: e.source,
    valid_from: e.validFrom,
    input_cost_per_token: e.input.toFixed(),
    output_cost_per_token: e.output.toFixed(),
    cache_read_input_token_cost: e.cacheRead?.toFixed(),
    cache_creation_input_token_cost: e.cacheCreation?.toFixed(),
    output_cost_per_reasoning_token: e.reasoning?.toFixed(),
  };
  for (const t of e.tiers) {
    const k = `_above_${t.threshold / 1000}k_tokens`;
    f[`input_cost_per_token${k}`] = t.input?.toFixed();
    f[`output_cost_per_token${k}`] = t.output?.toFixed();
    f[`cache_read_input_token_cost${k}`] = t.cacheRead?.toFixed();
    f[`cache_creation_input_token_cost${k}`] = t.cacheCreation?.toFixed();
  }
  return f;
}

export interface BuildOptions {
  entries: Map<string, PriceEntry>;
  overrides: Overrides;
  /** From the main config (pricing.deployment_models); the overrides file's map wins on clashes. */
  deploymentModels?: Record<string, string>;
  version: string;
  label: string;
  warnings: string[];
}

const lowerMap = (rec: Record<string, string>): Map<string, string> =>
  new Map(Object.entries(rec).map(([k, v]) => [k.trim().toLowerCase(), v.trim()]));

const percentMap = (rec: Record<string, number | string>): Map<string, MoneyValue> =>
  new Map(Object.entries(rec).map(([k, v]) => [k.trim().toLowerCase(), parseMoney(v)!]));

export function buildCatalog(opts: BuildOptions): PriceCatalog {
  const entries = new Map(opts.entries);
  applyModelOverrides(entries, opts.overrides);
  const byLowerKey = new Map<string, string>();
  const byNormalized = new Map<string, string[]>();
  for (const key of entries.keys()) {
    const lower = key.toLowerCase();
    if (!byLowerKey.has(lower)) byLowerKey.set(lower, key); // first in file order wins
    const norm = normalizeModelName(key).name;
    const list = byNormalized.get(norm);
    if (list) list.push(key);
    else byNormalized.set(norm, [key]);
  }
  return {
    version: opts.version,
    label: opts.label,
    entries,
    byLowerKey,
    byNormalized,
    aliases: lowerMap(opts.overrides.aliases),
    deployments: lowerMap({ ...(opts.deploymentModels ?? {}), ...opts.overrides.deployments }),
    discounts: {
      models: percentMap(opts.overrides.discounts.models),
      providers: percentMap(opts.overrides.discounts.providers),
    },
    warnings: opts.warnings,
  };
}
