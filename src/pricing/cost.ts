// Cost of one call from its counts and a price entry, exact: amounts are BigInt counts of
// 10^-scale dollars (units.ts), turned into decimal text once, when the row is written.
//
// Counts follow the canonical record (src/collector/call.ts): input_tokens INCLUDES cache reads,
// cache writes (5-minute and 1-hour) and audio input; output_tokens INCLUDES reasoning, audio and
// image output. Each part is priced at its own rate; a part whose entry has no own rate takes its
// parent's, as listed here (the warning names the fallback; "-" means none is needed):
//   text input      input                                             (none: call unpriced)
//   cache read      cache read    -> input                            -
//   cache write 5m  cache write   -> input                            -
//   cache write 1h  1h write      -> cache write -> input             price_missing:cache_write_1h
//   text output     output                                            (none: call unpriced)
//   reasoning       reasoning     -> output                           -
//   audio in / out  audio rate    -> input / output                   audio_priced_as_text:<dir>
//   image output    image rate    -> output                           image_priced_as_text
//   web searches    per search                                        price_missing:web_search
//   request fee     per successful request, when the entry has one
// The cache fallbacks never under-count: a provider without a cache price bills cached tokens as
// ordinary input. Tiers: above a threshold (prompt = input_tokens, inclusive) the tier's prices
// apply to the WHOLE call; that is how Gemini 2.5 Pro and Claude long context bill.
import type { MoneyValue } from '../shared/money.js';
import { periodAt, ratesFor } from './rates.js';
import type { PriceEntry, PricePeriod, RateKind, ServiceTier } from './types.js';
import { bigCount, discountFactor, ratesInUnits, type UnitRates } from './units.js';

export interface TokenCounts {
  input_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  cache_creation_1h_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  audio_input_tokens: number;
  audio_output_tokens: number;
  image_output_tokens: number;
  web_search_requests: number;
}

export interface CostQuery {
  /** Call start in ns since the epoch, read only when the entry has dated prices. */
  startTimeNs: bigint;
  serviceTier: ServiceTier | undefined;
  /** Whether a per-request fee applies (a successful provider request). */
  billRequest: boolean;
}

/** Amounts in whole units of 10^-scale dollars (unitsText / unitsValue read them). */
export interface Cost {
  /** Decimal places of every amount below. */
  scale: number;
  input: bigint;
  cacheRead: bigint;
  cacheWrite: bigint;
  cacheWrite1h: bigint;
  output: bigint;
  audio: bigint;
  image: bigint;
  request: bigint;
  total: bigint;
  /** The threshold tier applied (0 = base prices). */
  tierThreshold: number;
  period: PricePeriod | undefined;
  /** Parts with tokens but no price at all: the call is unpriced ("input", "output", ...). */
  missing: string[];
  warnings: string[];
}

/** Defensive: the normalizer clamps bad counts, but a NaN here must not become a NaN cost. */
const count = (n: number | undefined): number =>
  n !== undefined && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;

/** Rate fallback chains (see the table above), built once: they are read for every call. */
const CHAIN = {
  input: ['input'],
  cacheRead: ['cacheRead', 'input'],
  cacheWrite: ['cacheWrite', 'input'],
  cacheWrite1h: ['cacheWrite1h', 'cacheWrite', 'input'],
  output: ['output'],
  reasoning: ['reasoning', 'output'],
  imageOutput: ['imageOutput', 'output'],
  audioInput: ['audioInput', 'input'],
  audioOutput: ['audioOutput', 'output'],
  webSearch: ['webSearch'],
} as const satisfies Record<string, readonly RateKind[]>;

class Pricer {
  readonly missing: string[] = [];
  readonly warnings: string[] = [];
  /** Kinds priced, tracked only when a service tier must be checked. */
  readonly used: Set<RateKind> | undefined;
  constructor(
    readonly r: UnitRates,
    track: boolean,
  ) {
    this.used = track ? new Set() : undefined;
  }

  /** Price `n` units by the first kind in `chain` that has a rate; `warn` when not the first. */
  part(n: number, chain: readonly RateKind[], missing: string, warn = ''): bigint {
    if (n === 0) return 0n;
    for (let i = 0; i < chain.length; i++) {
      const rate = this.r[chain[i]!];
      if (rate === undefined) continue;
      if (i > 0 && warn !== '' && !this.warnings.includes(warn)) this.warnings.push(warn);
      this.used?.add(chain[i]!);
      return rate === 0n ? 0n : rate * bigCount(n);
    }
    if (!this.missing.includes(missing)) this.missing.push(missing);
    return 0n;
  }
}

