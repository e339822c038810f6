// Estimated heap bytes of the trace buffer's state, so it can be bounded by bytes (a share of
// storage.max_memory) rather than by a count whose cost depends on the spans. Measured with
// --expose-gc on Node 24 (64-bit, no pointer compression) over 200k released single-span
// traces with the bench's attribution hints: 308 bytes each, strings included; the constants
// below are that measurement less the strings, which are counted by their length.
import type { Hint } from './trace-types.js';
import type { SpanNode } from './trace-nesting.js';

/** A remembered root: its Map entry and entry object (its node is shared, see NodeInterner). */
export const ROOT_BYTES = 84;
/** A trace's state object, its nodes Map and pending array, and its Map entry. */
export const TRACE_BYTES = 240;
/** One node in a trace's Map: the entry, the node object and its hint object. */
export const NODE_BYTES = 120;

/** A V8 sequential string: header plus one byte a character (ids and labels are mostly ASCII). */
export function stringBytes(s: string): number {
  return 24 + s.length;
}

export function hintBytes(hint: Hint): number {
  let bytes = 0;
  if (hint.route !== undefined) bytes += stringBytes(hint.route);
  if (hint.feature !== undefined) bytes += stringBytes(hint.feature);
  if (hint.tenant !== undefined) bytes += stringBytes(hint.tenant);
  return bytes;
}

export function nodeBytes(spanId: string, node: SpanNode): number {
  return NODE_BYTES + stringBytes(spanId) + stringBytes(node.parent) + hintBytes(node.hint);
}

/** Distinct root nodes shared at most (about 1 MB); past it roots keep their own node. */
const MAX_SHARED_NODES = 4096;

/**
 * Released roots with the same attribution and flags share one node object: a remembered root
 * is then its id strings and one small entry, not five more objects for every major GC to mark
 * (a soak's spans carry a few hundred distinct tenant/route/feature combinations). A shared node
 * must never be changed: the buffer copies it when a late span re-opens its trace.
 */
export class NodeInterner {
  private readonly nodes = new Map<string, SpanNode>();

  /** The shared node equal to `node`, or `node` itself when sharing is full. */
  intern(node: SpanNode): { node: SpanNode; shared: boolean } {
    const { hint } = node;
    const flags = [
      hint.inferred?.route,
      hint.inferred?.feature,
      hint.inferred?.tenant,
      node.billableCall,
      node.preferred,
    ]
      .map((f) => (f === true ? '1' : '0'))
      .join('');
    const key = `${node.parent}\u0001${hint.route ?? '\u0002'}\u0001${hint.feature ?? '\u0002'}\u0001${hint.tenant ?? '\u0002'}\u0001${flags}`;
    const shared = this.nodes.get(key);
    if (shared !== undefined) return { node: shared, shared: true };
    if (this.nodes.size >= MAX_SHARED_NODES) return { node, shared: false };
    this.nodes.set(key, node);
    return { node, shared: true };
  }
}
