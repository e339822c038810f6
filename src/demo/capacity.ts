// Capacity models of the mock providers, pure and in demo time (tested in test/unit).
// Provisioned (Azure PTU style, which Azure documents as a leaky bucket): a bucket holding one
// minute of capacity, drained continuously; a request is admitted when it fits under 100% and
// is charged its estimate (prompt - cached + max_tokens), corrected to the actual
// tokens when it completes; above 100% the answer is 429 with retry-after-ms = the time
// until this request would fit. On-demand: a shared pool whose time to first token grows
// with the load it carries (queueing in the provider's region), and never refuses.

export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

export class LeakyBucket {
  private level = 0;
  private at = 0;
  /** Converted tokens served (prompt - cached + output), for utilization reports. */
  served = 0;

  constructor(readonly capacityTpm: number) {
    if (!(capacityTpm > 0)) throw new RangeError('capacity must be > 0 tokens per minute');
  }

  private drain(nowMs: number): void {
    if (nowMs > this.at)
      this.level = Math.max(0, this.level - ((nowMs - this.at) * this.capacityTpm) / 60_000);
    this.at = Math.max(this.at, nowMs);
  }

  /** Bucket level over capacity (1 = 100%). */
  utilization(nowMs: number): number {
    this.drain(nowMs);
    return this.level / this.capacityTpm;
  }

  tryAdmit(nowMs: number, estimate: number): Admission {
    this.drain(nowMs);
    // Admit when the request fits under 100% (Azure also lets short bursts overshoot; a strict
    // fit keeps retry-after-ms exact: a client that waits it is admitted).
    const charge = Math.min(estimate, this.capacityTpm);
    if (this.level + charge <= this.capacityTpm) {
      this.level += estimate;
      return { ok: true };
    }
    const excess = this.level + charge - this.capacityTpm;
    return {
      ok: false,
      retryAfterMs: Math.max(100, Math.ceil((excess * 60_000) / this.capacityTpm)),
    };
  }

  /** Replace the admission estimate with what the request really used. */
  complete(nowMs: number, estimate: number, actual: number): void {
    this.drain(nowMs);
    this.level = Math.max(0, this.level + actual - estimate);
    this.served += actual;
  }
}

/** On-demand TTFT at a load: base x (1 + (tpm / knee)^2), so doubling past the knee hurts a lot. */
export function loadedTtft(baseMs: number, tpm: number, kneeTpm: number): number {
  const rho = Math.max(0, tpm) / kneeTpm;
  return baseMs * (1 + rho * rho);
}

/** Tokens per minute a pool is carrying: a sliding one-minute window of admitted requests. */
export class LoadWindow {
  private entries: { at: number; tokens: number }[] = [];
  private sum = 0;

  add(nowMs: number, tokens: number): void {
    this.entries.push({ at: nowMs, tokens });
    this.sum += tokens;
  }

  tpm(nowMs: number): number {
    let i = 0;
    while (i < this.entries.length && (this.entries[i] as { at: number }).at <= nowMs - 60_000)
      this.sum -= (this.entries[i++] as { tokens: number }).tokens;
    if (i > 0) this.entries = this.entries.slice(i);
    return this.sum;
  }
}

/**
 * Prompt-prefix cache of one deployment: a prefix served within the TTL is read from cache. Only
 * a served request writes it: a request refused at admission (a full PTU's 429, a 5xx) was never
 * processed, so its retry finds the cache as cold as the first attempt did.
 */
export class PrefixCache {
  private readonly seen = new Map<string, number>();

  constructor(private readonly ttlMs: number = 5 * 60_000) {}

  /** Cached tokens for a prompt whose cacheable prefix is `prefixTokens` long (1024+ in 128 steps). */
  peek(nowMs: number, prefixKey: string, prefixTokens: number): number {
    const last = this.seen.get(prefixKey);
    if (last === undefined || nowMs - last > this.ttlMs || prefixTokens < 1024) return 0;
    return Math.floor(prefixTokens / 128) * 128;
  }

  /** The prefix was processed: later requests within the TTL read it. */
  store(nowMs: number, prefixKey: string): void {
    this.seen.delete(prefixKey);
    this.seen.set(prefixKey, nowMs);
    if (this.seen.size > 10_000) this.seen.delete(this.seen.keys().next().value as string);
  }

  /** Cached tokens for a request that is served now (peek, then store). */
  lookup(nowMs: number, prefixKey: string, prefixTokens: number): number {
    const cached = this.peek(nowMs, prefixKey, prefixTokens);
    this.store(nowMs, prefixKey);
    return cached;
  }
}
