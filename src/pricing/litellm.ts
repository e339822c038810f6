// LiteLLM's model_prices_and_context_window.json format (and the overrides file, which uses the
// same field names) -> PriceEntries. Pure: callers pass parsed objects.
//
// A price field is <base>[_above_<N>k_tokens | _above_<N>_tokens][_priority | _flex | _batches],
// e.g. input_cost_per_token_above_200k_tokens_priority. Bases and what they price are in BASES.
import { parseMoney } from '../shared/money.js';
import type { MoneyValue } from '../shared/money.js';
import type {
  PriceEntry,
  PriceSet,
  RateKind,
  Rates,
  ServiceTier,
  ThresholdRates,
  TierPrices,
} from './types.js';

const BASES: Readonly<Record<string, RateKind>> = {
  input_cost_per_token: 'input',
  output_cost_per_token: 'output',
  cache_read_input_token_cost: 'cacheRead',
  // Listed before its prefix below so the regex prefers it ("_above_1hr" is a TTL, not a tier).
  cache_creation_input_token_cost_above_1hr: 'cacheWrite1h',
  cache_creation_input_token_cost: 'cacheWrite',
  output_cost_per_reasoning_token: 'reasoning',
  input_cost_per_audio_token: 'audioInput',
  output_cost_per_audio_token: 'audioOutput',
  output_cost_per_image_token: 'imageOutput',
  search_context_cost_per_query: 'webSearch',
  input_cost_per_request: 'request',
};

const PRICE_FIELD = new RegExp(
  `^(${Object.keys(BASES).join('|')})(?:_above_(\\d+)(k?)_tokens)?(?:_(priority|flex|batches))?$`,
);

const SERVICE: Readonly<Record<string, ServiceTier>> = {
  priority: 'priority',
  flex: 'flex',
  batches: 'batch',
};

/** String fields an entry (or an override) may carry besides prices. */
export const STRING_FIELDS = ['litellm_provider', 'mode', 'source', 'valid_from'] as const;

export interface PriceField {
  kind: RateKind;
  /** 0 = base price; else the prompt size above which it applies. */
  threshold: number;
  service: ServiceTier | undefined;
}

/** Parses a field name; undefined when it is not a price this cost model bills. */
export function priceField(name: string): PriceField | undefined {
  const m = PRICE_FIELD.exec(name);
  if (!m) return undefined;
  const n = m[2] === undefined ? 0 : Number(m[2]) * (m[3] === 'k' ? 1000 : 1);
  return { kind: BASES[m[1]!]!, threshold: n, service: m[4] ? SERVICE[m[4]] : undefined };
}

// LiteLLM's file repeats a few hundred distinct prices across thousands of entries; Decimals
// are immutable, so sharing one per distinct number keeps loading a full file fast.
const priceCache = new Map<unknown, MoneyValue>();

function cachedPrice(value: unknown): MoneyValue | undefined {
  const hit = priceCache.get(value);
  if (hit) return hit;
  const d = parseMoney(value);
  if (d && priceCache.size < 100_000) priceCache.set(value, d);
  return d;
}

/**
 * A price value; a present-but-unreadable value is an error, never a silent zero. Web search is
 * priced per query by search context size: the medium size, LiteLLM's own default, is used.
 */
function readValue(key: string, field: string, value: unknown): MoneyValue {
  const v =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)['search_context_size_medium']
      : value;
  const d = cachedPrice(v);
  if (!d) throw new Error(`${key}.${field}: not a non-negative number (${JSON.stringify(value)})`);
  return d;
}

const emptyTier = (): TierPrices => ({ base: {}, thresholds: [] });

function thresholdRates(tier: TierPrices, threshold: number): Rates {
  let t = tier.thresholds.find((x) => x.threshold === threshold);
  if (!t) {
    t = { threshold, rates: {} };
    tier.thresholds.push(t);
  }
  return t.rates;
}

