// When a request should skip a full reservation, and which reservation its on-demand attempt
// stands in for. Packing (packing.ts) applies only while the reservation refuses: its 429s say
// it is full now, where the feed's fill_share is measured over a window of stored calls.
import { onDemandPrices, type ReservationPacker } from './packing.js';
import type { FeedDocument, FeedPool } from './types.js';

export class PackGate {
  /** When each reservation last answered 429 (full): packing applies only while it refuses. */
  private readonly refusedAt = new Map<string, number>();

  constructor(
    private readonly packer: ReservationPacker,
    private readonly now: () => number,
    private readonly refusedWithinMs: number = 60_000,
  ) {}

  /** A provisioned target refused a request (429: full, not broken). */
  refused(id: string): void {
    this.refusedAt.set(id, this.now());
  }

  /**
   * The full reservations of the first tier this request should skip: none unless the feed
   * gives one a fill_share, it refused a request lately, the request has a kind with learned
   * usage, and it ranks below the share the reservation can take.
   */
  skip(
    doc: FeedDocument,
    pool: FeedPool,
    valueKey: string | undefined,
    inputTokens?: number,
  ): string[] {
    if (valueKey === undefined) return [];
    const first = pool.tiers[0];
    // The feed's share is measured over its utilization window; while the reservation has not
    // refused anything for a minute it has room now (demand fell), so it is offered everything
    // and packing resumes at its next 429. A shorter memory (20 s) turned packing off between
    // refusals and filled the reservation in arrival order; the packer's shortfall guard keeps
    // the minute of packing from leaving it idle.
    const recent = this.now() - this.refusedWithinMs;
    const full = (first?.targets ?? []).filter(
      (t) =>
        t.state === 'active' &&
        t.weight > 0 &&
        t.fill_share !== undefined &&
        (this.refusedAt.get(t.id) ?? -Infinity) >= recent,
    );
    if (full.length === 0 || full.length !== first?.targets.filter((t) => t.weight > 0).length)
      return [];
    const later = pool.tiers.slice(1).flatMap((t) => t.targets.map((x) => x.id));
    const prices = onDemandPrices(doc.targets, later);
    if (prices === undefined) return [];
    const share = Math.min(...full.map((t) => t.fill_share ?? 1));
    const take = this.packer.decide(valueKey, share, prices, inputTokens);
    return take === false ? full.map((t) => t.id) : [];
  }

  /**
   * The reservation a first attempt that goes on demand stands in for although packing did not
   * send it there: the first tier's reservation this gateway is holding off (Retry-After, its
   * breaker). The feed counts the request in that reservation's demand, as it counts a 429
   * overflow; uncounted, a full reservation's demand reads low and its fill_share high.
   */
  cooling(
    doc: FeedDocument,
    pool: FeedPool,
    available: (id: string) => boolean,
  ): string | undefined {
    return pool.tiers[0]?.targets.find(
      (t) =>
        t.state === 'active' &&
        t.weight > 0 &&
        doc.targets[t.id]?.kind === 'provisioned' &&
        !available(t.id),
    )?.id;
  }
}
