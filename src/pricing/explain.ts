// `llm-finops prices explain <model> [--provider P] [--at T]`: which entry prices a model, why,
// and the prices in force at T (default now).
import { loadCatalog } from './loader.js';
import type { LoadOptions } from './loader.js';
import { matchModel } from './match.js';
import type { MoneyValue } from '../shared/money.js';
import { discountFor } from './price-call.js';
import { canonicalProvider } from '../shared/provider-identity.js';
import { periodAt } from './rates.js';
import type {
  MatchStep,
  PriceCatalog,
  PricePeriod,
  RateKind,
  Rates,
  ServiceTier,
  TierPrices,
} from './types.js';
import { RATE_KINDS } from './types.js';

export interface PriceLine {
  /** e.g. "input", "cacheRead", "output (prompt > 200000)", "input [priority]". */
  name: string;
  /** USD per unit and per million units, exact decimal strings. */
  perToken: string;
  perMillion: string;
}

export interface Explanation {
  model: string;
  provider: string;
  catalog: { label: string; version: string };
  matched: boolean;
  crossProvider: boolean;
  /** Canonical model name the call is grouped under. */
  normalizedModel: string;
  entry?: {
    key: string;
    provider: string;
    mode: string;
    source: string;
    validFrom: string;
    origin: string;
    ignored: string[];
  };
  /** The period in force at the asked time ('' = undated) and every dated change. */
  period: string;
  periods: string[];
  prices: PriceLine[];
  discountPercent?: string;
  steps: MatchStep[];
}

/** Per-unit names: fees are per search / per request, everything else per token. */
const UNIT: Partial<Record<RateKind, string>> = { webSearch: 'per search', request: 'per request' };

const line = (name: string, d: MoneyValue): PriceLine => ({
  name,
  perToken: d.toFixed(),
  perMillion: d.mul(1_000_000).toFixed(),
});

function rateLines(rates: Rates, suffix: string): PriceLine[] {
  const out: PriceLine[] = [];
  for (const k of RATE_KINDS) {
    const d = rates[k];
    if (d) out.push(line(`${k}${UNIT[k] ? ` (${UNIT[k]})` : ''}${suffix}`, d));
  }
  return out;
}

function tierLines(t: TierPrices, tag: string): PriceLine[] {
  const lines = rateLines(t.base, tag);
  for (const th of t.thresholds)
    lines.push(...rateLines(th.rates, `${tag} (prompt > ${th.threshold} tokens, whole call)`));
  return lines;
}

function priceLines(p: PricePeriod): PriceLine[] {
  const lines = tierLines(p.prices, '');
  for (const [tier, t] of Object.entries(p.prices.service) as [ServiceTier, TierPrices][])
    lines.push(...tierLines(t, ` [${tier}]`));
  return lines;
}

export function explainModel(
  catalog: PriceCatalog,
  model: string,
  provider?: string,
  atMs: number = Date.now(),
): Explanation {
  const match = matchModel(catalog, { model, provider });
  const e = match.entry;
  const discount = e ? discountFor(catalog, provider ?? '', match) : undefined;
  const period = e ? periodAt(e, () => atMs) : undefined;
  return {
    model,
    provider: canonicalProvider(provider),
    catalog: { label: catalog.label, version: catalog.version },
    matched: e !== undefined,
    crossProvider: match.crossProvider,
    normalizedModel: match.model,
    entry: e && {
      key: e.key,
      provider: e.provider,
      mode: e.mode,
      source: e.source,
      validFrom: e.validFrom,
      origin: e.origin,
      ignored: e.ignored ?? [],
    },
    period: period?.label ?? '',
    periods: e ? e.periods.map((p) => p.label || '(undated)') : [],
    prices: period ? priceLines(period) : [],
    discountPercent: discount?.toFixed(),
    steps: match.steps,
  };
}

export function formatExplanation(x: Explanation): string {
  const out = [`model: ${x.model}${x.provider ? `  provider: ${x.provider}` : ''}`];
  out.push(`catalog: ${x.catalog.label} (${x.catalog.version})`);
  out.push('lookup:');
  x.steps.forEach((s, i) => out.push(`  ${i + 1}. [${s.rule}] ${s.outcome}: ${s.detail}`));
  if (!x.entry) {
    out.push(
      `result: UNPRICED: no price entry; calls are stored with priced=false (model '${x.normalizedModel}').`,
    );
    out.push(
      '  fix: add the model or an alias in the pricing overrides file, map the deployment, or run prices refresh.',
    );
    return out.join('\n');
  }
  const e = x.entry;
  out.push(
    `result: ${e.key} (provider ${e.provider || '-'}, mode ${e.mode || '-'}, from ${e.origin})`,
  );
  if (x.crossProvider)
    out.push(`  WARNING: another provider's price (rows get cross_provider_price:${e.provider})`);
  out.push(`  grouped as model: ${x.normalizedModel}`);
  if (e.source || e.validFrom)
    out.push(`  source: ${e.source || '-'}  checked/valid from: ${e.validFrom || '-'}`);
  if (x.periods.length > 1)
    out.push(`  dated prices: ${x.periods.join(', ')}; in force: ${x.period || '(undated)'}`);
  out.push('prices (USD per token | per 1M tokens):');
  for (const p of x.prices)
    out.push(`  ${p.name.padEnd(56)} ${p.perToken.padEnd(16)} ${p.perMillion}`);
  if (e.ignored.length > 0) out.push(`  not billed by llm-finops: ${e.ignored.join(', ')}`);
  if (x.discountPercent)
    out.push(
      `discount: ${x.discountPercent}% off list (effective cost; list_cost keeps list price)`,
    );
  return out.join('\n');
}

export interface PricesExplainArgs extends LoadOptions {
  model: string;
  provider?: string;
  /** ISO time to show the prices in force at (dated price changes); default now. */
  at?: string;
  /** A catalog already loaded (tests, or the running collector's); otherwise loaded from files. */
  catalog?: PriceCatalog;
}

/** The CLI command body: returns the text to print. */
export function runPricesExplain(args: PricesExplainArgs): string {
  const catalog = args.catalog ?? loadCatalog(args);
  const at = args.at === undefined ? Date.now() : Date.parse(args.at);
  if (Number.isNaN(at)) throw new Error(`--at: not an ISO date/time (${args.at})`);
  const text = formatExplanation(explainModel(catalog, args.model, args.provider, at));
  // The data's age and any load problem, as the collector would log them at start.
  return [text, ...catalog.warnings.map((w) => `warning: ${w}`)].join('\n');
}
