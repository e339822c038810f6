// Types shared by the pricing modules. Prices are per token (per search, per request for the
// fees), in USD, as exact Decimals. Both price sources (the maintained database and LiteLLM-format
// files) are read into these shapes, so the cost math never knows where a price came from.
import type { MoneyValue } from '../shared/money.js';

/**
 * What a price applies to. Counts of each kind are parts of the canonical totals: cache reads,
 * cache writes and audio input are inside input_tokens; reasoning, audio and image output are
 * inside output_tokens. A kind without its own price falls back to its parent (see cost.ts).
 */
export const RATE_KINDS = [
  'input',
  'cacheRead',
  'cacheWrite',
  'cacheWrite1h',
  'output',
  'reasoning',
  'audioInput',
  'audioOutput',
  'imageOutput',
  'webSearch',
  'request',
] as const;
export type RateKind = (typeof RATE_KINDS)[number];
export type Rates = Partial<Record<RateKind, MoneyValue>>;

/** Provider service tiers that bill at their own prices (the standard tier is the base). */
export const SERVICE_TIERS = ['priority', 'flex', 'batch'] as const;
export type ServiceTier = (typeof SERVICE_TIERS)[number];

/** Prices that replace the base ones when the prompt is strictly above `threshold` tokens. */
export interface ThresholdRates {
  threshold: number;
  rates: Rates;
}

/** One tier's prices: base plus thresholds (sorted highest first, so the first exceeded wins). */
export interface TierPrices {
  base: Rates;
  thresholds: ThresholdRates[];
}

/** Standard prices plus any service-tier prices the data has. */
export interface PriceSet extends TierPrices {
  service: Partial<Record<ServiceTier, TierPrices>>;
}

/** When a price set is in force (dated price changes, time-of-day discounts). */
export interface PricePeriod {
  /** In force from this instant (ms since the epoch); -Infinity when undated. */
  fromMs: number;
  /** Daily UTC window in seconds [start, end); end < start wraps midnight. */
  timeOfDay?: { startS: number; endS: number };
  /** '' for the undated first period, else e.g. "2025-06-10" or "00:30:00Z-16:30:00Z". */
  label: string;
  prices: PriceSet;
}

export type PriceOrigin = 'default' | 'refreshed' | 'file' | 'override';

export interface PriceEntry {
  /** LiteLLM key as written ("azure/gpt-4o") or "<provider>:<model id>" for the database. */
  key: string;
  /** Provider the entry belongs to: LiteLLM `litellm_provider` or the database provider id. */
  provider: string;
  mode: string;
  /** In data order; the price in force is the LAST period active at the call's time. */
  periods: PricePeriod[];
  source: string;
  validFrom: string;
  origin: PriceOrigin;
  /** Price keys of the data this entry has but the cost model does not bill (explain shows them). */
  ignored?: string[];
}

/** Negotiated discounts in percent off list; the most specific (model, then provider) wins. */
export interface Discounts {
  models: ReadonlyMap<string, MoneyValue>;
  providers: ReadonlyMap<string, MoneyValue>;
}

/** Entries looked up by key (overrides, LiteLLM-format files). */
export interface KeyedLayer {
  type: 'keyed';
  name: string;
  entries: ReadonlyMap<string, PriceEntry>;
  /** Lower-cased key -> key, for case-insensitive exact lookup. */
  byLowerKey: ReadonlyMap<string, string>;
  /** normalizeModelName(key) -> keys, in file order, for matching ids written differently. */
  byNormalized: ReadonlyMap<string, readonly string[]>;
}

/** A compiled model-name matcher of the price database. */
export type NameTest = (lowerName: string) => boolean;

export interface DbModel {
  test: NameTest;
  entry: PriceEntry;
}

export interface DbProvider {
  id: string;
  /** Matches a provider name the call reports (the database's provider_match). */
  providerTest: NameTest | undefined;
  /** Matches model names this provider serves (used when the call names no provider). */
  modelTest: NameTest | undefined;
  /** Providers whose models this one bills at the same price (declared by the data). */
  fallbacks: string[];
  models: DbModel[];
}

/** The maintained price database: providers with ordered model matchers. */
export interface DbLayer {
  type: 'db';
  name: string;
  providers: readonly DbProvider[];
  byId: ReadonlyMap<string, DbProvider>;
}

export type PriceLayer = KeyedLayer | DbLayer;

/** Identity of the price data, recorded with every priced row (price_version). */
export interface PriceDataInfo {
  /** e.g. "genai-prices" or "none" when only a file is used. */
  name: string;
  /** Package version, or the refresh date for refreshed data. */
  version: string;
  /** ISO date the data was published or fetched; '' when unknown. */
  asOf: string;
  /** Where it came from: "bundled @pydantic/genai-prices 0.1.8", a URL, a file path. */
  from: string;
}

export interface PriceCatalog {
  /** Stored in every priced row: "<data>@<version>+<12 hex>" over data, file, overrides, maps. */
  version: string;
  /** Human label of where prices came from. */
  label: string;
  data: PriceDataInfo;
  /** Lookup order: overrides, then the LiteLLM-format file, then the database. */
  layers: readonly PriceLayer[];
  /** Lower-cased alias -> target model name. */
  aliases: ReadonlyMap<string, string>;
  /** Lower-cased deployment name -> model name (Azure deployments, gateway routes). */
  deployments: ReadonlyMap<string, string>;
  discounts: Discounts;
  /** Entries skipped while loading, data age, refresh problems: logged at start-up. */
  warnings: readonly string[];
}

/** One step of a model lookup, kept so `prices explain` can say exactly why a price applied. */
export interface MatchStep {
  rule:
    | 'input'
    | 'deployment'
    | 'alias'
    | 'exact'
    | 'normalized'
    | 'snapshot'
    | 'database'
    | 'provider-fallback'
    | 'cross-provider';
  candidate: string;
  outcome: 'hit' | 'miss' | 'rewrite';
  detail: string;
}

export interface MatchResult {
  entry: PriceEntry | undefined;
  /** Canonical model name for grouping: normalized matched name, normalized input otherwise. */
  model: string;
  /** True when the entry belongs to another provider than the call's (a guess, warned). */
  crossProvider: boolean;
  steps: MatchStep[];
}
