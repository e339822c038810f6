// Catalog construction: from objects in memory (pure, createCatalog) and from files (loadCatalog:
// the price database, refreshed data under the data dir, a LiteLLM-format file, overrides).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';
import { buildCatalog } from './catalog.js';
import { readBundled, readRefreshed } from './data-file.js';
import { parseDatabase } from './database.js';
import { parseLiteLlmFile } from './litellm.js';
import { parseOverrides, parseOverridesText } from './overrides.js';
import type { Overrides } from './overrides.js';
import type { DbLayer, PriceCatalog, PriceDataInfo } from './types.js';

/** Data older than this gets a start-up warning naming its age. */
export const MAX_DATA_AGE_DAYS = 60;

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
 * The price_version stored with every row: "<data>@<version>+<12 hex>", the hash over the
 * database text, the LiteLLM file, overrides and deployment map. Identical inputs give the same
 * version, any change a new one, so a row can be re-priced or audited against the data it used.
 */
export function catalogVersion(
  data: PriceDataInfo,
  parts: {
    database: string;
    file: string;
    overrides: Overrides;
    deployments: Record<string, string>;
  },
): string {
  const h = createHash('sha256')
    .update(parts.database)
    .update('\u0000')
    .update(parts.file)
    .update('\u0000')
    .update(canonical(parts.overrides))
    .update('\u0000')
    .update(canonical(parts.deployments));
  return `${data.name}@${data.version}+${h.digest('hex').slice(0, 12)}`;
}

export interface CatalogSource {
  /** LiteLLM-format prices: the JSON text (hashed as written) or a parsed object. */
  prices?: string | object;
  label: string;
  /** The price database: JSON text or parsed providers, with its identity. */
  database?: {
    data: string | unknown[];
    info: PriceDataInfo;
    origin?: 'default' | 'refreshed';
    /** Read prices on first use (data known good: the shipped snapshot). */
    lazy?: boolean;
    /** The text the data was read from, hashed for the version (else the data, canonically). */
    text?: string;
    /** Already parsed (and so validated) by the caller. */
    layer?: DbLayer;
  };
  overrides?: Overrides;
  deploymentModels?: Record<string, string>;
  /** Warnings gathered before building (refresh problems, data age). */
  warnings?: string[];
}

const NO_DATA: PriceDataInfo = { name: 'none', version: '-', asOf: '', from: '' };

function parseJson(text: string | object, label: string): unknown {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${label}: not valid JSON: ${(err as Error).message}`);
  }
}

/** Pure: builds a catalog from prices already in memory. */
export function createCatalog(src: CatalogSource): PriceCatalog {
  const overrides = src.overrides ?? parseOverrides({});
  const deploymentModels = src.deploymentModels ?? {};
  const warnings = [...(src.warnings ?? [])];
  const db = src.database;
  try {
    const database: DbLayer | undefined = db
      ? (db.layer ??
        parseDatabase(
          parseJson(db.data, db.info.from),
          `${db.info.name} ${db.info.version}`,
          db.origin ?? 'default',
          db.lazy !== true,
        ))
      : undefined;
    const fileRaw = src.prices === undefined ? undefined : parseJson(src.prices, src.label);
    const file =
      fileRaw === undefined
        ? undefined
        : { label: src.label, entries: parseLiteLlmFile(fileRaw, 'file', warnings) };
    const text = (v: unknown): string =>
      v === undefined ? '' : typeof v === 'string' ? v : canonical(v);
    const info = db?.info ?? NO_DATA;
    const version = catalogVersion(info, {
      database: db?.text ?? text(db?.data),
      file: text(src.prices),
      overrides,
      deployments: deploymentModels,
    });
    const label = [file ? src.label : '', db ? `${info.name} ${info.version}` : '']
      .filter((s) => s !== '')
      .join(' over ');
    return buildCatalog({
      ...(file ? { file } : {}),
      ...(database ? { database } : {}),
      data: info,
      overrides,
      deploymentModels,
      version,
      label: label || 'no price data',
      warnings,
    });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${src.label}: ${(err as Error).message}`);
  }
}

