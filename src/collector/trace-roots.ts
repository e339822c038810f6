// Released traces that were a single root span (most LLM calls), remembered for `remember_ms` so
// a late child still finds its root's attribution. Kept in typed arrays, not as heap objects:
// each remembered root used to be a Map entry, an entry object and two id strings (about 300
// bytes), all young when written and alive for minutes, so every one was copied by two
// scavenges into the old generation and then marked by every major GC until it expired. Here a
// root with a 16-hex-digit span id and a shared attribution node is 40 bytes in typed arrays and
// no heap object: a 96-bit fingerprint of its trace key, its span id as two 32-bit words, the
// index of its (shared) node and the time it was touched, in a ring in insertion (= touched)
// order, plus two open-addressing slots. Another span id, or a node that cannot be shared, is
// kept beside the ring in a Map by position (rare: OTLP span ids are 8 bytes).
//
// Two trace keys are confused only if all 96 bits collide (as in the duplicate filter, seen.ts),
// and even then a late span joins the other root only if its parent id equals that root's id.
import { fingerprint, removeSlot } from './fingerprint.js';
import { nodeBytes, stringBytes } from './trace-memory.js';
import type { SpanNode } from './trace-nesting.js';

/** Bytes one compact root costs: fingerprint 12, span id 8, node 4, time 8, two slots 8. */
export const ROOT_SLOT_BYTES = 40;
/** A root kept beside the ring: its Map entry and object, besides its strings and node. */
const ODD_BYTES = 84;
/** Distinct attribution nodes shared at most (about 1 MB); past it roots keep their own node. */
const MAX_SHARED_NODES = 4096;
const DEAD = -1;
const ODD = -2;

export interface RootTaken {
  spanId: string;
  /** Possibly shared with other roots: never change it, copy it. */
  node: SpanNode;
  bytes: number;
}

export class RootStore {
  private cap = 0;
  private prints = new Uint32Array(0);
  private ids = new Uint32Array(0);
  /** Index into `shared`, or DEAD (taken or dropped), or ODD (see `odd`). */
  private nodes = new Int32Array(0);
  private touched = new Float64Array(0);
  /** Open addressing, linear probing: ring position + 1, or 0 for an empty slot. */
  private table = new Int32Array(0);
  /** Ring positions: `tail` is the oldest entry (maybe dead), `head` the next to write. */
  private tail = 0;
  private head = 0;
  private live = 0;
  private readonly odd = new Map<number, { spanId: string; node: SpanNode; bytes: number }>();
  private readonly shared: SpanNode[] = [];
  private readonly sharedIndex = new Map<string, number>();
  private readonly print = new Uint32Array(3);
  private printed: string | undefined;

  /** The ring's largest size: maxEntries plus the slack a compaction frees at least. */
  private readonly ringMax: number;
  /** Times the ring was rebuilt (grown or compacted): amortized O(1) a put, see `put`. */
  rebuilds = 0;

  /**
   * `maxEntries` bounds the live entries; the arrays grow by doubling up to an eighth more than
   * that (dead entries awaiting compaction), not counted in the entries' bytes.
   */
  constructor(private readonly maxEntries: number) {
    this.ringMax = maxEntries + Math.max(16, Math.ceil(maxEntries / 8));
    this.resize(Math.min(1024, this.ringMax));
  }

  get size(): number {
    return this.live;
  }

  /** maxEntries roots are remembered: a put needs a drop first. */
  get full(): boolean {
    return this.live >= this.maxEntries;
  }

  /** Remember a released root; returns its estimated bytes. */
  put(key: string, spanId: string, node: SpanNode, now: number): number {
    if (this.live >= this.maxEntries) throw new Error('RootStore is full: dropOldest first');
    // A dropped oldest entry stays at `tail` until skipped: skip it before calling the ring full.
    if (this.head - this.tail === this.cap) this.skipDead();
    if (this.head - this.tail === this.cap) {
      // Grow when at least half is live, else compact the dead entries out. Past maxEntries the
      // ring has `slack` spare places, so a compaction always frees at least that many: without
      // them a store at its bound rebuilt the whole ring for every put (a collector at its
      // trace memory share spun for minutes on one request).
      const grow = this.live * 2 >= this.cap && this.cap < this.ringMax;
      this.resize(grow ? Math.min(this.cap * 2, this.ringMax) : this.cap);
    }
    this.hash(key);
    const pos = this.head % this.cap;
    this.head += 1;
    this.prints.set(this.print, pos * 3);
    this.touched[pos] = now;
    this.insertSlot(pos);
    this.live += 1;
    const hi = spanId.length === 16 ? hexWord(spanId, 0) : -1;
    const lo = hi >= 0 ? hexWord(spanId, 8) : -1;
    const index = lo >= 0 ? this.share(node) : -1;
    if (index >= 0) {
      this.ids[pos * 2] = hi;
      this.ids[pos * 2 + 1] = lo;
      this.nodes[pos] = index;
      return ROOT_SLOT_BYTES;
    }
    const bytes = ROOT_SLOT_BYTES + ODD_BYTES + stringBytes(spanId) + nodeBytes('', node);
    this.nodes[pos] = ODD;
    this.odd.set(pos, { spanId, node, bytes });
    return bytes;
  }

  /** Whether a root of `key` is remembered. */
  has(key: string): boolean {
    this.hash(key);
    return this.find() >= 0;
  }

