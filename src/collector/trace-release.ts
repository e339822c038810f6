// What a held trace resolves to: whether its pending calls can go (their ancestor chains are
// complete, or waited long enough), and each call's attribution merged up its chain. Pure
// functions of one trace's state, so the buffer (trace-buffer.ts) only keeps and evicts states.
import { mergeHint, settled } from './processors/attribute.js';
import { asWrapper, isBillableKind, isNestedDuplicate, type SpanNode } from './trace-nesting.js';
import type { Hint, PendingItem, ResolvedItem, TraceBufferOptions } from './trace-types.js';

/** One trace held by the buffer: its spans' nodes and the calls waiting on them. */
export interface TraceState {
  nodes: Map<string, SpanNode>;
  pending: PendingItem[];
  firstPendingAt: number;
  rootSeenAt: number | undefined;
  /** Estimated heap bytes of this state (trace-memory.ts). */
  bytes: number;
}

type Timing = Pick<TraceBufferOptions, 'waitMs' | 'rootGraceMs'>;

const pendingSpanId = (item: PendingItem): string =>
  item.type === 'call' ? item.call.span_id : item.spanId;

/** Whether the trace's pending calls can be released now. */
export function isReady(state: TraceState, now: number, timing: Timing): boolean {
  if (now - state.firstPendingAt >= timing.waitMs) return true;
  if (state.rootSeenAt !== undefined && now - state.rootSeenAt >= timing.rootGraceMs) return true;
  return state.pending.every((item) => {
    const { hint, complete } = resolve(state.nodes, pendingSpanId(item));
    // An inferred value is not final while an ancestor may still say it explicitly.
    return complete || settled(hint);
  });
}

/** Merge hints from a span up through its ancestors; `complete` when the chain reaches a root. */
export function resolve(
  nodes: Map<string, SpanNode>,
  spanId: string,
): { hint: Hint; complete: boolean } {
  const hint: Hint = {};
  let current: string | undefined = spanId;
  for (let depth = 0; current !== undefined && depth < 256; depth += 1) {
    const node = nodes.get(current);
    if (node === undefined) return { hint, complete: false };
    mergeHint(hint, node.hint);
    if (node.parent === '') return { hint, complete: true };
    current = node.parent;
  }
  return { hint, complete: true };
}

/**
 * Take the trace's pending items with their attribution; a call nested in another billable call
 * of the trace for the same provider call becomes a wrapper (trace-nesting.ts). `pendingCalls` is
 * the caller's set, reused across releases for the trace's billable pending calls (a new Set and
 * array per released trace were among the largest allocations per span left, bench:ingest-js
 * heap profile).
 */
export function release(state: TraceState, pendingCalls: Set<string>): ResolvedItem[] {
  const items = state.pending;
  state.pending = [];
  pendingCalls.clear();
  for (const i of items)
    if (i.type === 'call' && isBillableKind(i.call)) pendingCalls.add(i.call.span_id);
  return items.map((item) => {
    const spanId = pendingSpanId(item);
    const { hint } = resolve(state.nodes, spanId);
    mergeHint(hint, item.ownResource);
    if (
      item.type === 'call' &&
      pendingCalls.has(spanId) &&
      isNestedDuplicate(state.nodes, spanId, pendingCalls)
    ) {
      const node = state.nodes.get(spanId);
      if (node !== undefined) node.billableCall = false;
      return { item: { ...item, call: asWrapper(item.call) }, hint };
    }
    return { item, hint };
  });
}