export interface LoadOptions {
  /** A LiteLLM model_prices_and_context_window.json: an overlay searched before the database. */
  pricesFile?: string;
  /** YAML or JSON overrides file (see overrides.ts). */
  overridesFile?: string;
  /** Inline overrides (e.g. from the main config); applied after the file's, section by section. */
  overrides?: unknown;
  /** Deployment name -> model (config pricing.deployment_models). */
  deploymentModels?: Record<string, string>;
  /** Where `prices refresh` stored newer data (<dataDir>/prices). */
  dataDir?: string;
  /** false: no price database, only the prices file and overrides. Default true. */
  useDatabase?: boolean;
  /** Clock for the data-age warning (ms since the epoch); default now. */
  now?: number;
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

type Database = NonNullable<CatalogSource['database']>;

/** The shipped snapshot of the database. */
export function bundledDatabase(): Database {
  const { text, snapshot } = readBundled();
  // The providers array is what is priced; hash its own text so the version names the data.
  return {
    data: snapshot.providers,
    info: {
      name: 'genai-prices',
      version: snapshot.version,
      asOf: snapshot.published,
      from: `bundled ${snapshot.source} ${snapshot.version}`,
    },
    origin: 'default',
    lazy: true,
    text,
  };
}

/** Refreshed data when present, valid and newer than the snapshot; else the snapshot. */
function pickDatabase(dataDir: string | undefined, warnings: string[]): Database {
  const bundled = bundledDatabase();
  if (dataDir === undefined) return bundled;
  try {
    const refreshed = readRefreshed(dataDir);
    if (!refreshed || refreshed.meta.as_of <= bundled.info.asOf) return bundled;
    const data = JSON.parse(refreshed.text) as unknown[];
    const info: PriceDataInfo = {
      name: 'genai-prices',
      version: refreshed.meta.as_of.slice(0, 10),
      asOf: refreshed.meta.as_of,
      from: refreshed.meta.url,
    };
    // Parsed here, not in createCatalog, so bad data falls back to the snapshot with a warning.
    const layer = parseDatabase(data, `${info.name} ${info.version}`, 'refreshed');
    return { data, info, origin: 'refreshed', text: refreshed.text, layer };
  } catch (err) {
    warnings.push(
      `refreshed price data under ${dataDir} is unusable (${(err as Error).message}); using the bundled ${bundled.info.version}`,
    );
    return bundled;
  }
}

/** A warning naming the data's age when it is older than MAX_DATA_AGE_DAYS. */
export function ageWarning(info: PriceDataInfo, now: number): string | undefined {
  const asOf = Date.parse(info.asOf);
  if (Number.isNaN(asOf)) return undefined;
  const days = Math.floor((now - asOf) / 86_400_000);
  if (days <= MAX_DATA_AGE_DAYS) return undefined;
  return `price data ${info.name} ${info.version} is ${days} days old (as of ${info.asOf.slice(0, 10)}); run 'llm-finops prices refresh' when online`;
}

let defaultMemo: PriceCatalog | undefined;

/**
 * Loads the catalog the collector prices with: the price database (refreshed data when newer
 * than the shipped snapshot), a LiteLLM-format file searched before it, overrides before both.
 */
export function loadCatalog(opts: LoadOptions = {}): PriceCatalog {
  const plain =
    opts.pricesFile === undefined &&
    opts.overridesFile === undefined &&
    opts.overrides === undefined &&
    opts.deploymentModels === undefined &&
    opts.dataDir === undefined &&
    opts.useDatabase !== false &&
    opts.now === undefined;
  if (plain && defaultMemo) return defaultMemo;
  const warnings: string[] = [];
  const database = opts.useDatabase === false ? undefined : pickDatabase(opts.dataDir, warnings);
  const age = database ? ageWarning(database.info, opts.now ?? Date.now()) : undefined;
  if (age) warnings.push(age);
  const catalog = createCatalog({
    ...(opts.pricesFile !== undefined
      ? { prices: readText(opts.pricesFile, 'prices file'), label: opts.pricesFile }
      : { label: database ? database.info.from : 'no price data' }),
    ...(database ? { database } : {}),
    overrides: mergedOverrides(opts),
    ...(opts.deploymentModels ? { deploymentModels: opts.deploymentModels } : {}),
    warnings,
  });
  if (plain) defaultMemo = catalog;
  return catalog;
}

/** The catalog of the shipped price database alone (no file, no overrides). */
/** The catalog a config names (files, deployment models, the data directory's refreshed data). */
export function loadCatalogFor(config: Pick<Config, 'pricing' | 'storage'>): PriceCatalog {
  return loadCatalog({
    pricesFile: config.pricing.prices_file,
    overridesFile: config.pricing.overrides_file,
    deploymentModels: config.pricing.deployment_models,
    useDatabase: config.pricing.use_database,
    dataDir: config.storage.data_dir,
  });
}

export function defaultCatalog(): PriceCatalog {
  return loadCatalog();
}