  /** Forget the root of `key` and return it (a span of its trace arrived), if remembered. */
  take(key: string): RootTaken | undefined {
    this.hash(key);
    const slot = this.find();
    if (slot < 0) return undefined;
    const pos = (this.table[slot] ?? 1) - 1;
    const taken = this.read(pos);
    this.kill(pos, slot);
    return taken;
  }

  /** When the oldest remembered root was touched (undefined when none is). */
  oldestTouchedAt(): number | undefined {
    this.skipDead();
    return this.live === 0 ? undefined : this.touched[this.tail % this.cap];
  }

  /** Forget the oldest remembered root; returns its bytes (0 when none is). */
  dropOldest(): number {
    this.skipDead();
    if (this.live === 0) return 0;
    const pos = this.tail % this.cap;
    const bytes = this.odd.get(pos)?.bytes ?? ROOT_SLOT_BYTES;
    this.print.set(this.prints.subarray(pos * 3, pos * 3 + 3));
    this.printed = undefined;
    this.kill(pos, this.find());
    return bytes;
  }

  private read(pos: number): RootTaken {
    const index = this.nodes[pos] ?? DEAD;
    const odd = index === ODD ? this.odd.get(pos) : undefined;
    if (odd !== undefined) return odd;
    const hi = this.ids[pos * 2] ?? 0;
    const lo = this.ids[pos * 2 + 1] ?? 0;
    const spanId = hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
    return { spanId, node: this.shared[index] as SpanNode, bytes: ROOT_SLOT_BYTES };
  }

  private kill(pos: number, slot: number): void {
    if (this.nodes[pos] === ODD) this.odd.delete(pos);
    this.nodes[pos] = DEAD;
    if (slot >= 0) removeSlot(this.table, this.prints, slot);
    this.live -= 1;
  }

  private skipDead(): void {
    while (this.tail < this.head && this.nodes[this.tail % this.cap] === DEAD) this.tail += 1;
  }

  /** The shared node's index (interned by attribution and flags), or -1 when sharing is full. */
  private share(node: SpanNode): number {
    const { hint } = node;
    const flags =
      (hint.inferred?.route === true ? 1 : 0) |
      (hint.inferred?.feature === true ? 2 : 0) |
      (hint.inferred?.tenant === true ? 4 : 0) |
      (node.billableCall ? 8 : 0) |
      (node.preferred ? 16 : 0);
    const key = `${node.parent}\u0001${hint.route ?? '\u0002'}\u0001${hint.feature ?? '\u0002'}\u0001${hint.tenant ?? '\u0002'}\u0001${flags}`;
    const index = this.sharedIndex.get(key);
    if (index !== undefined) return index;
    if (this.shared.length >= MAX_SHARED_NODES) return -1;
    this.shared.push(node);
    this.sharedIndex.set(key, this.shared.length - 1);
    return this.shared.length - 1;
  }

  /** A ring of `capacity` holding the live entries in order (grown, or compacted in place). */
  private resize(capacity: number): void {
    const old = {
      cap: this.cap,
      prints: this.prints,
      ids: this.ids,
      nodes: this.nodes,
      touched: this.touched,
      tail: this.tail,
      head: this.head,
    };
    const odd = new Map(this.odd);
    this.cap = capacity;
    this.prints = new Uint32Array(capacity * 3);
    this.ids = new Uint32Array(capacity * 2);
    this.nodes = new Int32Array(capacity);
    this.touched = new Float64Array(capacity);
    this.table = new Int32Array(capacity * 2);
    this.odd.clear();
    this.rebuilds += 1;
    let next = 0;
    // Element by element: a subarray per entry made a million-entry rebuild take seconds.
    const { prints, ids, print } = this;
    for (let p = old.tail; p < old.head; p += 1) {
      const from = p % old.cap;
      if (old.nodes[from] === DEAD) continue;
      for (let w = 0; w < 3; w += 1) prints[next * 3 + w] = old.prints[from * 3 + w] ?? 0;
      ids[next * 2] = old.ids[from * 2] ?? 0;
      ids[next * 2 + 1] = old.ids[from * 2 + 1] ?? 0;
      this.nodes[next] = old.nodes[from] ?? DEAD;
      this.touched[next] = old.touched[from] ?? 0;
      const moved = odd.get(from);
      if (moved !== undefined) this.odd.set(next, moved);
      print[0] = prints[next * 3] ?? 0;
      this.insertSlot(next);
      next += 1;
    }
    this.printed = undefined;
    this.tail = 0;
    this.head = next;
  }

  private hash(key: string): void {
    if (key === this.printed) return;
    fingerprint(key, this.print);
    this.printed = key;
  }

  private insertSlot(pos: number): void {
    const { table } = this;
    let slot = (this.print[0] ?? 0) % table.length;
    while (table[slot] !== 0) slot = (slot + 1) % table.length;
    table[slot] = pos + 1;
  }

  /** The table slot holding the current fingerprint, or -1. */
  private find(): number {
    const { table, prints, print } = this;
    const [a, b, c] = print;
    for (let slot = (a ?? 0) % table.length; ; slot = (slot + 1) % table.length) {
      const held = table[slot] ?? 0;
      if (held === 0) return -1;
      const i = (held - 1) * 3;
      if (prints[i] === a && prints[i + 1] === b && prints[i + 2] === c) return slot;
    }
  }
}

/** Eight lowercase hex digits of `s` from `from` as a number, or -1 when they are not. */
function hexWord(s: string, from: number): number {
  let value = 0;
  for (let i = from; i < from + 8; i += 1) {
    const c = s.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}
