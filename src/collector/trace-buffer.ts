// Holds the GenAI calls of a trace until their attribution can be resolved from ancestor spans,
// the way the OTel Collector's groupbytrace processor holds a trace for `wait_duration`.
//
// Why: most instrumentations cannot set route/feature/tenant on the LLM span itself; services set
// them on the request's root span, and spans of one trace arrive in separate requests, children
// usually before their root (a parent ends last). The trade-off, in numbers from the config:
// a call whose ancestors are all known is released at once; one whose ancestor chain is broken
// waits up to `wait_ms` (or `root_grace_ms` after the root arrives); an ancestor arriving later
// than that cannot re-attribute a written row. Memory is bounded by `max_pending_spans`.
//
// Trace state is partitioned by the ingest key's tenant binding: spans sent with one tenant's
// key meet only spans sent for that tenant, so a span posted under another tenant's trace id
// and parent span id can neither re-attribute nor de-duplicate that tenant's calls.
//
// It also counts each provider call once when two instrumentations nest for the same call (a
// gateway span around an SDK span): of nested inference spans only one is billable, the
// innermost when both are known at release time, else the one already written.
import type { LlmCall, OutcomeRecord } from './call.js';
import type { SpanRecord } from './span.js';
import { mergeHint, settled } from './processors/attribute.js';

export interface Hint {
  route?: string;
  feature?: string;
  tenant?: string;
  /** Dimensions read from an inferred key (not finops.*): any explicit value outranks them. */
  inferred?: { route?: boolean; feature?: boolean; tenant?: boolean };
}

interface SpanNode {
  parent: string;
  hint: Hint;
  /** Set for GenAI call spans: whether the row is (or will be) billable. */
  billableCall: boolean;
  /** Our own wrapper's span: its usage is the most complete, so it wins a nested pair. */
  preferred: boolean;
}

export type PendingItem =
  | { type: 'call'; call: LlmCall; ownResource: Hint; seq: number; span?: SpanRecord }
  | {
      type: 'outcome';
      outcome: OutcomeRecord;
      ownResource: Hint;
      seq: number;
      spanId: string;
      parentSpanId: string;
      span?: SpanRecord;
    };

interface TraceState {
  nodes: Map<string, SpanNode>;
  pending: PendingItem[];
  firstPendingAt: number;
  rootSeenAt: number | undefined;
}

export interface IncomingSpan {
  /** The sender's tenant partition (absent or '' for requests without a tenant-bound key). */
  partition?: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  hint: Hint;
  item?: PendingItem;
}

export interface ResolvedItem {
  item: PendingItem;
  /** Attribution merged from the span, its ancestors, then its own resource. */
  hint: Hint;
}

export interface TraceBufferOptions {
  waitMs: number;
  rootGraceMs: number;
  maxPendingSpans: number;
  rememberMs: number;
}

/** LlmCall.source of spans written by our own instrumentation wrapper. */
const PREFERRED_SOURCE = 'llm_finops';

export class TraceBuffer {
  private readonly traces = new Map<string, TraceState & { touchedAt: number }>();
  /** Traces holding pending items: the only ones a release pass needs to look at. */
  private readonly withPending = new Set<string>();
  /**
   * Released traces that were a single root span (most LLM calls), remembered compactly: one
   * node instead of a trace state with its own Map. The retained-object count drove GC time.
   */
  private readonly roots = new Map<string, { spanId: string; node: SpanNode; touchedAt: number }>();
  private pendingCount = 0;
  private trackedNodes = 0;

  constructor(private readonly options: TraceBufferOptions) {}

  /** Spans held and not yet released (counted against the collector's queue bound). */
  get pending(): number {
    return this.pendingCount;
  }

  add(spans: IncomingSpan[], now: number): void {
    for (const span of spans) {
      const key = traceKey(span.partition, span.traceId);
      const state = this.stateFor(key, now);
      if (!state.nodes.has(span.spanId)) this.trackedNodes += 1;
      state.nodes.set(span.spanId, {
        parent: span.parentSpanId,
        hint: span.hint,
        billableCall: span.item?.type === 'call' && isBillableKind(span.item.call),
        preferred: span.item?.type === 'call' && span.item.call.source === PREFERRED_SOURCE,
      });
      if (span.parentSpanId === '') state.rootSeenAt = now;
      if (span.item !== undefined) {
        if (state.pending.length === 0) state.firstPendingAt = now;
        this.withPending.add(key);
        state.pending.push(span.item);
        this.pendingCount += 1;
      }
    }
  }

  /** Release the calls whose traces are ready (or all of them when `force`, e.g. at shutdown). */
  takeReady(now: number, force = false): ResolvedItem[] {
    const out: ResolvedItem[] = [];
    for (const key of this.withPending) {
      const state = this.traces.get(key);
      if (state === undefined || state.pending.length === 0) {
        this.withPending.delete(key);
        continue;
      }
      const overflow = this.pendingCount > this.options.maxPendingSpans;
      if (force || overflow || this.isReady(state, now)) {
        out.push(...this.release(state));
        this.withPending.delete(key);
        this.compact(key, state, now);
      }
    }
    this.expire(now);
    return out;
  }

