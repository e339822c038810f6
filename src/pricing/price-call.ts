// Prices canonical call records. Pure: returns new objects, never mutates its input.
import type { LlmCall } from '../shared/call.js';
import { ZERO_COST, discounted, listCost } from './cost.js';
import type { Cost } from './cost.js';
import { matchModel } from './match.js';
import { moneyText, type MoneyValue } from '../shared/money.js';
import { normalizeModelName } from './normalize.js';
import { canonicalProvider, providerNames } from '../shared/provider-identity.js';
import type { MatchResult, PriceCatalog, PriceEntry } from './types.js';

/** Tool, agent and wrapper spans repeat or orchestrate their children's calls: no own cost. */
const NON_BILLABLE = new Set<LlmCall['kind']>(['tool', 'agent', 'wrapper']);

/** Which name identifies the model actually served: the response model, else the request one. */
export function callModelName(call: Pick<LlmCall, 'response_model' | 'request_model'>): string {
  return call.response_model.trim() !== '' ? call.response_model : call.request_model;
}

export function matchCall(catalog: PriceCatalog, call: LlmCall): MatchResult {
  const primary = matchModel(catalog, {
    model: callModelName(call),
    provider: call.provider,
    deployment: call.deployment,
  });
  // A response model the catalog does not know (a new snapshot) may still be priced by the
  // requested name; the response model stays the first choice because it is what was billed.
  if (
    primary.entry ||
    call.request_model.trim() === '' ||
    call.request_model === call.response_model
  )
    return primary;
  const fallback = matchModel(catalog, {
    model: call.request_model,
    provider: call.provider,
    deployment: call.deployment,
  });
  return fallback.entry ? { ...fallback, steps: [...primary.steps, ...fallback.steps] } : primary;
}

/** Percent off list: a model discount (catalog key or normalized name) beats a provider one. */
export function discountFor(
  catalog: PriceCatalog,
  entry: PriceEntry,
  provider: string,
): MoneyValue | undefined {
  const { models, providers } = catalog.discounts;
  const byModel =
    models.get(entry.key.toLowerCase()) ?? models.get(normalizeModelName(entry.key).name);
  if (byModel) return byModel;
  for (const name of providerNames(canonicalProvider(provider), entry.litellmProvider)) {
    const p = providers.get(name);
    if (p) return p;
  }
  return undefined;
}

interface Outcome {
  model: string;
  entry: PriceEntry | undefined;
  priced: boolean;
  cost: Cost;
  list: Cost;
  extraWarnings: string[];
}

function withCost(call: LlmCall, catalog: PriceCatalog, o: Outcome): LlmCall {
  const { cost, list } = o;
  const warnings = [...call.warnings];
  for (const w of [...cost.warnings, ...o.extraWarnings])
    if (!warnings.includes(w)) warnings.push(w);
  return {
    ...call,
    model: o.model,
    price_entry: o.entry?.key ?? '',
    price_version: catalog.version,
    priced: o.priced,
    cost_input: moneyText(cost.input),
    cost_cache_read: moneyText(cost.cacheRead),
    cost_cache_creation: moneyText(cost.cacheCreation),
    cost_output: moneyText(cost.output),
    cost_total: moneyText(cost.total),
    list_cost: moneyText(list.total),
    warnings,
  };
}

/**
 * Prices one call. Outcomes:
 *  - tool/agent/wrapper span: cost 0, priced (its children carry the provider cost);
 *  - app-cache hit: no provider call was made, so cost 0, priced, whatever the model;
 *  - model not in the catalog: priced=false, costs '0', price_entry '' and an
 *    'unpriced_model' warning: counted and alerted on, never a silent $0;
 *  - otherwise list cost from the tokens (0 for a failed attempt without tokens), discounted.
 */
export function priceCall(
  catalog: PriceCatalog,
  call: LlmCall,
  match: MatchResult = matchCall(catalog, call),
): LlmCall {
  const model = match.model !== '' ? match.model : normalizeModelName(callModelName(call)).name;
  const zero = { model, cost: ZERO_COST, list: ZERO_COST, extraWarnings: [] };
  if (NON_BILLABLE.has(call.kind))
    return withCost(call, catalog, { ...zero, entry: undefined, priced: true });
  if (call.cache_hit) return withCost(call, catalog, { ...zero, entry: match.entry, priced: true });
  if (!match.entry) {
    return withCost(call, catalog, {
      ...zero,
      entry: undefined,
      priced: false,
      extraWarnings: ['unpriced_model'],
    });
  }
  const list = listCost(match.entry, call);
  const cost = discounted(list, discountFor(catalog, match.entry, call.provider));
  const noUsage = call.status === 'ok' && call.input_tokens <= 0 && call.output_tokens <= 0;
  // A successful call without usage means the instrumentation lost it (e.g. a stream without
  // include_usage): the $0 is flagged so it is not mistaken for a free call.
  const extraWarnings = noUsage ? ['no_token_usage'] : [];
  return withCost(call, catalog, {
    model,
    entry: match.entry,
    priced: true,
    cost,
    list,
    extraWarnings,
  });
}

/**
 * The pricing processor of the collector pipeline. Lookups are memoized per (provider,
 * deployment, response model, request model): a batch repeats a handful of models thousands of
 * times. The memo is bounded so a stream of garbage model names cannot grow it without limit.
 */
export function createPricingProcessor(
  catalog: PriceCatalog,
  memoLimit = 10_000,
): (calls: LlmCall[]) => LlmCall[] {
  const memo = new Map<string, MatchResult>();
  return (calls) =>
    calls.map((call) => {
      const key = `${call.provider}\u0000${call.deployment}\u0000${call.response_model}\u0000${call.request_model}`;
      let match = memo.get(key);
      if (!match) {
        match = matchCall(catalog, call);
        if (memo.size >= memoLimit) memo.clear();
        memo.set(key, match);
      }
      return priceCall(catalog, call, match);
    });
}
