// Cost of one call from its counts and a price entry, in exact decimals.
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
import { Money, ZERO, type MoneyValue } from '../shared/money.js';
import { periodAt, ratesFor } from './rates.js';
import type { PriceEntry, PricePeriod, RateKind, Rates, ServiceTier } from './types.js';

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
  /** Call time in ms since the epoch, asked only when the entry has dated prices. */
  timeMs: () => number;
  serviceTier: ServiceTier | undefined;
  /** Whether a per-request fee applies (a successful provider request). */
  billRequest: boolean;
}

export interface Cost {
  input: MoneyValue;
  cacheRead: MoneyValue;
  cacheWrite: MoneyValue;
  cacheWrite1h: MoneyValue;
  output: MoneyValue;
  audio: MoneyValue;
  image: MoneyValue;
  request: MoneyValue;
  total: MoneyValue;
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

/** tokens * price; most calls have few parts, so skip the MoneyValue work for zeros. */
const mul = (price: MoneyValue | undefined, tokens: number): MoneyValue =>
  tokens === 0 || price === undefined ? ZERO : price.mul(tokens);

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
    readonly r: Rates,
    track: boolean,
  ) {
    this.used = track ? new Set() : undefined;
  }

  /** Price `n` units by the first kind in `chain` that has a rate; `warn` when not the first. */
  part(n: number, chain: readonly RateKind[], missing: string, warn = ''): MoneyValue {
    if (n === 0) return ZERO;
    for (let i = 0; i < chain.length; i++) {
      const rate = this.r[chain[i]!];
      if (rate === undefined) continue;
      if (i > 0 && warn !== '' && !this.warnings.includes(warn)) this.warnings.push(warn);
      this.used?.add(chain[i]!);
      return rate.mul(n);
    }
    if (!this.missing.includes(missing)) this.missing.push(missing);
    return ZERO;
  }
}

function outputParts(
  p: Pricer,
  t: TokenCounts,
  w: string[],
): { text: MoneyValue; image: MoneyValue } {
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
  return {
    text: p
      .part(text - reasoning, CHAIN.output, 'output')
      .add(p.part(reasoning, CHAIN.reasoning, 'output')),
    image: p.part(image, CHAIN.imageOutput, 'image_output', 'image_priced_as_text'),
  };
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
  const period = periodAt(entry, q.timeMs);
  const resolved = ratesFor(period.prices, input, q.serviceTier);
  const p = new Pricer(resolved.rates, q.serviceTier !== undefined);
  const inputCost = p.part(text, CHAIN.input, 'input');
  const readCost = p.part(cacheRead, CHAIN.cacheRead, 'input');
  const writeCost = p.part(cacheWrite - write1h, CHAIN.cacheWrite, 'input');
  const write1hCost = p.part(write1h, CHAIN.cacheWrite1h, 'input', 'price_missing:cache_write_1h');
  const out = outputParts(p, t, warnings);
  const audio = p
    .part(audioIn, CHAIN.audioInput, 'input', 'audio_priced_as_text:input')
    .add(
      p.part(
        count(t.audio_output_tokens),
        CHAIN.audioOutput,
        'output',
        'audio_priced_as_text:output',
      ),
    );
  const searches = count(t.web_search_requests);
  let request = q.billRequest ? mul(resolved.rates.request, 1) : ZERO;
  if (searches > 0) {
    if (resolved.rates.webSearch === undefined) warnings.push('price_missing:web_search');
    else request = request.add(p.part(searches, CHAIN.webSearch, 'web_search'));
  }
  if (
    q.serviceTier &&
    (resolved.tierAbsent || [...p.used!].some((k) => !resolved.fromTier?.has(k)))
  )
    warnings.push(`tier_price_missing:${q.serviceTier}`);
  const cost: Cost = {
    input: inputCost,
    cacheRead: readCost,
    cacheWrite: writeCost,
    cacheWrite1h: write1hCost,
    output: out.text,
    audio,
    image: out.image,
    request,
    total: ZERO,
    tierThreshold: resolved.threshold,
    period,
    missing: p.missing,
    warnings: p.warnings.length === 0 ? warnings : [...warnings, ...p.warnings],
  };
  cost.total = sum(cost);
  return cost;
}

type Parts = Pick<
  Cost,
  'input' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h' | 'output' | 'audio' | 'image' | 'request'
>;

/** a + b, skipping the MoneyValue work when either is zero (most parts are, on most calls). */
const plus = (a: MoneyValue, b: MoneyValue): MoneyValue =>
  b.isZero() ? a : a.isZero() ? b : a.add(b);

function sum(c: Parts): MoneyValue {
  let t = plus(c.input, c.cacheRead);
  t = plus(t, c.cacheWrite);
  t = plus(t, c.cacheWrite1h);
  t = plus(t, c.output);
  t = plus(t, c.audio);
  t = plus(t, c.image);
  return plus(t, c.request);
}

/** Applies `percent` off to every component; exact, so components still sum to the total. */
export function discounted(cost: Cost, percent: MoneyValue | undefined): Cost {
  if (!percent || percent.isZero()) return cost;
  const factor = new Money(1).sub(percent.div(100));
  const parts: Parts = {
    input: cost.input.mul(factor),
    cacheRead: cost.cacheRead.mul(factor),
    cacheWrite: cost.cacheWrite.mul(factor),
    cacheWrite1h: cost.cacheWrite1h.mul(factor),
    output: cost.output.mul(factor),
    audio: cost.audio.mul(factor),
    image: cost.image.mul(factor),
    request: cost.request.mul(factor),
  };
  return { ...cost, ...parts, total: sum(parts) };
}

export const ZERO_COST: Cost = {
  input: ZERO,
  cacheRead: ZERO,
  cacheWrite: ZERO,
  cacheWrite1h: ZERO,
  output: ZERO,
  audio: ZERO,
  image: ZERO,
  request: ZERO,
  total: ZERO,
  tierThreshold: 0,
  period: undefined,
  missing: [],
  warnings: [],
};
