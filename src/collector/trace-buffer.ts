// Holds the GenAI calls of a trace until their attribution can be resolved from ancestor spans,
// the way the OTel Collector's groupbytrace processor holds a trace for `wait_duration`.
//
// Why: most instrumentations cannot set route/feature/tenant on the LLM span itself; services set
// them on the request's root span, and spans of one trace arrive in separate requests, children
// usually before their root (a parent ends last). The trade-off, in numbers from the config:
// a call whose ancestors are all known is released at once; one whose ancestor chain is broken
// waits up to `wait_ms` (or `root_grace_ms` after the root arrives); an ancestor arriving later
// than that cannot re-attribute a written row. Held calls are bounded by `max_pending_spans`;
// what is remembered of released traces (for late children) by `maxBytes`, a share of
// storage.max_memory: past it the least recently touched traces are forgotten before
// `remember_ms` (counted in `evictedEarly`, and reported once).
//
// Trace state is partitioned by the ingest key's tenant binding: spans sent with one tenant's
// key meet only spans sent for that tenant, so a span posted under another tenant's trace id
// and parent span id can neither re-attribute nor de-duplicate that tenant's calls.
//
// It also counts each provider call once when two instrumentations nest for the same call
// (trace-nesting.ts).
import { mergeHint } from './processors/attribute.js';
import { isBillableKind, PREFERRED_SOURCE, type SpanNode } from './trace-nesting.js';
import { isReady, release, type TraceState } from './trace-release.js';
import { nodeBytes, stringBytes, TRACE_BYTES } from './trace-memory.js';
import { ROOT_SLOT_BYTES, RootStore } from './trace-roots.js';
import type { Hint, IncomingSpan, ResolvedItem, TraceBufferOptions } from './trace-types.js';

