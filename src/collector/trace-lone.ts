// Root spans with a call, arriving with no state for their trace (most LLM calls): their chain
// is complete, so the trace buffer releases them in the same pass, and building a trace state
// (an object, a Map of nodes, a pending list, two set entries) only to take it apart again was
// most of the buffer's cost. They wait here instead, by trace key, until the buffer's next
// release pass; a later span of the same trace in the meantime claims the root back, and the
// trace then takes the ordinary path with it, exactly as if it had never been set aside.
import { mergeHint } from './processors/attribute.js';
import { nodeOf, type SpanNode } from './trace-nesting.js';
import type { Hint, IncomingSpan, ResolvedItem } from './trace-types.js';

export class LoneRoots {
  private readonly byKey = new Map<string, { span: IncomingSpan; at: number }>();

  get size(): number {
    return this.byKey.size;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  add(key: string, span: IncomingSpan, at: number): void {
    this.byKey.set(key, { span, at });
  }

  /** The root set aside for `key`, removed (a later span of its trace arrived), if any. */
  claim(key: string): { span: IncomingSpan; at: number } | undefined {
    const lone = this.byKey.get(key);
    if (lone !== undefined) this.byKey.delete(key);
    return lone;
  }

  /** Every root set aside, in arrival order, and none left. */
  drain(): [string, { span: IncomingSpan; at: number }][] {
    const all = [...this.byKey];
    this.byKey.clear();
    return all;
  }

  /**
   * Release every root set aside into `out` (its chain is complete: its own hint, then its
   * resource, as the buffer's release merges them), handing each to `remember`; returns how many.
   */
  release(
    out: ResolvedItem[],
    remember: (key: string, spanId: string, node: SpanNode) => void,
  ): number {
    let released = 0;
    for (const [key, { span }] of this.drain()) {
      if (span.item === undefined) continue;
      const hint: Hint = {};
      mergeHint(hint, span.hint);
      mergeHint(hint, span.item.ownResource);
      out.push({ item: span.item, hint });
      remember(key, span.spanId, nodeOf(span));
      released += 1;
    }
    return released;
  }
}
