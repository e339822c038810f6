// The id checks every decoded span goes through (receiver/decoded.ts): a trace id is 32 and a
// span id 16 lowercase hex digits, not all zero; a parent id is empty or a span id.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeSpanRecord } from '../../src/collector/receiver/decoded.js';
import type { SpanRecord } from '../../src/collector/span.js';

const span = (ids: Partial<SpanRecord>): SpanRecord => ({
  traceId: '0123456789abcdef0123456789abcdef',
  spanId: '0123456789abcdef',
  parentSpanId: '',
  name: 'chat',
  kind: 3,
  startTimeUnixNano: 1n,
  endTimeUnixNano: 2n,
  attributes: {},
  resource: {},
  scopeName: '',
  scopeVersion: '',
  statusCode: 0,
  statusMessage: '',
  events: [],
  ...ids,
});

const rejected = (s: SpanRecord): string | undefined => {
  const r = makeSpanRecord(s, { resourceIndex: 0, scopeIndex: 0, spanIndex: 0 });
  return 'reason' in r ? r.reason : undefined;
};

describe('span ids', () => {
  it('take exactly the lowercase hex ids of their length, as the patterns say', () => {
    const hexish = fc.string({
      unit: fc.constantFrom(...'0123456789abcdefABCDEFgxz -é\u0000'.split('')),
      maxLength: 40,
    });
    fc.assert(
      fc.property(hexish, hexish, hexish, (trace, id, parent) => {
        const traceOk = /^[0-9a-f]{32}$/.test(trace) && !/^0+$/.test(trace);
        const spanOk = /^[0-9a-f]{16}$/.test(id) && !/^0+$/.test(id);
        const parentOk = parent === '' || /^[0-9a-f]{16}$/.test(parent);
        const reason = rejected(span({ traceId: trace, spanId: id, parentSpanId: parent }));
        expect(reason === undefined).toBe(traceOk && spanOk && parentOk);
      }),
      { numRuns: 3000 },
    );
    // Well-formed ids of every length the patterns take pass.
    expect(rejected(span({}))).toBeUndefined();
    expect(rejected(span({ parentSpanId: 'ffffffffffffffff' }))).toBeUndefined();
    expect(rejected(span({ traceId: '0'.repeat(32) }))).toMatch(/traceId/);
    expect(rejected(span({ spanId: 'ABCDEF0123456789' }))).toMatch(/spanId/);
  });
});
