// What requests in flight hold (slots and bytes), with fair shares: one ingest key or one peer
// address may hold at most a configured share of the slots, so a client opening hundreds of
// slow connections gets 429 itself instead of starving every other key.
import { BackpressureError } from '../../shared/errors.js';

export interface InflightLimits {
  maxRequests: number;
  maxBytes: number;
  /** Shares (0..1] of maxRequests one key / one peer address may hold. */
  sharePerKey: number;
  sharePerPeer: number;
  retryAfterSeconds: number;
}

/** One request's hold on the budget, released by `Inflight.leave`. */
export interface Slot {
  bytes: number;
  peer: string;
  key: string | undefined;
}

export class Inflight {
  private requests = 0;
  private bytes = 0;
  private readonly perPeer = new Map<string, number>();
  private readonly perKey = new Map<string, number>();
  readonly peerCap: number;
  readonly keyCap: number;

  constructor(private readonly limits: InflightLimits) {
    this.peerCap = Math.max(1, Math.floor(limits.maxRequests * limits.sharePerPeer));
    this.keyCap = Math.max(1, Math.floor(limits.maxRequests * limits.sharePerKey));
  }

  /** Count one more request from `peer`; what it holds is released by `leave`. */
  enter(peer: string): Slot {
    this.requests += 1;
    bump(this.perPeer, peer, 1);
    return { bytes: 0, peer, key: undefined };
  }

  leave(slot: Slot): void {
    this.requests -= 1;
    this.bytes -= slot.bytes;
    bump(this.perPeer, slot.peer, -1);
    if (slot.key !== undefined) bump(this.perKey, slot.key, -1);
  }

  /** Refuse (429) a request arriving while too many are in flight, or too many from its peer. */
  checkRequests(slot: Slot): void {
    if (this.requests > this.limits.maxRequests) {
      throw this.refusal(
        `too many requests in flight (collector.max_inflight_requests ${this.limits.maxRequests})`,
      );
    }
    if ((this.perPeer.get(slot.peer) ?? 0) > this.peerCap) {
      throw this.refusal(
        `too many requests in flight from ${slot.peer} (collector.max_inflight_share_per_peer: ${this.peerCap} of ${this.limits.maxRequests})`,
      );
    }
  }

  /** Count the request against its ingest key's share; 429 past it. */
  claimKey(slot: Slot, key: string): void {
    slot.key = key;
    if (bump(this.perKey, key, 1) > this.keyCap) {
      throw this.refusal(
        `too many requests in flight for ingest key ${key} (collector.max_inflight_share_per_key: ${this.keyCap} of ${this.limits.maxRequests})`,
      );
    }
  }

  /** Account `n` more bytes to a request; refuse (429) past the budget. */
  take(n: number, slot: Slot): void {
    this.bytes += n;
    slot.bytes += n;
    if (this.bytes > this.limits.maxBytes) {
      throw this.refusal(
        `too many request bytes in flight (collector.max_inflight_bytes ${this.limits.maxBytes})`,
      );
    }
  }

  /** Requests in flight now (for tests and metrics). */
  get inFlight(): number {
    return this.requests;
  }

  private refusal(message: string): BackpressureError {
    return new BackpressureError(message, this.limits.retryAfterSeconds);
  }
}

function bump(map: Map<string, number>, key: string, by: number): number {
  const next = (map.get(key) ?? 0) + by;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
  return next;
}
