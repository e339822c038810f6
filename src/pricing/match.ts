// Model lookup. Order (each step recorded in the result so `prices explain` can show it):
//   1. deployment map   call deployment (or the model name) -> model, from config/overrides
//   2. alias            overrides `aliases`, on the raw or normalized name
// then, layer by layer (overrides, the LiteLLM-format file, the price database):
//   keyed layers  3. exact       "<provider prefix>/<name>" first (azure/gpt-4o), then "<name>"
//                 4. normalized  normalizeModelName (prefixes, ARNs, Bedrock region/vendor/version,
//                                Vertex '@'), exact keys again, then keys normalizing the same
//                 5. snapshot    the normalized name without its date/version suffix, as in 3-4
//   database      the provider's own model matchers on the raw name, the normalized name, then
//                 the snapshot-less name; then the providers the data says bill the same models
//                 (Azure bills OpenAI's models at OpenAI's prices: 'provider-fallback')
// Every layer is first asked for entries of the call's provider only; if no layer has one, the
// layers are asked again across providers and the hit is marked 'cross-provider' (a guess: the
// row gets a warning).
import { dbProviderId, dbProvidersFor, findInDatabase } from './match-db.js';
import { normalizeModelName, stripSnapshot } from './normalize.js';
import {
  canonicalProvider,
  litellmProviderMatches,
  litellmPrefixes,
} from '../shared/provider-identity.js';
import type {
  KeyedLayer,
  MatchResult,
  MatchStep,
  PriceCatalog,
  PriceEntry,
  PriceLayer,
} from './types.js';

export interface MatchQuery {
  model: string;
  provider?: string;
  deployment?: string;
}

export interface Ctx {
  provider: string;
  /** Accept only entries that belong to `provider`. */
  strict: boolean;
  /** Misses are recorded on the first pass only; the cross-provider pass records its hit. */
  steps: MatchStep[] | undefined;
}

export interface Hit {
  entry: PriceEntry;
  rule: MatchStep['rule'];
  candidate: string;
}

// Region-prefixed Bedrock keys ("us.anthropic...") may carry a regional premium: prefer the
// plain key, and a bare key over a routing-prefixed one when the provider does not decide.
const REGION_KEY = /^(us|eu|apac|ap|jp|au|ca|us-gov|global)\./;
const rank = (key: string): number => (key.includes('/') ? 2 : 0) + (REGION_KEY.test(key) ? 1 : 0);

/** LiteLLM's litellm_provider vocabulary, or the database's provider id (overrides of its entries). */
export const belongsTo = (provider: string, entryProvider: string): boolean =>
  litellmProviderMatches(provider, entryProvider) || dbProviderId(provider) === entryProvider;

function accept(layer: KeyedLayer, ctx: Ctx, key: string | undefined): PriceEntry | undefined {
  const entry = key === undefined ? undefined : layer.entries.get(key);
  if (!entry) return undefined;
  return !ctx.strict || belongsTo(ctx.provider, entry.provider) ? entry : undefined;
}

function exact(
  layer: KeyedLayer,
  ctx: Ctx,
  name: string,
  rule: MatchStep['rule'],
): PriceEntry | undefined {
  const lower = name.toLowerCase();
  const tried = [...litellmPrefixes(ctx.provider).map((p) => `${p}/${lower}`), lower];
  for (const candidate of tried) {
    const entry = accept(layer, ctx, layer.byLowerKey.get(candidate));
    if (entry) return entry;
  }
  ctx.steps?.push({
    rule,
    candidate: name,
    outcome: 'miss',
    detail: `${layer.name}: no key ${tried.map((t) => `'${t}'`).join(', ')}`,
  });
  return undefined;
}

function byNormalized(
  layer: KeyedLayer,
  ctx: Ctx,
  name: string,
  rule: MatchStep['rule'],
): PriceEntry | undefined {
  const keys = (layer.byNormalized.get(name) ?? []).filter(
    (k) => accept(layer, ctx, k) !== undefined,
  );
  const best = [...keys].sort((a, b) => rank(a) - rank(b))[0];
  if (best === undefined) {
    ctx.steps?.push({
      rule,
      candidate: name,
      outcome: 'miss',
      detail: `${layer.name}: no key normalizes to this name`,
    });
  }
  return accept(layer, ctx, best);
}

