// Which of a trace's calls are billable when two instrumentations nest for one provider call (a
// gateway span around an SDK span): of nested inference spans only one is billable, the
// innermost when both are known at release time, else the one already written; our own
// wrapper's span wins a nested pair (its usage is the most complete). Used by trace-buffer.ts.
import type { LlmCall } from './call.js';
import type { Hint } from './trace-types.js';

export interface SpanNode {
  parent: string;
  hint: Hint;
  /** Set for GenAI call spans: whether the row is (or will be) billable. */
  billableCall: boolean;
  /** Our own wrapper's span: its usage is the most complete, so it wins a nested pair. */
  preferred: boolean;
}

/** A trace's spans by span id. */
export type SpanNodes = Map<string, SpanNode>;

/** LlmCall.source of spans written by our own instrumentation wrapper. */
export const PREFERRED_SOURCE = 'llm_finops';

/**
 * A call is a duplicate when it is nested with another billable call released with it and
 * loses: our own wrapper's span wins (its usage is complete), otherwise the innermost span.
 * A call below one already written is a duplicate too.
 */
export function isNestedDuplicate(
  nodes: SpanNodes,
  spanId: string,
  pendingCalls: Set<string>,
): boolean {
  const self = nodes.get(spanId)?.preferred ?? false;
  for (const other of pendingCalls) {
    if (other === spanId) continue;
    const otherPreferred = nodes.get(other)?.preferred ?? false;
    if (isAncestor(nodes, spanId, other) && !(self && !otherPreferred)) return true; // we are outer
    if (isAncestor(nodes, other, spanId) && otherPreferred && !self) return true; // we are inner
  }
  let current = nodes.get(spanId)?.parent;
  for (let depth = 0; current !== undefined && current !== '' && depth < 256; depth += 1) {
    const node = nodes.get(current);
    if (node === undefined) return false;
    if (node.billableCall && !pendingCalls.has(current)) return true;
    current = node.parent;
  }
  return false;
}

function isAncestor(nodes: SpanNodes, ancestor: string, spanId: string): boolean {
  let current = nodes.get(spanId)?.parent;
  for (let depth = 0; current !== undefined && current !== '' && depth < 256; depth += 1) {
    if (current === ancestor) return true;
    current = nodes.get(current)?.parent;
  }
  return false;
}

export function isBillableKind(call: LlmCall): boolean {
  return call.kind === 'inference' || call.kind === 'embeddings';
}

/** The outer span of a nested pair keeps its timing but spends nothing: its child is the call. */
export function asWrapper(call: LlmCall): LlmCall {
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
