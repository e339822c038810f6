// Estimated heap bytes of the trace buffer's state, so it can be bounded by bytes (a share of
// storage.max_memory) rather than by a count whose cost depends on the spans (remembered lone
// roots are counted by trace-roots.ts at their typed-array cost). Measured with
// --expose-gc on Node 24 (64-bit, no pointer compression) over 200k released single-span
// traces with the bench's attribution hints: 308 bytes each, strings included; the constants
// below are that measurement less the strings, which are counted by their length.
import type { Hint } from './trace-types.js';
import type { SpanNode } from './trace-nesting.js';

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
