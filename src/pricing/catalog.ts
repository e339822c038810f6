// Builds a PriceCatalog from its layers: the overrides file's models, a LiteLLM-format file, and
// the maintained price database. Pure: callers pass parsed objects; file reading is loader.ts's.
import { mergePriceSet, parseLiteLlmEntry, readPriceSet } from './litellm.js';
import { matchModel } from './match.js';
import { parseMoney } from '../shared/money.js';
import type { MoneyValue } from '../shared/money.js';
import { normalizeModelName } from './normalize.js';
import type { Overrides } from './overrides.js';
import type {
  DbLayer,
  KeyedLayer,
  PriceCatalog,
  PriceDataInfo,
  PriceEntry,
  PriceLayer,
} from './types.js';

export function keyedLayer(name: string, entries: Map<string, PriceEntry>): KeyedLayer {
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
  return { type: 'keyed', name, entries, byLowerKey, byNormalized };
}

const lowerMap = (rec: Record<string, string>): Map<string, string> =>
  new Map(Object.entries(rec).map(([k, v]) => [k.trim().toLowerCase(), v.trim()]));

const percentMap = (rec: Record<string, number | string>): Map<string, MoneyValue> =>
  new Map(Object.entries(rec).map(([k, v]) => [k.trim().toLowerCase(), parseMoney(v)!]));

/**
 * Overrides `models`: each one patches the entry it names, field by field (every dated period of
 * a database entry gets the patch: a negotiated price holds whatever the list price did), or is a
 * custom model when nothing matches. The entry it names: a key of the LiteLLM file (exact, case
 * insensitive), else what a call of that model (of its `litellm_provider`, if set) would match.
 */
function overrideEntries(
  overrides: Overrides,
  lower: readonly PriceLayer[],
  base: Omit<PriceCatalog, 'layers'>,
): Map<string, PriceEntry> {
  const out = new Map<string, PriceEntry>();
  const lowerCatalog: PriceCatalog = { ...base, layers: lower };
  const file = lower.find((l): l is KeyedLayer => l.type === 'keyed');
  for (const [name, fields] of Object.entries(overrides.models)) {
    const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const fileKey = file?.byLowerKey.get(name.toLowerCase());
    const target =
      (fileKey !== undefined ? file?.entries.get(fileKey) : undefined) ??
      matchModel(lowerCatalog, {
        model: name,
        provider: typeof set['litellm_provider'] === 'string' ? set['litellm_provider'] : '',
      }).entry;
    if (!target) {
      const custom = parseLiteLlmEntry(name, set, 'override');
      if (!custom)
        throw new Error(
          `overrides models.${name}: no such model in the price data, and a custom model needs input_cost_per_token or output_cost_per_token`,
        );
      out.set(name, custom);
      continue;
    }
    const patch = readPriceSet(name, set).set;
    const str = (f: string): string | undefined =>
      typeof set[f] === 'string' ? (set[f] as string) : undefined;
    out.set(name, {
      ...target,
      key: name,
      provider: str('litellm_provider') ?? target.provider,
      mode: str('mode') ?? target.mode,
      periods: target.periods.map((p) => ({ ...p, prices: mergePriceSet(p.prices, patch) })),
      source: str('source') ?? target.source,
      validFrom: str('valid_from') ?? target.validFrom,
      origin: 'override',
    });
  }
  return out;
}

export interface BuildOptions {
  /** The LiteLLM-format file's entries, when one is given. */
  file?: { label: string; entries: Map<string, PriceEntry> };
  /** The price database, unless disabled. */
  database?: DbLayer;
  data: PriceDataInfo;
  overrides: Overrides;
  /** From the main config (pricing.deployment_models); the overrides file's map wins on clashes. */
  deploymentModels?: Record<string, string>;
  version: string;
  label: string;
  warnings: string[];
}

export function buildCatalog(opts: BuildOptions): PriceCatalog {
  const lower: PriceLayer[] = [];
  if (opts.file) lower.push(keyedLayer(opts.file.label, opts.file.entries));
  if (opts.database) lower.push(opts.database);
  const base: Omit<PriceCatalog, 'layers'> = {
    version: opts.version,
    label: opts.label,
    data: opts.data,
    aliases: lowerMap(opts.overrides.aliases),
    deployments: lowerMap({ ...(opts.deploymentModels ?? {}), ...opts.overrides.deployments }),
    discounts: {
      models: percentMap(opts.overrides.discounts.models),
      providers: percentMap(opts.overrides.discounts.providers),
    },
    warnings: opts.warnings,
  };
  const custom = overrideEntries(opts.overrides, lower, base);
  const layers = custom.size > 0 ? [keyedLayer('overrides', custom), ...lower] : lower;
  return { ...base, layers };
}

/** Every entry of the keyed layers (overrides, file), for summaries and tests. */
export function keyedEntries(catalog: PriceCatalog): Map<string, PriceEntry> {
  const out = new Map<string, PriceEntry>();
  for (const layer of [...catalog.layers].reverse())
    if (layer.type === 'keyed') for (const [k, e] of layer.entries) out.set(k, e);
  return out;
}
