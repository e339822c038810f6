// The forwarder's own fidelity: spans are paired with their calls by id (not by position), and
// re-encoding keeps the wire types the JSON decoder noted (a decode -> encode -> decode round
// trip through the real OTLP JSON decoder is stable).
import { describe, expect, it } from 'vitest';
import { enrichAll, toOtlpJson } from '../../src/collector/forwarder.js';
import { decodeJsonRequest } from '../../src/collector/receiver/otlp-json.js';
import type { SpanRecord } from '../../src/collector/span.js';
import { emptyCall, type LlmCall } from '../../src/shared/call.js';
import { FINOPS } from '../../src/shared/semconv.js';

const TRACE = 'ab'.repeat(16);

function span(spanId: string): SpanRecord {
  return {
    traceId: TRACE,
    spanId,
    parentSpanId: '',
    name: `chat ${spanId}`,
    kind: 3,
    startTimeUnixNano: 1_000n,
    endTimeUnixNano: 2_000n,
    attributes: { 'test.id': spanId },
    resource: { 'service.name': 'svc' },
    scopeName: 's',
    scopeVersion: '1',
    statusCode: 0,
    statusMessage: '',
    events: [],
  };
}

function call(spanId: string, cost: string): LlmCall {
  return { ...emptyCall(), trace_id: TRACE, span_id: spanId, cost_total: cost, priced: true };
}

describe('enrichAll', () => {
  it('pairs each span with its own call whatever the order, and leaves a span without one alone', () => {
    const spans = ['01'.repeat(8), '02'.repeat(8), '03'.repeat(8)].map(span);
    // Calls in another order and one missing (dropped as a duplicate, say).
    const calls = [call('03'.repeat(8), '0.3'), call('01'.repeat(8), '0.1')];
    const out = enrichAll(calls, spans);
    expect(out.map((s) => s.attributes[FINOPS.COST_TOTAL])).toEqual(['0.1', undefined, '0.3']);
    expect(out[1]).toBe(spans[1]);
    // The same span id in another trace is another span.
    const foreign = { ...call('01'.repeat(8), '9'), trace_id: 'cd'.repeat(16) };
    expect(enrichAll([foreign], [span('01'.repeat(8))])[0]?.attributes[FINOPS.COST_TOTAL]).toBe(
      undefined,
    );
  });
});

describe('toOtlpJson', () => {
  const request = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'r.d', value: { doubleValue: 2.0 } }] },
        scopeSpans: [
          {
            scope: { name: 's', version: '1' },
            spans: [
              {
                traceId: TRACE,
                spanId: '01'.repeat(8),
                name: 'x',
                kind: 3,
                startTimeUnixNano: '1000',
                endTimeUnixNano: '2000',
                attributes: [
                  { key: 'd', value: { doubleValue: 1 } },
                  { key: 'd.str', value: { doubleValue: '4' } },
                  { key: 'i', value: { intValue: '1' } },
                  { key: 'big', value: { intValue: '-9223372036854775808' } },
                  { key: 'b64', value: { bytesValue: 'AAH+/w==' } },
                  { key: 'inf', value: { doubleValue: 'Infinity' } },
                  {
                    key: 'arr',
                    value: { arrayValue: { values: [{ doubleValue: 5 }, { intValue: 5 }] } },
                  },
                ],
                events: [
                  {
                    name: 'e',
                    timeUnixNano: '1500',
                    attributes: [{ key: 'ed', value: { doubleValue: 7 } }],
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  };

  it('re-encodes each value with the type it arrived with', () => {
    const decoded = decodeJsonRequest(JSON.stringify(request));
    const out = toOtlpJson(decoded.spans) as typeof request;
    const s = out.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    const byKey = Object.fromEntries((s?.attributes ?? []).map((a) => [a.key, a.value]));
    expect(byKey).toEqual({
      d: { doubleValue: 1 },
      'd.str': { doubleValue: 4 },
      i: { intValue: '1' },
      big: { intValue: '-9223372036854775808' },
      b64: { bytesValue: 'AAH+/w==' },
      inf: { doubleValue: 'Infinity' },
      arr: { arrayValue: { values: [{ doubleValue: 5 }, { intValue: '5' }] } },
    });
    expect(out.resourceSpans[0]?.resource.attributes).toEqual([
      { key: 'r.d', value: { doubleValue: 2 } },
    ]);
    expect(s?.events?.[0]?.attributes).toEqual([{ key: 'ed', value: { doubleValue: 7 } }]);
  });

  it('is stable over a second decode -> encode round trip', () => {
    const once = toOtlpJson(decodeJsonRequest(JSON.stringify(request)).spans);
    const twice = toOtlpJson(decodeJsonRequest(JSON.stringify(once)).spans);
    expect(twice).toEqual(once);
  });
});