  /** Forget released traces not touched for `rememberMs`, and keep the rest within a node budget. */
  private expire(now: number): void {
    const budget = this.options.maxPendingSpans * 4;
    for (const [key, root] of this.roots) {
      if (now - root.touchedAt <= this.options.rememberMs && this.roots.size <= budget) break; // oldest first
      this.roots.delete(key);
    }
    for (const [key, state] of this.traces) {
      const old = now - state.touchedAt > this.options.rememberMs;
      if (!old && this.trackedNodes <= budget) break; // Map order is oldest-touched first
      if (state.pending.length === 0) this.forget(key, state);
    }
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
      };
      const root = this.roots.get(key);
      if (root !== undefined) {
        this.roots.delete(key);
        state.nodes.set(root.spanId, root.node);
      }
    } else {
      this.traces.delete(key); // re-insert: Map order is our LRU order
    }
    state.touchedAt = now;
    this.traces.set(key, state);
    return state;
  }

  private isReady(state: TraceState, now: number): boolean {
    if (now - state.firstPendingAt >= this.options.waitMs) return true;
    if (state.rootSeenAt !== undefined && now - state.rootSeenAt >= this.options.rootGraceMs)
      return true;
    return state.pending.every((item) => {
      const spanId = item.type === 'call' ? item.call.span_id : item.spanId;
      const { hint, complete } = this.resolve(state, spanId);
      // An inferred value is not final while an ancestor may still say it explicitly.
      return complete || settled(hint);
    });
  }

  /** Merge hints from a span up through its ancestors; `complete` when the chain reaches a root. */
  private resolve(state: TraceState, spanId: string): { hint: Hint; complete: boolean } {
    const hint: Hint = {};
    let current: string | undefined = spanId;
    for (let depth = 0; current !== undefined && depth < 256; depth += 1) {
      const node = state.nodes.get(current);
      if (node === undefined) return { hint, complete: false };
      mergeHint(hint, node.hint);
      if (node.parent === '') return { hint, complete: true };
      current = node.parent;
    }
    return { hint, complete: true };
  }

  private release(state: TraceState): ResolvedItem[] {
    const items = state.pending;
    state.pending = [];
    this.pendingCount -= items.length;
    const pendingCalls = new Set(
      items.flatMap((i) => (i.type === 'call' && isBillableKind(i.call) ? [i.call.span_id] : [])),
    );
    return items.map((item) => {
      const spanId = item.type === 'call' ? item.call.span_id : item.spanId;
      const { hint } = this.resolve(state, spanId);
      mergeHint(hint, item.ownResource);
      if (
        item.type === 'call' &&
        pendingCalls.has(spanId) &&
        this.isNestedDuplicate(state, spanId, pendingCalls)
      ) {
        const node = state.nodes.get(spanId);
        if (node !== undefined) node.billableCall = false;
        return { item: { ...item, call: asWrapper(item.call) }, hint };
      }
      return { item, hint };
    });
  }

  /**
   * A call is a duplicate when it is nested with another billable call released with it and
   * loses: our own wrapper's span wins (its usage is complete), otherwise the innermost span.
   * A call below one already written is a duplicate too.
   */
  private isNestedDuplicate(state: TraceState, spanId: string, pendingCalls: Set<string>): boolean {
    const self = state.nodes.get(spanId)?.preferred ?? false;
    for (const other of pendingCalls) {
      if (other === spanId) continue;
      const otherPreferred = state.nodes.get(other)?.preferred ?? false;
      if (this.isAncestor(state, spanId, other) && !(self && !otherPreferred)) return true; // we are outer
      if (this.isAncestor(state, other, spanId) && otherPreferred && !self) return true; // we are inner
    }
    let current = state.nodes.get(spanId)?.parent;
    for (let depth = 0; current !== undefined && current !== '' && depth < 256; depth += 1) {
      const node = state.nodes.get(current);
      if (node === undefined) return false;
      if (node.billableCall && !pendingCalls.has(current)) return true;
      current = node.parent;
    }
    return false;
  }

  private isAncestor(state: TraceState, ancestor: string, spanId: string): boolean {
    let current = state.nodes.get(spanId)?.parent;
    for (let depth = 0; current !== undefined && current !== '' && depth < 256; depth += 1) {
      if (current === ancestor) return true;
      current = state.nodes.get(current)?.parent;
    }
    return false;
  }

  /** A released trace of one root span moves to the compact `roots` map. */
  private compact(key: string, state: TraceState, now: number): void {
    if (state.nodes.size !== 1) return;
    const [entry] = state.nodes;
    if (entry === undefined || entry[1].parent !== '') return;
    this.forget(key, state);
    this.roots.set(key, { spanId: entry[0], node: entry[1], touchedAt: now });
  }

  private forget(key: string, state: TraceState): void {
    this.trackedNodes -= state.nodes.size;
    this.traces.delete(key);
  }
}

/** The buffer's key for a trace: its id within the sender's partition. */
function traceKey(partition: string | undefined, traceId: string): string {
  return partition === undefined || partition === '' ? traceId : `${partition}\u0000${traceId}`;
}

function isBillableKind(call: LlmCall): boolean {
  return call.kind === 'inference' || call.kind === 'embeddings';
}

/** The outer span of a nested pair keeps its timing but spends nothing: its child is the call. */
function asWrapper(call: LlmCall): LlmCall {
  return {
    ...call,
    kind: 'wrapper',
    input_tokens: 0,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
    warnings: [...call.warnings, 'nested_duplicate_of_child_call'],
  };
}
