// Prices canonical call records. priceCall and the default processor return new objects and never
// mutate their input; the collector's pipeline, which owns the calls it prices, asks for pricing in
// place (one call record per span, not a copy of its sixty fields per step).
import type { LlmCall } from '../shared/call.js';
import { ZERO_COST, discounted, listCost } from './cost.js';
import type { Cost } from './cost.js';
import { matchModel } from './match.js';
import { dbProviderId } from './match-db.js';
import type { MoneyValue } from '../shared/money.js';
import { normalizeModelName } from './normalize.js';
import { canonicalProvider, providerNames } from '../shared/provider-identity.js';
import type { MatchResult, PriceCatalog, ServiceTier } from './types.js';
import { unitsText } from './units.js';

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
    (primary.entry && !primary.crossProvider) ||
    call.request_model.trim() === '' ||
    call.request_model === call.response_model
  )
    return primary;
  const fallback = matchModel(catalog, {
    model: call.request_model,
    provider: call.provider,
    deployment: call.deployment,
  });
  const better = fallback.entry && (!primary.entry || !fallback.crossProvider);
  return better ? { ...fallback, steps: [...primary.steps, ...fallback.steps] } : primary;
}

/**
 * Percent off list. Discounts are negotiated with the provider that bills the call, so they are
 * looked up by the CALL's provider, never by the matched entry's (an Anthropic discount does not
 * touch Claude on Bedrock, an OpenAI one not Azure, even when Azure's price comes from OpenAI's
 * entry). A model discount (keyed "<provider>/<model>", the bare model name, or, for a match of
 * the call's own provider, the entry key) beats a provider one.
 */
export function discountFor(
  catalog: PriceCatalog,
  provider: string,
  match: Pick<MatchResult, 'entry' | 'crossProvider' | 'model'>,
): MoneyValue | undefined {
  const { models, providers } = catalog.discounts;
  if (models.size === 0 && providers.size === 0) return undefined; // the common case: no lookups
  const canonical = canonicalProvider(provider);
  const names = new Set(providerNames(canonical, ''));
  names.add(dbProviderId(canonical));
  if (models.size > 0 && match.entry) {
    const { key, origin } = match.entry;
    // The call's model name and the entry's (a database key is "<provider>:<model id>").
    const fromDb = origin === 'default' || origin === 'refreshed';
    const modelNames = [
      match.model.toLowerCase(),
      normalizeModelName(fromDb ? key.slice(key.indexOf(':') + 1) : key).name,
    ];
    for (const name of names)
      for (const m of modelNames) {
        const scoped = models.get(`${name}/${m}`);
        if (scoped) return scoped;
      }
    for (const m of modelNames) {
      const bare = models.get(m);
      if (bare) return bare;
    }
    const byKey = match.crossProvider ? undefined : models.get(key.toLowerCase());
    if (byKey) return byKey;
  }
  for (const name of names) {
    const p = providers.get(name);
    if (p) return p;
  }
  return undefined;
}

/** The tier the provider billed: its served service tier, else the call's capacity tier. */
export function serviceTierOf(
  call: Pick<LlmCall, 'service_tier' | 'capacity_tier'>,
): ServiceTier | undefined {
  const served = call.service_tier.toLowerCase();
  if (served === 'priority' || served === 'flex' || served === 'batch') return served;
  if (served === 'default' || served === 'standard') return undefined;
  const cap = call.capacity_tier;
  return cap === 'priority' || cap === 'flex' || cap === 'batch' ? cap : undefined;
}

interface Outcome {
  model: string;
  entryKey: string;
  priced: boolean;
  cost: Cost;
  list: Cost;
  extraWarnings: readonly string[];
}

/** Writes the outcome's cost columns and warnings into `call` (which the caller owns). */
function setCost(call: LlmCall, catalog: PriceCatalog, o: Outcome): LlmCall {
  const { cost, list } = o;
  const warnings = call.warnings;
  for (const w of cost.warnings) if (!warnings.includes(w)) warnings.push(w);
  for (const w of o.extraWarnings) if (!warnings.includes(w)) warnings.push(w);
  call.model = o.model;
  call.price_entry = o.entryKey;
  call.price_version = catalog.version;
  call.priced = o.priced;
  const scale = cost.scale;
  call.cost_input = unitsText(cost.input, scale);
  call.cost_cache_read = unitsText(cost.cacheRead, scale);
  call.cost_cache_creation = unitsText(cost.cacheWrite, scale);
  call.cost_cache_creation_1h = unitsText(cost.cacheWrite1h, scale);
  call.cost_output = unitsText(cost.output, scale);
  call.cost_audio = unitsText(cost.audio, scale);
  call.cost_image = unitsText(cost.image, scale);
  call.cost_request = unitsText(cost.request, scale);
  call.cost_total = unitsText(cost.total, scale);
  // Undiscounted (the usual case), the list cost is the cost itself: one text, not two.
  call.list_cost = list === cost ? call.cost_total : unitsText(list.total, list.scale);
  return call;
}

const NONE: readonly string[] = [];

