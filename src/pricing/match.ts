// Model lookup. Order (each step recorded in the result so `prices explain` can show it):
//   1. deployment map   call deployment (or the model name) -> model, from config/overrides
//   2. alias            overrides `aliases`, on the raw or normalized name
//   3. exact            "<provider prefix>/<name>" first (e.g. azure/gpt-4o), then "<name>";
//                       case-insensitive
//   4. normalized       normalizeModelName (prefixes, ARNs, Bedrock region/vendor/version,
//                       Vertex '@'), then the same exact keys, then any key that normalizes
//                       to the same name
//   5. snapshot         the normalized name without its date/version suffix, as in 3-4
// Steps 3-5 first accept only entries of the call's provider (litellm_provider family); if
// none matches, they are repeated across providers and the hit is marked 'cross-provider'.
import { normalizeModelName, stripSnapshot } from './normalize.js';
import {
  canonicalProvider,
  litellmPrefixes,
  litellmProviderMatches,
} from '../shared/provider-identity.js';
import type { MatchResult, MatchStep, PriceCatalog, PriceEntry } from './types.js';

export interface MatchQuery {
  model: string;
  provider?: string;
  deployment?: string;
}

interface Ctx {
  catalog: PriceCatalog;
  provider: string;
  /** Accept only entries whose litellm_provider belongs to `provider`. */
  strict: boolean;
  /** Misses are recorded on the first pass only; the cross-provider pass records its hit. */
  steps: MatchStep[] | undefined;
}

// Region-prefixed Bedrock keys ("us.anthropic...") may carry a regional premium: prefer the
// plain key, and a bare key over a routing-prefixed one when the provider does not decide.
const REGION_KEY = /^(us|eu|apac|ap|jp|au|ca|us-gov|global)\./;
const rank = (key: string): number => (key.includes('/') ? 2 : 0) + (REGION_KEY.test(key) ? 1 : 0);

function accept(ctx: Ctx, key: string | undefined): PriceEntry | undefined {
  const entry = key === undefined ? undefined : ctx.catalog.entries.get(key);
  if (!entry) return undefined;
  return !ctx.strict || litellmProviderMatches(ctx.provider, entry.litellmProvider)
    ? entry
    : undefined;
}

function exact(ctx: Ctx, name: string, rule: MatchStep['rule']): PriceEntry | undefined {
  const lower = name.toLowerCase();
  const tried = [...litellmPrefixes(ctx.provider).map((p) => `${p}/${lower}`), lower];
  for (const candidate of tried) {
    const entry = accept(ctx, ctx.catalog.byLowerKey.get(candidate));
    if (entry) return entry;
  }
  ctx.steps?.push({
    rule,
    candidate: name,
    outcome: 'miss',
    detail: `no key ${tried.map((t) => `'${t}'`).join(', ')}`,
  });
  return undefined;
}

function byNormalized(ctx: Ctx, name: string, rule: MatchStep['rule']): PriceEntry | undefined {
  const keys = (ctx.catalog.byNormalized.get(name) ?? []).filter(
    (k) => accept(ctx, k) !== undefined,
  );
  const best = [...keys].sort((a, b) => rank(a) - rank(b))[0];
  if (best === undefined) {
    ctx.steps?.push({
      rule,
      candidate: name,
      outcome: 'miss',
      detail: 'no key normalizes to this name',
    });
  }
  return accept(ctx, best);
}

/** Steps 3-5 for one provider mode. */
function ladder(
  ctx: Ctx,
  name: string,
): { entry: PriceEntry; rule: MatchStep['rule']; candidate: string } | undefined {
  const direct = exact(ctx, name, 'exact');
  if (direct) return { entry: direct, rule: 'exact', candidate: name };
  const norm = normalizeModelName(name);
  for (const r of norm.rewrites)
    ctx.steps?.push({ rule: 'normalized', candidate: name, outcome: 'rewrite', detail: r });
  const normHit =
    (norm.name !== name.toLowerCase() ? exact(ctx, norm.name, 'normalized') : undefined) ??
    byNormalized(ctx, norm.name, 'normalized');
  if (normHit) return { entry: normHit, rule: 'normalized', candidate: norm.name };
  const snap = stripSnapshot(norm.name);
  if (!snap) return undefined;
  ctx.steps?.push({
    rule: 'snapshot',
    candidate: norm.name,
    outcome: 'rewrite',
    detail: `${snap.rule} removed: '${snap.name}'`,
  });
  const snapHit = exact(ctx, snap.name, 'snapshot') ?? byNormalized(ctx, snap.name, 'snapshot');
  return snapHit ? { entry: snapHit, rule: 'snapshot', candidate: snap.name } : undefined;
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
    steps.push({
      rule: 'input',
      candidate: '',
      outcome: 'miss',
      detail: 'no model name on the call',
    });
    return { entry: undefined, model: '', steps };
  }
  const strictHit = ladder({ catalog, provider, strict: provider !== '', steps }, name);
  const hit =
    strictHit ??
    (provider !== ''
      ? ladder({ catalog, provider, strict: false, steps: undefined }, name)
      : undefined);
  if (!hit) return { entry: undefined, model: normalizeModelName(name).name, steps };
  const crossNote = strictHit
    ? ''
    : ` (no '${provider}' entry; litellm_provider '${hit.entry.litellmProvider}')`;
  steps.push({
    rule: strictHit ? hit.rule : 'cross-provider',
    candidate: hit.candidate,
    outcome: 'hit',
    detail: `matched catalog key '${hit.entry.key}' by ${hit.rule}${crossNote}`,
  });
  return { entry: hit.entry, model: normalizeModelName(hit.entry.key).name, steps };
}
