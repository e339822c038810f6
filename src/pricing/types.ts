// Types shared by the pricing modules. Prices are per token, in USD, as exact Decimals.
import type { MoneyValue } from '../shared/money.js';

/** Token prices that change above a prompt-size threshold (LiteLLM `*_above_<N>k_tokens`). */
export interface PriceTier {
  /** Prompt tokens (input, inclusive of cache) strictly above which the tier applies. */
  threshold: number;
  input?: MoneyValue;
  output?: MoneyValue;
  cacheRead?: MoneyValue;
  cacheCreation?: MoneyValue;
}

export interface PriceEntry {
  /** The catalog key, exactly as written in the file (e.g. "azure/gpt-4o"). */
  key: string;
  /** LiteLLM `litellm_provider` ('' for custom models that apply to any provider). */
  litellmProvider: string;
  mode: string;
  input: MoneyValue;
  output: MoneyValue;
  cacheRead?: MoneyValue;
  cacheCreation?: MoneyValue;
  /** Only when the provider bills reasoning tokens differently from other output tokens. */
  reasoning?: MoneyValue;
  /** Sorted by threshold, highest first, so the first tier exceeded wins. */
  tiers: PriceTier[];
  source: string;
  validFrom: string;
  /** Where the entry came from: the shipped default, a LiteLLM-format file, or overrides. */
  origin: 'default' | 'file' | 'override';
}

/** Negotiated discounts in percent off list; the most specific (model, then provider) wins. */
export interface Discounts {
  models: ReadonlyMap<string, MoneyValue>;
  providers: ReadonlyMap<string, MoneyValue>;
}

export interface PriceCatalog {
  /** Stored in every priced row: `sha256:<12 hex>` of the price file plus overrides. */
  version: string;
  /** Human label of where prices came from (default catalog or file path). */
  label: string;
  entries: ReadonlyMap<string, PriceEntry>;
  /** Lower-cased key -> key, for case-insensitive exact lookup. */
  byLowerKey: ReadonlyMap<string, string>;
  /** normalizeModelName(key) -> keys, in file order, for matching ids written differently. */
  byNormalized: ReadonlyMap<string, readonly string[]>;
  /** Lower-cased alias -> target model name. */
  aliases: ReadonlyMap<string, string>;
  /** Lower-cased deployment name -> model name (Azure deployments, gateway routes). */
  deployments: ReadonlyMap<string, string>;
  discounts: Discounts;
  /** Entries skipped while loading (bad numbers, no token prices), for `prices explain`. */
  warnings: readonly string[];
}

/** One step of a model lookup, kept so `prices explain` can say exactly why a price applied. */
export interface MatchStep {
  rule: 'input' | 'deployment' | 'alias' | 'exact' | 'normalized' | 'snapshot' | 'cross-provider';
  candidate: string;
  outcome: 'hit' | 'miss' | 'rewrite';
  detail: string;
}

export interface MatchResult {
  entry: PriceEntry | undefined;
  /** Canonical model name for grouping: normalized key when matched, normalized input otherwise. */
  model: string;
  steps: MatchStep[];
}