/**
 * Prices one call. Outcomes:
 *  - tool/agent/wrapper span: cost 0, priced (its children carry the provider cost);
 *  - app-cache hit: no provider call was made, so cost 0, priced, whatever the model;
 *  - model not in the catalog: priced=false, costs '0', price_entry '' and an 'unpriced_model'
 *    warning: counted and alerted on, never a silent $0;
 *  - a part with tokens but no price in the entry (see cost.ts): priced=false, costs '0', the
 *    entry named, warnings 'price_missing:<part>';
 *  - otherwise list cost at the prices in force at the call's start, discounted.
 * Returns a new object; `call` is left as it was.
 */
export function priceCall(
  catalog: PriceCatalog,
  call: LlmCall,
  match: MatchResult = matchCall(catalog, call),
): LlmCall {
  return priceCallInPlace(catalog, { ...call, warnings: [...call.warnings] }, match);
}

/** priceCall writing into `call` itself: for a caller that owns the record (the pipeline). */
export function priceCallInPlace(
  catalog: PriceCatalog,
  call: LlmCall,
  match: MatchResult = matchCall(catalog, call),
): LlmCall {
  const model = match.model !== '' ? match.model : normalizeModelName(callModelName(call)).name;
  const entry = match.entry;
  if (NON_BILLABLE.has(call.kind)) return setCost(call, catalog, zero(model, '', true, NONE));
  if (call.cache_hit) return setCost(call, catalog, zero(model, entry?.key ?? '', true, NONE));
  if (!entry) return setCost(call, catalog, zero(model, '', false, UNPRICED));
  const list = listCost(entry, call, {
    startTimeNs: call.start_time_ns,
    serviceTier: serviceTierOf(call),
    billRequest: call.status === 'ok',
  });
  const entryKey = list.period?.label ? `${entry.key}@${list.period.label}` : entry.key;
  const cross = match.crossProvider ? [`cross_provider_price:${entry.provider}`] : NONE;
  if (list.missing.length > 0)
    return setCost(
      call,
      catalog,
      zero(model, entryKey, false, [...cross, ...list.missing.map((m) => `price_missing:${m}`)]),
    );
  const cost = discounted(list, discountFor(catalog, call.provider, match));
  const noUsage = call.status === 'ok' && call.input_tokens <= 0 && call.output_tokens <= 0;
  // A successful call without usage means the instrumentation lost it (e.g. a stream without
  // include_usage): the $0 is flagged so it is not mistaken for a free call.
  const extraWarnings = noUsage ? [...cross, 'no_token_usage'] : cross;
  return setCost(call, catalog, { model, entryKey, priced: true, cost, list, extraWarnings });
}

const UNPRICED: readonly string[] = ['unpriced_model'];

function zero(
  model: string,
  entryKey: string,
  priced: boolean,
  extraWarnings: readonly string[],
): Outcome {
  return { model, entryKey, priced, cost: ZERO_COST, list: ZERO_COST, extraWarnings };
}

export interface PricingProcessorOptions {
  /** Bound on memoized model lookups (a stream of garbage names cannot grow it without limit). */
  memoLimit?: number;
  /**
   * Price the given calls in place and return them: for a caller that owns the records (the
   * collector's pipeline). Off: new objects, the input untouched.
   */
  inPlace?: boolean;
}

/**
 * The pricing processor of the collector pipeline. Lookups are memoized per (provider,
 * deployment, response model, request model): a batch repeats a handful of models thousands of
 * times. The memo is bounded so a stream of garbage model names cannot grow it without limit.
 */
export function createPricingProcessor(
  catalog: PriceCatalog,
  options: PricingProcessorOptions = {},
): (calls: LlmCall[]) => LlmCall[] {
  const price = options.inPlace === true ? priceCallInPlace : priceCall;
  const memo = new MatchMemo(options.memoLimit ?? 10_000);
  return (calls) =>
    calls.map((call) => {
      let match = memo.get(call);
      if (!match) {
        match = matchCall(catalog, call);
        memo.set(call, match);
      }
      return price(catalog, call, match);
    });
}

interface MemoRow {
  provider: string;
  deployment: string;
  requestModel: string;
  match: MatchResult;
}

type MatchKey = Pick<LlmCall, 'provider' | 'deployment' | 'response_model' | 'request_model'>;

/**
 * Match results by (response model, then provider, deployment, request model): a lookup hashes
 * one string and compares three, where a joined key string cost an allocation and a flatten per
 * call. Cleared whole at `limit` rows.
 */
class MatchMemo {
  private readonly byModel = new Map<string, MemoRow[]>();
  private rows = 0;
  constructor(private readonly limit: number) {}

  get(call: MatchKey): MatchResult | undefined {
    const rows = this.byModel.get(call.response_model);
    if (rows === undefined) return undefined;
    for (const r of rows)
      if (
        r.provider === call.provider &&
        r.deployment === call.deployment &&
        r.requestModel === call.request_model
      )
        return r.match;
    return undefined;
  }

  set(call: MatchKey, match: MatchResult): void {
    if (this.rows >= this.limit) {
      this.byModel.clear();
      this.rows = 0;
    }
    const row = {
      provider: call.provider,
      deployment: call.deployment,
      requestModel: call.request_model,
      match,
    };
    const rows = this.byModel.get(call.response_model);
    if (rows === undefined) this.byModel.set(call.response_model, [row]);
    else rows.push(row);
    this.rows += 1;
  }
}
