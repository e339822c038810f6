// The trace buffer's per-trace resolution as pure functions of one trace's state.
import { describe, expect, it } from 'vitest';
import type { LlmCall } from '../../src/collector/call.js';
import { isReady, release, resolve, type TraceState } from '../../src/collector/trace-release.js';
import type { SpanNode } from '../../src/collector/trace-nesting.js';
import type { Hint, PendingItem } from '../../src/collector/trace-types.js';
import { traceCall } from '../helpers/trace-calls.js';

const node = (parent: string, hint: Hint = {}, billableCall = false): SpanNode => ({
  parent,
  hint,
  billableCall,
  preferred: false,
});
const call = traceCall;
const pending = (c: LlmCall, ownResource: Hint = {}): PendingItem => ({
  type: 'call',
  call: c,
  ownResource,
  seq: 0,
});
const state = (nodes: [string, SpanNode][], items: PendingItem[]): TraceState => ({
  nodes: new Map(nodes),
  pending: items,
  firstPendingAt: 0,
  rootSeenAt: undefined,
  bytes: 0,
});
const timing = { waitMs: 1000, rootGraceMs: 100 };
const full = { tenant: 'a', route: 'r', feature: 'f' };

describe('trace-release', () => {
  it('resolves a chain to its root, the nearest explicit value first, and says when it is broken', () => {
    const nodes = new Map<string, SpanNode>([
      ['root', node('', full)],
      ['mid', node('root', { route: 'inner' })],
      ['llm', node('mid')],
    ]);
    expect(resolve(nodes, 'llm')).toEqual({
      hint: { tenant: 'a', route: 'inner', feature: 'f' },
      complete: true,
    });
    nodes.delete('root');
    expect(resolve(nodes, 'llm')).toEqual({ hint: { route: 'inner' }, complete: false });
  });

  it('is ready when every chain is complete, when the wait ends, or after the root grace', () => {
    const broken = state([['llm', node('missing')]], [pending(call('llm', 'missing'))]);
    expect(isReady(broken, 999, timing)).toBe(false);
    expect(isReady(broken, 1000, timing)).toBe(true);
    expect(isReady({ ...broken, rootSeenAt: 50 }, 149, timing)).toBe(false);
    expect(isReady({ ...broken, rootSeenAt: 50 }, 150, timing)).toBe(true);
    const complete = state(
      [
        ['root', node('', full)],
        ['llm', node('root')],
      ],
      [pending(call('llm', 'root'))],
    );
    expect(isReady(complete, 0, timing)).toBe(true);
    // A broken chain whose spans already say every dimension explicitly need not wait.
    const said = state([['llm', node('missing', full)]], [pending(call('llm', 'missing'))]);
    expect(isReady(said, 0, timing)).toBe(true);
  });

  it('releases every pending item once with its chain and own resource, a nested call as a wrapper', () => {
    const outer = call('outer', 'root');
    const inner = call('inner', 'outer', 'openinference');
    const s = state(
      [
        ['root', node('', { tenant: 'a' })],
        ['outer', node('root', {}, true)],
        ['inner', node('outer', {}, true)],
      ],
      [pending(outer, { route: 'from-resource' }), pending(inner)],
    );
    const out = release(s, new Set(['stale']));
    expect(s.pending).toEqual([]);
    expect(out.map((r) => r.hint)).toEqual([
      { tenant: 'a', route: 'from-resource' },
      { tenant: 'a' },
    ]);
    const kinds = out.map((r) => (r.item.type === 'call' ? r.item.call.kind : ''));
    // One of the two nested calls for the same provider call is billed, the other is a wrapper.
    expect(kinds.filter((k) => k === 'inference')).toHaveLength(1);
    expect(kinds.filter((k) => k !== 'inference')).toHaveLength(1);
  });
});