function outputParts(p: Pricer, t: TokenCounts, w: string[], cost: Cost): void {
  const out = count(t.output_tokens);
  const audio = count(t.audio_output_tokens);
  let image = count(t.image_output_tokens);
  let text = out - audio - image;
  if (text < 0) {
    w.push('output_parts_exceed_output');
    text = 0;
  }
  // An image model priced only per image token reports its image tokens as output tokens.
  if (image === 0 && text > 0 && p.r.output === undefined && p.r.imageOutput !== undefined) {
    w.push('output_read_as_image');
    [image, text] = [text, 0];
  }
  const reasoning = Math.min(count(t.reasoning_tokens), text);
  cost.output =
    p.part(text - reasoning, CHAIN.output, 'output') + p.part(reasoning, CHAIN.reasoning, 'output');
  cost.image = p.part(image, CHAIN.imageOutput, 'image_output', 'image_priced_as_text');
}

/** List (undiscounted) cost of a call. */
export function listCost(entry: PriceEntry, t: TokenCounts, q: CostQuery): Cost {
  const warnings: string[] = [];
  const input = count(t.input_tokens);
  const cacheRead = count(t.cache_read_tokens);
  const cacheWrite = count(t.cache_creation_tokens);
  const write1h = Math.min(count(t.cache_creation_1h_tokens), cacheWrite);
  const audioIn = count(t.audio_input_tokens);
  let text = input - cacheRead - cacheWrite - audioIn;
  if (text < 0) {
    warnings.push('cache_tokens_exceed_input');
    text = 0;
  }
  // The common entry has one period: no closure (nor its tsx name wrapper) per call.
  const period =
    entry.periods.length === 1
      ? entry.periods[0]!
      : periodAt(entry, () => Number(q.startTimeNs / 1_000_000n));
  const resolved = ratesFor(period.prices, input, q.serviceTier);
  const r = ratesInUnits(resolved.rates);
  const p = new Pricer(r, q.serviceTier !== undefined);
  const cost: Cost = {
    scale: r.scale,
    input: p.part(text, CHAIN.input, 'input'),
    cacheRead: p.part(cacheRead, CHAIN.cacheRead, 'input'),
    cacheWrite: p.part(cacheWrite - write1h, CHAIN.cacheWrite, 'input'),
    cacheWrite1h: p.part(write1h, CHAIN.cacheWrite1h, 'input', 'price_missing:cache_write_1h'),
    output: 0n,
    audio: 0n,
    image: 0n,
    request: 0n,
    total: 0n,
    tierThreshold: resolved.threshold,
    period,
    missing: p.missing,
    warnings,
  };
  outputParts(p, t, warnings, cost);
  cost.audio =
    p.part(audioIn, CHAIN.audioInput, 'input', 'audio_priced_as_text:input') +
    p.part(
      count(t.audio_output_tokens),
      CHAIN.audioOutput,
      'output',
      'audio_priced_as_text:output',
    );
  const searches = count(t.web_search_requests);
  let request = q.billRequest && r.request !== undefined ? r.request : 0n;
  if (searches > 0) {
    if (r.webSearch === undefined) warnings.push('price_missing:web_search');
    else request += p.part(searches, CHAIN.webSearch, 'web_search');
  }
  cost.request = request;
  if (
    q.serviceTier &&
    (resolved.tierAbsent || [...p.used!].some((k) => !resolved.fromTier?.has(k)))
  )
    warnings.push(`tier_price_missing:${q.serviceTier}`);
  if (p.warnings.length > 0) warnings.push(...p.warnings);
  cost.total = sum(cost);
  return cost;
}

type Parts = Pick<
  Cost,
  'input' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h' | 'output' | 'audio' | 'image' | 'request'
>;

function sum(c: Parts): bigint {
  return (
    c.input + c.cacheRead + c.cacheWrite + c.cacheWrite1h + c.output + c.audio + c.image + c.request
  );
}

/** Applies `percent` off to every component; exact, so components still sum to the total. */
export function discounted(cost: Cost, percent: MoneyValue | undefined): Cost {
  if (!percent || percent.isZero()) return cost;
  const { units: f, scale } = discountFactor(percent);
  const parts: Parts = {
    input: cost.input * f,
    cacheRead: cost.cacheRead * f,
    cacheWrite: cost.cacheWrite * f,
    cacheWrite1h: cost.cacheWrite1h * f,
    output: cost.output * f,
    audio: cost.audio * f,
    image: cost.image * f,
    request: cost.request * f,
  };
  return { ...cost, ...parts, scale: cost.scale + scale, total: sum(parts) };
}

export const ZERO_COST: Cost = {
  scale: 0,
  input: 0n,
  cacheRead: 0n,
  cacheWrite: 0n,
  cacheWrite1h: 0n,
  output: 0n,
  audio: 0n,
  image: 0n,
  request: 0n,
  total: 0n,
  tierThreshold: 0,
  period: undefined,
  missing: [],
  warnings: [],
};
