// Catalog construction from text/objects (pure) and from files (the only I/O in pricing).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../shared/errors.js';
import { buildCatalog, parseEntries } from './catalog.js';
import defaultPrices from './default-catalog.json' with { type: 'json' };
import { parseOverrides, parseOverridesText } from './overrides.js';
import type { Overrides } from './overrides.js';
import type { PriceCatalog } from './types.js';

export interface CatalogSource {
  /** LiteLLM-format prices: the JSON text (preferred: hashed as written) or a parsed object. */
  prices: string | object;
  label: string;
  origin: 'default' | 'file';
  overrides?: Overrides;
  deploymentModels?: Record<string, string>;
}

/** Key order must not change the version of identical content, so objects hash canonically. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The price_version stored with every row: identical prices + overrides + deployment map give
 * the same version, and any change to them gives a new one, so a row can be re-priced or audited.
 */
export function catalogVersion(
  pricesText: string,
  overrides: Overrides,
  deploymentModels: Record<string, string>,
): string {
  const h = createHash('sha256')
    .update(pricesText)
    .update('\u0000')
    .update(canonical(overrides))
    .update('\u0000')
    .update(canonical(deploymentModels));
  return `sha256:${h.digest('hex').slice(0, 12)}`;
}

/** Pure: builds a catalog from prices already in memory. */
export function createCatalog(src: CatalogSource): PriceCatalog {
  const text = typeof src.prices === 'string' ? src.prices : canonical(src.prices);
  let raw: unknown;
  try {
    raw = typeof src.prices === 'string' ? JSON.parse(src.prices) : src.prices;
  } catch (err) {
    throw new ConfigError(`${src.label}: not valid JSON: ${(err as Error).message}`);
  }
  const overrides = src.overrides ?? parseOverrides({});
  const deploymentModels = src.deploymentModels ?? {};
  const warnings: string[] = [];
  try {
    const entries = parseEntries(raw, src.origin, warnings);
    const version = catalogVersion(text, overrides, deploymentModels);
    return buildCatalog({
      entries,
      overrides,
      deploymentModels,
      version,
      label: src.label,
      warnings,
    });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${src.label}: ${(err as Error).message}`);
  }
}

let defaultMemo: PriceCatalog | undefined;

/** The catalog shipped with llm-finops (src/pricing/default-catalog.json), no overrides. */
export function defaultCatalog(): PriceCatalog {
  defaultMemo ??= createCatalog({
    prices: defaultPrices,
    label: 'default catalog',
    origin: 'default',
  });
  return defaultMemo;
}

export interface LoadOptions {
  /** A LiteLLM model_prices_and_context_window.json; it REPLACES the default catalog. */
  pricesFile?: string;
  /** YAML or JSON overrides file (see overrides.ts). */
  overridesFile?: string;
  /** Inline overrides (e.g. from the main config); applied after the file's, section by section. */
  overrides?: unknown;
  /** Deployment name -> model (config pricing.deployment_models). */
  deploymentModels?: Record<string, string>;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${what} ${path}: cannot read: ${(err as Error).message}`);
  }
}

/** Overrides from a file and/or inline; inline entries win key by key within each section. */
function mergedOverrides(opts: LoadOptions): Overrides {
  const fromFile = opts.overridesFile
    ? parseOverridesText(readText(opts.overridesFile, 'overrides file'), opts.overridesFile)
    : parseOverrides({});
  if (opts.overrides === undefined) return fromFile;
  const inline = parseOverrides(opts.overrides, 'inline pricing overrides');
  return {
    models: { ...fromFile.models, ...inline.models },
    aliases: { ...fromFile.aliases, ...inline.aliases },
    deployments: { ...fromFile.deployments, ...inline.deployments },
    discounts: {
      providers: { ...fromFile.discounts.providers, ...inline.discounts.providers },
      models: { ...fromFile.discounts.models, ...inline.discounts.models },
    },
  };
}

/**
 * Loads the catalog the collector prices with. A prices file replaces the shipped default
 * entirely, so costs match that file exactly (no default entry can shadow a model it lacks).
 */
export function loadCatalog(opts: LoadOptions = {}): PriceCatalog {
  const overrides = mergedOverrides(opts);
  if (!opts.pricesFile) {
    if (opts.overridesFile === undefined && opts.overrides === undefined && !opts.deploymentModels)
      return defaultCatalog();
    return createCatalog({
      prices: defaultPrices,
      label: 'default catalog',
      origin: 'default',
      overrides,
      deploymentModels: opts.deploymentModels,
    });
  }
  const text = readText(opts.pricesFile, 'prices file');
  return createCatalog({
    prices: text,
    label: opts.pricesFile,
    origin: 'file',
    overrides,
    deploymentModels: opts.deploymentModels,
  });
}