export type {
  Hint,
  IncomingSpan,
  PendingItem,
  ResolvedItem,
  TraceBufferOptions,
  TraceEviction,
} from './trace-types.js';

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export class TraceBuffer {
  private readonly traces = new Map<string, TraceState & { touchedAt: number }>();
  /** Traces holding pending items: the only ones a release pass needs to look at. */
  private readonly withPending = new Set<string>();
  /**
   * Released traces that were a single root span (most LLM calls), remembered compactly in
   * typed arrays (trace-roots.ts) instead of a trace state with its own Map each: the
   * retained-object count drove GC time.
   */
  private readonly roots: RootStore;
  /** release()'s set of a trace's billable calls, reused (trace-release.ts). */
  private readonly scratch = new Set<string>();
  private readonly traceCounts = new Map<string, number>();
  private readonly batchKeys: string[] = [];
  /** Lone roots released by `add`, handed out by the next takeReady. */
  private ready: ResolvedItem[] = [];
  private pendingCount = 0;
  private heldBytes = 0;
  private readonly maxBytes: number;
  /** Traces forgotten before rememberMs to stay within maxBytes. */
  evictedEarly = 0;

  constructor(private readonly options: TraceBufferOptions) {
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.roots = new RootStore(Math.max(1, Math.floor(this.maxBytes / ROOT_SLOT_BYTES)));
  }

  /** Spans held and not yet released (counted against the collector's queue bound). */
  get pending(): number {
    return this.pendingCount;
  }

  /** Estimated heap bytes of trace state held, pending and remembered. */
  get bytes(): number {
    return this.heldBytes;
  }

  add(spans: IncomingSpan[], now: number): void {
    const shared = spans.length > 1 ? this.countTraces(spans) : undefined;
    for (let i = 0; i < spans.length; i += 1) {
      const span = spans[i] as IncomingSpan;
      // countTraces built every key already (a partitioned key is a concatenation).
      const key =
        shared !== undefined
          ? (this.batchKeys[i] as string)
          : traceKey(span.partition, span.traceId);
      // A span sharing its trace with another of the batch is held with it (nested pairs are
      // judged at release).
      if ((shared === undefined || shared.get(key) === 1) && this.releaseLoneRoot(key, span, now))
        continue;
      const state = this.stateFor(key, now);
      const replaced = state.nodes.get(span.spanId);
      if (replaced !== undefined) this.resize(state, -nodeBytes(span.spanId, replaced));
      const node: SpanNode = {
        parent: span.parentSpanId,
        hint: span.hint,
        billableCall: span.item?.type === 'call' && isBillableKind(span.item.call),
        preferred: span.item?.type === 'call' && span.item.call.source === PREFERRED_SOURCE,
      };
      state.nodes.set(span.spanId, node);
      this.resize(state, nodeBytes(span.spanId, node));
      if (span.parentSpanId === '') state.rootSeenAt = now;
      if (span.item !== undefined) {
        if (state.pending.length === 0) state.firstPendingAt = now;
        this.withPending.add(key);
        state.pending.push(span.item);
        this.pendingCount += 1;
      }
    }
    // Hold no key of this request past it (the scratch outlived scavenges otherwise).
    this.batchKeys.length = 0;
    this.traceCounts.clear();
  }

  /**
   * A root span with a call, the only span of its trace in its batch and of a trace with nothing
   * held or remembered: its chain is complete and nothing can nest with it, so it is released
   * now and remembered as a root for late children (what `compact` does for a released trace of
   * one root). Most LLM calls are such traces; building and tearing down a trace state (its
   * object, node map, pending list and set) for each cost a fifth of the JavaScript path.
   */
  private releaseLoneRoot(key: string, span: IncomingSpan, now: number): boolean {
    const item = span.item;
    if (span.parentSpanId !== '' || item?.type !== 'call') return false;
    if (this.traces.has(key) || this.roots.has(key)) return false;
    const node: SpanNode = {
      parent: '',
      hint: span.hint,
      billableCall: isBillableKind(item.call),
      preferred: item.call.source === PREFERRED_SOURCE,
    };
    // What release() resolves for a root: its own hint, then its resource's.
    const hint: Hint = {};
    mergeHint(hint, node.hint);
    mergeHint(hint, item.ownResource);
    this.ready.push({ item, hint });
    this.remember(key, span.spanId, node, now);
    return true;
  }

  /**
   * How many spans of `spans` each trace has, and each span's key in `batchKeys` (scratch, valid
   * until the next call).
   */
  private countTraces(spans: IncomingSpan[]): Map<string, number> {
    const counts = this.traceCounts;
    counts.clear();
    this.batchKeys.length = spans.length;
    for (let i = 0; i < spans.length; i += 1) {
      const span = spans[i] as IncomingSpan;
      const key = traceKey(span.partition, span.traceId);
      this.batchKeys[i] = key;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  /** Release the calls whose traces are ready (or all of them when `force`, e.g. at shutdown). */
  takeReady(now: number, force = false): ResolvedItem[] {
    const out: ResolvedItem[] = this.ready;
    this.ready = [];
    for (const key of this.withPending) {
      const state = this.traces.get(key);
      if (state === undefined || state.pending.length === 0) {
        this.withPending.delete(key);
        continue;
      }
      const overflow = this.pendingCount > this.options.maxPendingSpans;
      if (force || overflow || isReady(state, now, this.options)) {
        this.pendingCount -= state.pending.length;
        out.push(...release(state, this.scratch));
        this.withPending.delete(key);
        this.compact(key, state, now);
      }
    }
    this.expire(now);
    return out;
  }

  /**
   * Forget released traces not touched for `rememberMs`; then, while the state is over its
   * bytes, the least recently touched released ones (both maps are in touched order).
   */
  private expire(now: number): void {
    const { rememberMs } = this.options;
    for (let t = this.roots.oldestTouchedAt(); t !== undefined && now - t > rememberMs;) {
      this.heldBytes -= this.roots.dropOldest();
      t = this.roots.oldestTouchedAt();
    }
    for (const [key, state] of this.traces) {
      if (now - state.touchedAt <= rememberMs) break;
      if (state.pending.length === 0) this.forget(key, state);
    }
    if (this.heldBytes > this.maxBytes) this.evictForBytes(now);
  }

  private evictForBytes(now: number): void {
    const traces = this.traces.entries();
    let trace = traces.next();
    while (this.heldBytes > this.maxBytes) {
      while (!trace.done && trace.value[1].pending.length > 0) trace = traces.next();
      let touchedAt: number;
      const root = this.roots.oldestTouchedAt();
      if (root !== undefined && (trace.done || root <= trace.value[1].touchedAt)) {
        touchedAt = root;
        this.heldBytes -= this.roots.dropOldest();
      } else if (!trace.done) {
        touchedAt = trace.value[1].touchedAt;
        this.forget(trace.value[0], trace.value[1]);
        trace = traces.next();
      } else return; // only traces with held calls are left: those are bounded by their count
      this.countEarly(now, touchedAt);
    }
  }

  private countEarly(now: number, touchedAt: number): void {
    if (this.evictedEarly === 0)
      this.options.onFirstEviction?.({ maxBytes: this.maxBytes, rememberedMs: now - touchedAt });
    this.evictedEarly += 1;
  }

  private stateFor(key: string, now: number): TraceState & { touchedAt: number } {
    let state = this.traces.get(key);
    if (state === undefined) {
      state = {
        nodes: new Map(),
        pending: [],
        firstPendingAt: now,
        rootSeenAt: undefined,
        touchedAt: now,
        bytes: 0,
      };
      this.resize(state, TRACE_BYTES + stringBytes(key));
      const root = this.roots.take(key);
      if (root !== undefined) {
        this.heldBytes -= root.bytes;
        const node = { ...root.node }; // the root's node may be shared: never changed in place
        state.nodes.set(root.spanId, node);
        this.resize(state, nodeBytes(root.spanId, node));
      }
    } else {
      this.traces.delete(key); // re-insert: Map order is our LRU order
    }
    state.touchedAt = now;
    this.traces.set(key, state);
    return state;
  }

  /** A released trace of one root span moves to the compact `roots` map. */
  private compact(key: string, state: TraceState, now: number): void {
    if (state.nodes.size !== 1) return;
    const [entry] = state.nodes;
    if (entry === undefined || entry[1].parent !== '') return;
    this.forget(key, state);
    this.remember(key, entry[0], entry[1], now);
  }

  /** Keep a released root in the compact `roots` map. */
  private remember(key: string, spanId: string, node: SpanNode, now: number): void {
    const oldest = this.roots.full ? this.roots.oldestTouchedAt() : undefined;
    if (oldest !== undefined) {
      // The roots' arrays are at the bound's size: the oldest root makes room.
      this.heldBytes -= this.roots.dropOldest();
      this.countEarly(now, oldest);
    }
    this.heldBytes += this.roots.put(key, spanId, node, now);
  }

  private forget(key: string, state: TraceState): void {
    this.heldBytes -= state.bytes;
    this.traces.delete(key);
  }

  private resize(state: TraceState, bytes: number): void {
    state.bytes += bytes;
    this.heldBytes += bytes;
  }
}

/** The buffer's key for a trace: its id within the sender's partition. */
function traceKey(partition: string | undefined, traceId: string): string {
  return partition === undefined || partition === '' ? traceId : `${partition}\u0000${traceId}`;
}
