import { describe, expect, it } from 'vitest';
import { emptyCall, type LlmCall } from '../../src/collector/call.js';
import { TraceBuffer, type IncomingSpan } from '../../src/collector/trace-buffer.js';

const options = { waitMs: 1000, rootGraceMs: 100, maxPendingSpans: 1000, rememberMs: 60_000 };
const call = (spanId: string, parent: string, source = 'semconv'): LlmCall => ({
  ...emptyCall(),
  call_id: `t-${spanId}`,
  trace_id: 't',
  span_id: spanId,
  parent_span_id: parent,
  source,
  input_tokens: 100,
  output_tokens: 10,
});
const span = (c: LlmCall, hint = {}): IncomingSpan => ({
  traceId: 't',
  spanId: c.span_id,
  parentSpanId: c.parent_span_id,
  hint,
  item: { type: 'call', call: c, ownResource: {}, seq: 0 },
});

describe('TraceBuffer', () => {
  it('releases a root call at once, and a child only when its chain is complete or the wait ends', () => {
    const buffer = new TraceBuffer(options);
    buffer.add([span(call('root', ''), { tenant: 'a', route: 'r', feature: 'f' })], 0);
    expect(buffer.takeReady(0).map((r) => r.item.type === 'call' && r.item.call.span_id)).toEqual([
      'root',
    ]);
    const orphan = new TraceBuffer(options);
    orphan.add([span(call('child', 'missing'))], 0);
    expect(orphan.takeReady(500)).toEqual([]);
    expect(orphan.takeReady(1000)).toHaveLength(1);
  });

  it('gives a child the attribution of an ancestor that arrives later', () => {
    const buffer = new TraceBuffer(options);
    buffer.add([span(call('llm', 'mid'))], 0);
    buffer.add(
      [{ traceId: 't', spanId: 'mid', parentSpanId: 'root', hint: { feature: 'search' } }],
      10,
    );
    expect(buffer.takeReady(20)).toEqual([]);
    buffer.add(
      [
        {
          traceId: 't',
          spanId: 'root',
          parentSpanId: '',
          hint: { tenant: 'acme', route: '/q', feature: 'ignored' },
        },
      ],
      30,
    );
    const [released] = buffer.takeReady(30);
    expect(released?.hint).toEqual({ tenant: 'acme', route: '/q', feature: 'search' });
  });

  it('counts nested calls once: the innermost, unless the outer is our own wrapper', () => {
    const thirdParty = new TraceBuffer(options);
    thirdParty.add([span(call('outer', '')), span(call('inner', 'outer'))], 0);
    const kinds = Object.fromEntries(
      thirdParty
        .takeReady(0)
        .map((r) => (r.item.type === 'call' ? [r.item.call.span_id, r.item.call.kind] : [])),
    );
    expect(kinds).toEqual({ outer: 'wrapper', inner: 'inference' });

    const ours = new TraceBuffer(options);
    ours.add([span(call('outer', '', 'llm_finops')), span(call('inner', 'outer', 'semconv'))], 0);
    const oursKinds = Object.fromEntries(
      ours
        .takeReady(0)
        .map((r) => (r.item.type === 'call' ? [r.item.call.span_id, r.item.call.kind] : [])),
    );
    expect(oursKinds).toEqual({ outer: 'inference', inner: 'wrapper' });
  });

  it('treats a call below one already written as the duplicate', () => {
    const buffer = new TraceBuffer(options);
    buffer.add([span(call('first', ''))], 0);
    expect(buffer.takeReady(0)).toHaveLength(1);
    buffer.add([span(call('late', 'first'))], 5);
    const [late] = buffer.takeReady(5);
    expect(late?.item.type === 'call' && late.item.call.kind).toBe('wrapper');
    expect(late?.item.type === 'call' && late.item.call.input_tokens).toBe(0);
  });
});
