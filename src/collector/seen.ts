// The duplicate filter: recently seen call ids, so a client's retry of a request it already
// sent, or a replay, does not count a call twice. Bounded by bytes (a share of
// storage.max_memory), not by count: when full, the oldest id is forgotten first.
//
// Why fingerprints instead of the ids: a call id is a 49-character string, about 130 bytes on
// the V8 heap with its Set entry, and a million of them were a million old-generation objects
// for every major GC to mark. Here an id costs 24 bytes in typed arrays outside the heap: a
// 96-bit fingerprint and the second it was added (12 + 4 bytes, in a ring in insertion order)
// plus two open-addressing slots (8 bytes). The same budget remembers five times as many ids.
// Two different ids match only if all 96 bits collide: with 2 million ids held, a new id is
// mistaken for a duplicate with probability about 2.5e-23.

import { fingerprint, removeSlot } from './fingerprint.js';

/** Bytes one remembered id costs: fingerprint (12) + time (4) + two table slots (8). */
export const SEEN_ENTRY_BYTES = 24;

export interface SeenEviction {
  /** Ids the filter holds (its capacity). */
  capacity: number;
  /** How long the oldest id was remembered before it was forgotten. */
  windowSeconds: number;
}

export interface SeenSetOptions {
  /** Bound on the filter's memory. */
  maxBytes: number;
  now?: () => number;
  /** Called once, the first time an id is forgotten to stay within maxBytes. */
  onFirstEviction?: (eviction: SeenEviction) => void;
}

export class SeenSet {
  readonly capacity: number;
  /** Fingerprints, three 32-bit lanes per entry, in a ring in insertion order. */
  private readonly prints: Uint32Array;
  /** Second each entry was added. */
  private readonly times: Uint32Array;
  /** Open addressing, linear probing: ring index + 1, or 0 for an empty slot. */
  private readonly table: Int32Array;
  private head = 0;
  private count = 0;
  private readonly now: () => number;
  /** Ids forgotten to stay within the bound. */
  evicted = 0;
  // The fingerprint of the last key looked up: `has(key)` then `add(key)` hashes once.
  private lastKey: string | undefined;
  private a = 0;
  private b = 0;
  private c = 0;
  private readonly print = new Uint32Array(3);

  constructor(private readonly options: SeenSetOptions) {
    this.capacity = Math.max(1, Math.floor(options.maxBytes / SEEN_ENTRY_BYTES));
    this.prints = new Uint32Array(this.capacity * 3);
    this.times = new Uint32Array(this.capacity);
    this.table = new Int32Array(this.capacity * 2);
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes the filter holds (allocated up front). */
  get bytes(): number {
    return this.prints.byteLength + this.times.byteLength + this.table.byteLength;
  }

  /** How far back the filter remembers: the age of its oldest id, in seconds. */
  windowSeconds(): number {
    if (this.count === 0) return 0;
    const oldest = (this.head - this.count + this.capacity) % this.capacity;
    return Math.max(0, this.second() - (this.times[oldest] ?? 0));
  }

  has(key: string): boolean {
    this.hash(key);
    return this.find() >= 0;
  }

  /** Remember `key`; false when it was already there (the check and the add hash once). */
  add(key: string): boolean {
    this.hash(key);
    if (this.find() >= 0) return false;
    if (this.count === this.capacity) this.evictOldest();
    const entry = this.head;
    this.prints[entry * 3] = this.a;
    this.prints[entry * 3 + 1] = this.b;
    this.prints[entry * 3 + 2] = this.c;
    this.times[entry] = this.second();
    let slot = this.a % this.table.length;
    while (this.table[slot] !== 0) slot = (slot + 1) % this.table.length;
    this.table[slot] = entry + 1;
    this.head = (this.head + 1) % this.capacity;
    this.count += 1;
    return true;
  }

  private second(): number {
    return Math.floor(this.now() / 1000);
  }

  /** The table slot holding the current fingerprint, or -1. */
  private find(): number {
    const { table, prints } = this;
    for (let slot = this.a % table.length; ; slot = (slot + 1) % table.length) {
      const held = table[slot] ?? 0;
      if (held === 0) return -1;
      const i = (held - 1) * 3;
      if (prints[i] === this.a && prints[i + 1] === this.b && prints[i + 2] === this.c) return slot;
    }
  }

  private evictOldest(): void {
    const entry = this.head; // the ring is full: the next write position holds the oldest
    if (this.evicted === 0)
      this.options.onFirstEviction?.({
        capacity: this.capacity,
        windowSeconds: this.second() - (this.times[entry] ?? 0),
      });
    this.evicted += 1;
    const { a, b, c } = this; // the key being added: find() below looks up the evicted one
    this.a = this.prints[entry * 3] ?? 0;
    this.b = this.prints[entry * 3 + 1] ?? 0;
    this.c = this.prints[entry * 3 + 2] ?? 0;
    const slot = this.find();
    if (slot >= 0) removeSlot(this.table, this.prints, slot);
    this.count -= 1;
    this.a = a;
    this.b = b;
    this.c = c;
  }

  private hash(key: string): void {
    if (key === this.lastKey) return;
    fingerprint(key, this.print);
    this.a = this.print[0] ?? 0;
    this.b = this.print[1] ?? 0;
    this.c = this.print[2] ?? 0;
    this.lastKey = key;
  }
}
