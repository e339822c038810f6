// `llm-finops prices explain <model> [--provider P]`: which catalog entry prices a model and why.
import { loadCatalog } from './loader.js';
import type { LoadOptions } from './loader.js';
import { matchModel } from './match.js';
import type { MoneyValue } from '../shared/money.js';
import { discountFor } from './price-call.js';
import { canonicalProvider } from '../shared/provider-identity.js';
import type { MatchStep, PriceCatalog, PriceEntry } from './types.js';

export interface PriceLine {
  /** e.g. "input", "cache_read", "output (prompt > 200000)". */
  name: string;
  /** USD per token and per million tokens, exact decimal strings. */
  perToken: string;
  perMillion: string;
}

export interface Explanation {
  model: string;
  provider: string;
  catalog: { label: string; version: string };
  matched: boolean;
  /** Canonical model name the call is grouped under. */
  normalizedModel: string;
  entry?: {
    key: string;
    litellmProvider: string;
    mode: string;
    source: string;
    validFrom: string;
    origin: string;
  };
  prices: PriceLine[];
  discountPercent?: string;
  steps: MatchStep[];
}

const line = (name: string, d: MoneyValue): PriceLine => ({
  name,
  perToken: d.toFixed(),
  perMillion: d.mul(1_000_000).toFixed(),
});

function priceLines(e: PriceEntry): PriceLine[] {
  const lines = [line('input', e.input)];
  // Absent cache prices fall back to the input price in the cost math (see cost.ts); say so.
  lines.push(
    line(
      e.cacheRead ? 'cache_read' : 'cache_read (input price, no cache price)',
      e.cacheRead ?? e.input,
    ),
  );
  lines.push(
    line(
      e.cacheCreation ? 'cache_creation' : 'cache_creation (input price, no cache price)',
      e.cacheCreation ?? e.input,
    ),
  );
  lines.push(line('output', e.output));
  if (e.reasoning) lines.push(line('reasoning', e.reasoning));
  for (const t of e.tiers) {
    const when = `(prompt > ${t.threshold} tokens, whole call)`;
    if (t.input) lines.push(line(`input ${when}`, t.input));
    if (t.cacheRead) lines.push(line(`cache_read ${when}`, t.cacheRead));
    if (t.cacheCreation) lines.push(line(`cache_creation ${when}`, t.cacheCreation));
    if (t.output) lines.push(line(`output ${when}`, t.output));
  }
  return lines;
}

export function explainModel(catalog: PriceCatalog, model: string, provider?: string): Explanation {
  const match = matchModel(catalog, { model, provider });
  const e = match.entry;
  const discount = e ? discountFor(catalog, e, provider ?? '') : undefined;
  return {
    model,
    provider: canonicalProvider(provider),
    catalog: { label: catalog.label, version: catalog.version },
    matched: e !== undefined,
    normalizedModel: match.model,
    entry: e && {
      key: e.key,
      litellmProvider: e.litellmProvider,
      mode: e.mode,
      source: e.source,
      validFrom: e.validFrom,
      origin: e.origin,
    },
    prices: e ? priceLines(e) : [],
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
      `result: UNPRICED: no catalog entry; calls are stored with priced=false (model '${x.normalizedModel}').`,
    );
    out.push(
      '  fix: add the model or an alias in the pricing overrides file, or map the deployment.',
    );
    return out.join('\n');
  }
  const e = x.entry;
  out.push(
    `result: ${e.key} (litellm_provider ${e.litellmProvider || '-'}, mode ${e.mode || '-'}, from ${e.origin})`,
  );
  out.push(`  grouped as model: ${x.normalizedModel}`);
  if (e.source || e.validFrom)
    out.push(`  source: ${e.source || '-'}  valid from: ${e.validFrom || '-'}`);
  out.push('prices (USD per token | per 1M tokens):');
  for (const p of x.prices)
    out.push(`  ${p.name.padEnd(48)} ${p.perToken.padEnd(14)} ${p.perMillion}`);
  if (x.discountPercent)
    out.push(
      `discount: ${x.discountPercent}% off list (effective cost; list_cost keeps list price)`,
    );
  return out.join('\n');
}

export interface PricesExplainArgs extends LoadOptions {
  model: string;
  provider?: string;
  /** A catalog already loaded (tests, or the running collector's); otherwise loaded from files. */
  catalog?: PriceCatalog;
}

/** The CLI command body: returns the text to print. */
export function runPricesExplain(args: PricesExplainArgs): string {
  const catalog = args.catalog ?? loadCatalog(args);
  return formatExplanation(explainModel(catalog, args.model, args.provider));
}
