import { describe, expect, it } from 'vitest';
import type { LlmCall } from '../../src/collector/call.js';
import { TraceBuffer, type IncomingSpan } from '../../src/collector/trace-buffer.js';
import { traceCall as call } from '../helpers/trace-calls.js';

const options = { waitMs: 1000, rootGraceMs: 100, maxPendingSpans: 1000, rememberMs: 60_000 };
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

  it('judges a nested pair together when its inner span comes in a later request before the release pass', () => {
    const buffer = new TraceBuffer(options);
    // The outer call is held: its parent (the service's server span) has not arrived.
    buffer.add([span(call('outer', 'server'), { tenant: 'acme', route: '/q' })], 0);
    expect(buffer.pending).toBe(1);
    // A second request before the pass: the nested pair is judged together, innermost billable.
    buffer.add([span(call('inner', 'outer'))], 5);
    expect(buffer.pending).toBe(2);
    expect(buffer.takeReady(5)).toEqual([]);
    const released = buffer.takeReady(1000);
    const byId = Object.fromEntries(
      released.map((r) => [r.item.type === 'call' ? r.item.call.span_id : '', r]),
    );
    expect(byId.outer?.item.type === 'call' && byId.outer.item.call.kind).toBe('wrapper');
    expect(byId.inner?.item.type === 'call' && byId.inner.item.call.kind).toBe('inference');
    expect(byId.inner?.hint).toEqual({ tenant: 'acme', route: '/q' });
    expect(buffer.pending).toBe(0);
  });

  it('releases a lone root call as it is added, remembered for its late children', () => {
    const buffer = new TraceBuffer(options);
    const root = { ...span(call('root', ''), { tenant: 'acme', route: '/q' }), traceId: 'solo' };
    const other = { ...span(call('x', '')), traceId: 'other' };
    buffer.add([root, other], 0);
    // Never pending: handed out by the next pass, with its resource's attribution after its own.
    expect(buffer.pending).toBe(0);
    const [first, second] = buffer.takeReady(0);
    expect(first?.hint).toEqual({ tenant: 'acme', route: '/q' });
    expect(second?.item.type === 'call' && second.item.call.span_id).toBe('x');
    expect(buffer.takeReady(0)).toEqual([]);
    // A late child finds the root's attribution and, below a written call, is the duplicate.
    buffer.add([{ ...span(call('late', 'root')), traceId: 'solo' }], 10);
    const [late] = buffer.takeReady(10);
    expect(late?.hint).toEqual({ tenant: 'acme', route: '/q' });
    expect(late?.item.type === 'call' && late.item.call.kind).toBe('wrapper');
    // A root whose trace has a span held (its child came first) goes through the trace state.
    const held = new TraceBuffer(options);
    held.add([{ ...span(call('kid', 'top')), traceId: 'k' }], 0);
    held.add([{ ...span(call('top', '')), traceId: 'k' }], 1);
    expect(held.pending).toBe(2);
    const kinds = held.takeReady(1).map((r) => r.item.type === 'call' && r.item.call.kind);
    expect(kinds.sort()).toEqual(['inference', 'wrapper']);
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

  describe('memory bound', () => {
    const root = (trace: string): IncomingSpan => ({
      traceId: trace,
      spanId: `root-${trace}`,
      parentSpanId: '',
      hint: { tenant: `tenant-${trace}`, route: '/r' },
    });
    const lateChild = (trace: string): IncomingSpan => ({
      ...span(call(`late-${trace}`, `root-${trace}`)),
      traceId: trace,
    });
    const tenantOf = (r: { hint: { tenant?: string } } | undefined): string | undefined =>
      r?.hint.tenant;

    it('forgets the least recently touched released traces once over its bytes, saying so once', () => {
      const evictions: unknown[] = [];
      const measure = new TraceBuffer(options);
      measure.add([root('t0000')], 0);
      measure.takeReady(0);
      const perRoot = measure.bytes;
      expect(perRoot).toBeGreaterThan(100);
      const buffer = new TraceBuffer({
        ...options,
        maxBytes: perRoot * 10,
        onFirstEviction: (e) => evictions.push(e),
      });
      for (let i = 0; i < 25; i += 1) {
        buffer.add([root(`t${String(i).padStart(4, '0')}`)], i);
        buffer.takeReady(i);
        expect(buffer.bytes).toBeLessThanOrEqual(perRoot * 10);
      }
      expect(buffer.evictedEarly).toBe(15);
      expect(evictions).toEqual([{ maxBytes: perRoot * 10, rememberedMs: 10 }]);
      // The newest root still attributes its late child; the oldest one was forgotten.
      buffer.add([lateChild('t0024')], 30);
      expect(tenantOf(buffer.takeReady(30)[0])).toBe('tenant-t0024');
      buffer.add([lateChild('t0000')], 31);
      expect(buffer.takeReady(31)).toEqual([]); // its chain is broken: it waits
      expect(tenantOf(buffer.takeReady(31 + options.waitMs)[0])).toBeUndefined();
    });

    it('never forgets a trace that holds calls, whatever its bytes', () => {
      const buffer = new TraceBuffer({ ...options, maxBytes: 1 });
      buffer.add([span(call('child', 'parent'), { tenant: 'acme' })], 0);
      buffer.add([root('other')], 0);
      buffer.takeReady(0);
      expect(buffer.pending).toBe(1);
      expect(buffer.evictedEarly).toBe(1); // the released root went; the waiting trace stayed
      buffer.add([{ traceId: 't', spanId: 'parent', parentSpanId: '', hint: { route: '/q' } }], 5);
      const [released] = buffer.takeReady(5);
      expect(released?.hint).toEqual({ tenant: 'acme', route: '/q' });
    });

    it('forgets by age after remember_ms without counting that as early', () => {
      const buffer = new TraceBuffer(options);
      for (const trace of ['a', 'b', 'c']) buffer.add([root(trace)], 0);
      buffer.takeReady(0);
      expect(buffer.bytes).toBeGreaterThan(0);
      buffer.takeReady(options.rememberMs + 1);
      expect(buffer.bytes).toBe(0);
      expect(buffer.evictedEarly).toBe(0);
    });
  });
});