/** Steps 3-5 in one keyed layer. */
function keyedLadder(layer: KeyedLayer, ctx: Ctx, name: string): Hit | undefined {
  const direct = exact(layer, ctx, name, 'exact');
  if (direct) return { entry: direct, rule: 'exact', candidate: name };
  const norm = normalizeModelName(name);
  const normHit =
    (norm.name !== name.toLowerCase() ? exact(layer, ctx, norm.name, 'normalized') : undefined) ??
    byNormalized(layer, ctx, norm.name, 'normalized');
  if (normHit) return { entry: normHit, rule: 'normalized', candidate: norm.name };
  const snap = stripSnapshot(norm.name);
  if (!snap) return undefined;
  const snapHit =
    exact(layer, ctx, snap.name, 'snapshot') ?? byNormalized(layer, ctx, snap.name, 'snapshot');
  return snapHit ? { entry: snapHit, rule: 'snapshot', candidate: snap.name } : undefined;
}

function inLayer(layer: PriceLayer, ctx: Ctx, name: string): Hit | undefined {
  if (layer.type === 'keyed') return keyedLadder(layer, ctx, name);
  return findInDatabase(layer, dbProvidersFor(layer, ctx), ctx, name);
}

/** Steps 1-2: names chosen by configuration replace the reported one before any lookup. */
function configured(catalog: PriceCatalog, q: MatchQuery, steps: MatchStep[]): string {
  let name = q.model.trim();
  for (const [label, value] of [
    ['deployment', q.deployment],
    ['model', name],
  ] as const) {
    const mapped = value ? catalog.deployments.get(value.trim().toLowerCase()) : undefined;
    if (mapped) {
      steps.push({
        rule: 'deployment',
        candidate: value!,
        outcome: 'rewrite',
        detail: `${label} '${value}' -> '${mapped}' (deployment map)`,
      });
      name = mapped;
      break;
    }
  }
  const alias =
    catalog.aliases.get(name.toLowerCase()) ?? catalog.aliases.get(normalizeModelName(name).name);
  if (alias) {
    steps.push({
      rule: 'alias',
      candidate: name,
      outcome: 'rewrite',
      detail: `alias '${name}' -> '${alias}'`,
    });
    name = alias;
  }
  return name;
}

function search(catalog: PriceCatalog, ctx: Ctx, name: string): Hit | undefined {
  for (const layer of catalog.layers) {
    const hit = inLayer(layer, ctx, name);
    if (hit) return hit;
  }
  return undefined;
}

export function matchModel(catalog: PriceCatalog, q: MatchQuery): MatchResult {
  const steps: MatchStep[] = [];
  const provider = canonicalProvider(q.provider);
  if ((q.provider ?? '') !== provider) {
    steps.push({
      rule: 'input',
      candidate: q.provider ?? '',
      outcome: 'rewrite',
      detail: `provider '${q.provider}' read as '${provider}'`,
    });
  }
  const name = configured(catalog, q, steps);
  if (name === '') {
    steps.push({ rule: 'input', candidate: '', outcome: 'miss', detail: 'no model name' });
    return { entry: undefined, model: '', crossProvider: false, steps };
  }
  const strictHit = search(catalog, { provider, strict: provider !== '', steps }, name);
  const hit =
    strictHit ??
    (provider !== ''
      ? search(catalog, { provider, strict: false, steps: undefined }, name)
      : undefined);
  const normalized = normalizeModelName(name).name;
  if (!hit) return { entry: undefined, model: normalized, crossProvider: false, steps };
  const cross = strictHit === undefined;
  const crossNote = cross
    ? ` (no '${provider}' entry; entry provider '${hit.entry.provider}')`
    : '';
  steps.push({
    rule: cross ? 'cross-provider' : hit.rule,
    candidate: hit.candidate,
    outcome: 'hit',
    detail: `matched '${hit.entry.key}' by ${hit.rule}${crossNote}`,
  });
  // Keyed entries group under their normalized key; database entries are model families
  // ("claude-sonnet-4-5"), so the call's own normalized name groups more precisely there.
  const model =
    hit.entry.origin === 'file' || hit.entry.origin === 'override'
      ? normalizeModelName(hit.entry.key).name
      : normalized;
  return { entry: hit.entry, model, crossProvider: cross, steps };
}