/** Every price field of a record as a PriceSet; unknown "*cost*" fields are listed as ignored. */
export function readPriceSet(
  key: string,
  record: Record<string, unknown>,
): { set: PriceSet; ignored: string[] } {
  const set: PriceSet = { ...emptyTier(), service: {} };
  const ignored: string[] = [];
  for (const [field, value] of Object.entries(record)) {
    if (value === undefined || value === null) continue;
    const f = priceField(field);
    if (!f) {
      if (field.includes('cost') && !(STRING_FIELDS as readonly string[]).includes(field))
        ignored.push(field);
      continue;
    }
    const tier = f.service ? (set.service[f.service] ??= emptyTier()) : set;
    const rates = f.threshold === 0 ? tier.base : thresholdRates(tier, f.threshold);
    rates[f.kind] = readValue(key, field, value);
  }
  const sortDesc = (t: TierPrices): ThresholdRates[] =>
    t.thresholds.sort((a, b) => b.threshold - a.threshold);
  sortDesc(set);
  for (const t of Object.values(set.service)) sortDesc(t);
  return { set, ignored: ignored.sort() };
}

/** Token kinds an entry must price at least one of to be a token-priced model. */
const TOKEN_KINDS: readonly RateKind[] = [
  'input',
  'output',
  'imageOutput',
  'audioInput',
  'audioOutput',
];

const str = (r: Record<string, unknown>, f: string): string =>
  typeof r[f] === 'string' ? (r[f] as string) : '';

/**
 * One LiteLLM entry -> PriceEntry; undefined for entries without token prices (per-image,
 * per-second models) because pricing their token counts at 0 would be a silent $0.
 */
export function parseLiteLlmEntry(
  key: string,
  value: unknown,
  origin: PriceEntry['origin'],
): PriceEntry | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${key}: entry is not an object`);
  }
  const r = value as Record<string, unknown>;
  const { set, ignored } = readPriceSet(key, r);
  if (!TOKEN_KINDS.some((k) => set.base[k] !== undefined)) return undefined;
  return {
    key,
    provider: str(r, 'litellm_provider'),
    mode: str(r, 'mode'),
    periods: [{ fromMs: -Infinity, label: '', prices: set }],
    source: str(r, 'source'),
    validFrom: str(r, 'valid_from'),
    origin,
    ...(ignored.length > 0 ? { ignored } : {}),
  };
}

/** Parses a whole LiteLLM-format object; bad entries are skipped with a warning naming them. */
export function parseLiteLlmFile(
  raw: unknown,
  origin: PriceEntry['origin'],
  warnings: string[],
): Map<string, PriceEntry> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new Error('price file: top level must be a JSON object of model name -> entry');
  }
  const entries = new Map<string, PriceEntry>();
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'sample_spec') continue; // LiteLLM's documentation entry, not a model
    try {
      const entry = parseLiteLlmEntry(key, value, origin);
      if (entry) entries.set(key, entry);
    } catch (err) {
      warnings.push(`skipped ${(err as Error).message}`);
    }
  }
  return entries;
}

function mergeTier(base: TierPrices, patch: TierPrices): TierPrices {
  const thresholds = base.thresholds.map((t) => ({
    threshold: t.threshold,
    rates: { ...t.rates },
  }));
  for (const p of patch.thresholds) {
    const hit = thresholds.find((t) => t.threshold === p.threshold);
    if (hit) Object.assign(hit.rates, p.rates);
    else thresholds.push({ threshold: p.threshold, rates: { ...p.rates } });
  }
  thresholds.sort((a, b) => b.threshold - a.threshold);
  return { base: { ...base.base, ...patch.base }, thresholds };
}

/** `patch` over `base`, field by field: what the patch sets replaces, the rest is kept. */
export function mergePriceSet(base: PriceSet, patch: PriceSet): PriceSet {
  const service: PriceSet['service'] = { ...base.service };
  for (const [tier, p] of Object.entries(patch.service) as [ServiceTier, TierPrices][])
    service[tier] = mergeTier(base.service[tier] ?? emptyTier(), p);
  return { ...mergeTier(base, patch), service };
}
