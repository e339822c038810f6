// Reservation packing: when the feed says a full reservation can take only part of the demand
// offered to it (`fill_share` < 1), which requests should it take? Its capacity is counted in
// converted tokens (uncached input + output); on demand, the same request costs input, cached
// input and output at their own prices. A request's value to the reservation is the on-demand
// money it saves per reservation token: an output-heavy request with a long cached prefix saves
// several times what a long uncached input saves. Sending the reservation the most valuable
// `fill_share` of the tokens (and the rest straight on demand, as a spill) pays the least on
// demand for the same reserved tokens; arrival order (first come, 429 for the rest) packs it
// with whatever came first.
//
// The usage per request kind (the caller's `valueKey`, e.g. route + prompt version) is learned
// from the answers (an exponential average, so a prompt change that breaks the cache is seen
// within a few answers); the decision compares the request's value with the recent requests'
// and keeps the token share the feed asks for.

export interface UsageSample {
  input: number;
  /** Input tokens read from the provider's prompt cache. */
  cached: number;
  output: number;
}

export interface TokenPrices {
  input: number;
  cached: number;
  output: number;
}

/** Weight of the newest answer in a kind's average (about the last ten answers count). */
const ALPHA = 0.2;
/** Recent requests the decision ranks against. */
const WINDOW = 256;
/** Below this many recent requests there is nothing to rank against: no opinion. */
const MIN_RECENT = 20;
/** Weight of each decision in the running totals of offered and taken tokens (~64 decisions). */
const BETA = 1 / 64;
/**
 * Taken tokens below this part of the share of offered tokens: the ranking is stale (after a
 * prompt change the old prompt's requests still fill the window and outrank every new one), so
 * the request is taken whatever its rank, and the reservation is never packed with nothing.
 */
const SHORT = 0.8;

interface Recent {
  value: number;
  tokens: number;
}

/** On-demand money saved per reservation token, and the tokens the reservation would spend. */
export function valueOf(u: UsageSample, p: TokenPrices): Recent | undefined {
  const cached = Math.min(u.cached, u.input);
  const tokens = u.input - cached + u.output;
  if (!(tokens > 0)) return undefined;
  const usd = p.input * (u.input - cached) + p.cached * cached + p.output * u.output;
  return { value: usd / tokens, tokens };
}

export class ReservationPacker {
  private readonly kinds = new Map<string, UsageSample>();
  private readonly recent: Recent[] = [];
  private next = 0;
  /** Running (decayed) tokens of the requests decided while packing, and of those taken. */
  private offered = 0;
  private taken = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** An answered request of this kind: its usage moves the kind's average. */
  learn(key: string, u: UsageSample): void {
    const prev = this.kinds.get(key);
    if (prev === undefined) return void this.kinds.set(key, { ...u });
    prev.input += ALPHA * (u.input - prev.input);
    prev.cached += ALPHA * (u.cached - prev.cached);
    prev.output += ALPHA * (u.output - prev.output);
  }

  /**
   * Whether this request should try the reservation (true), go straight on demand (false), or
   * no opinion (undefined: unknown kind, no prices, too few recent requests). `share`: the part
   * of the offered tokens the reservation can take. `inputTokens`: the request's own estimate;
   * the kind's cached tokens and output are applied to it. A provider caches a prompt's prefix
   * (the kind's system prompt), so a longer input adds uncached tokens, not cached ones:
   * scaling the cached share with the input valued a long ticket as a short one.
   */
  decide(
    key: string,
    share: number,
    prices: TokenPrices,
    inputTokens?: number,
  ): boolean | undefined {
    const kind = this.kinds.get(key);
    if (kind === undefined) return undefined;
    const input = inputTokens !== undefined && inputTokens > 0 ? inputTokens : kind.input;
    const cached = Math.min(input, kind.cached);
    const mine = valueOf({ input, cached, output: kind.output }, prices);
    if (mine === undefined) return undefined;
    this.remember(mine);
    if (share >= 1) return true;
    const ranked =
      this.recent.length < MIN_RECENT ? undefined : this.rank(mine.value, Math.max(0, share));
    const short = this.taken < SHORT * share * this.offered;
    const take = ranked === false && short ? true : ranked;
    this.offered += BETA * (mine.tokens - this.offered);
    this.taken += BETA * (take === false ? -this.taken : mine.tokens - this.taken);
    return take;
  }

  /**
   * Tokens of recent requests worth more than this one (above) and as much (same): it goes to
   * the reservation when they fit in the share, with the probability that fills the share
   * exactly when it is on the boundary (kinds repeat, so ties are common).
   */
  private rank(value: number, share: number): boolean {
    let above = 0;
    let same = 0;
    let total = 0;
    const eps = value * 1e-6;
    for (const r of this.recent) {
      total += r.tokens;
      if (r.value > value + eps) above += r.tokens;
      else if (r.value >= value - eps) same += r.tokens;
    }
    const want = share * total;
    if (above >= want) return false;
    if (above + same <= want) return true;
    return this.random() < (want - above) / same;
  }

  private remember(r: Recent): void {
    if (this.recent.length < WINDOW) this.recent.push(r);
    else this.recent[this.next] = r;
    this.next = (this.next + 1) % WINDOW;
  }
}

/** The cheapest on-demand prices among `ids` (feed target pricing), undefined when none priced. */
export function onDemandPrices(
  targets: Record<string, { kind: string; pricing?: Record<string, number> } | undefined>,
  ids: string[],
): TokenPrices | undefined {
  let best: TokenPrices | undefined;
  for (const id of ids) {
    const t = targets[id];
    const p = t?.kind === 'on_demand' ? t.pricing : undefined;
    const input = p?.['input_cost_per_token'];
    const output = p?.['output_cost_per_token'];
    if (input === undefined || output === undefined) continue;
    const cached = p?.['cache_read_input_token_cost'] ?? input;
    if (best === undefined || input + output < best.input + best.output)
      best = { input, cached, output };
  }
  return best;
}
