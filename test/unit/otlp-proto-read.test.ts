// The schema-specialised OTLP protobuf reader: what the real SDK exporter writes decodes to the
// values it was given (default values included), any AnyValue tree round-trips, fields in any
// order, 64-bit edges, and malformed bodies are refused with a DecodeError.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { decodeProtoRequest, encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { decodeJsonRequest } from '../../src/collector/receiver/otlp-json.js';
import { wireType, type AttrValue } from '../../src/collector/span.js';
import { DecodeError } from '../../src/shared/errors.js';

let server: Server;
let url = '';
const bodies: Buffer[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

function request(attributes: { key: string; value: object }[], extra: object = {}): Uint8Array {
  return encodeProtoRequest({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [
          {
            scope: { name: 'scope', version: '1.2' },
            spans: [
              {
                traceId: Buffer.from(TRACE, 'hex'),
                spanId: Buffer.from(SPAN, 'hex'),
                name: 'chat',
                kind: 3,
                startTimeUnixNano: '1764000000000000001',
                endTimeUnixNano: '1764000000500000002',
                attributes,
                ...extra,
              },
            ],
          },
        ],
      },
    ],
  });
}

describe('the real SDK proto exporter', () => {
  it('decodes false, 0, 0.0 and "" as themselves', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'sdk-svc' }),
      spanProcessors: [new SimpleSpanProcessor(new ProtoExporter({ url }))],
    });
    provider
      .getTracer('t')
      .startSpan('finops.outcome', {
        kind: SpanKind.INTERNAL,
        attributes: {
          'finops.outcome.success': false,
          'gen_ai.usage.output_tokens': 0,
          'a.double': 0.5,
          'a.zero_double': -0,
          'a.empty': '',
          'a.flags': [true, false],
          'a.ints': [0, 7],
        },
      })
      .end();
    await provider.forceFlush();
    await provider.shutdown();
    const body = bodies.at(-1);
    expect(body).toBeDefined();
    const span = decodeProtoRequest(body ?? Buffer.alloc(0)).spans[0];
    expect(span?.attributes).toEqual({
      'finops.outcome.success': false,
      'gen_ai.usage.output_tokens': 0,
      'a.double': 0.5,
      'a.zero_double': 0,
      'a.empty': '',
      'a.flags': [true, false],
      'a.ints': [0, 7],
    });
    expect(span?.resource['service.name']).toBe('sdk-svc');
    expect(span?.scopeName).toBe('t');
  });
});

describe('decodeProtoRequest', () => {
  it('reads every span field', () => {
    const batch = decodeProtoRequest(
      request([{ key: 'k', value: { stringValue: 'v' } }], {
        parentSpanId: Buffer.from('00f067aa0ba902b7', 'hex'),
        status: { code: 2, message: 'boom' },
        events: [
          {
            name: 'exception',
            timeUnixNano: '1764000000200000000',
            attributes: [{ key: 'exception.type', value: { stringValue: 'E' } }],
          },
        ],
      }),
    );
    expect(batch.rejected).toEqual([]);
    expect(batch.spans).toEqual([
      {
        traceId: TRACE,
        spanId: SPAN,
        parentSpanId: '00f067aa0ba902b7',
        name: 'chat',
        kind: 3,
        startTimeUnixNano: 1764000000000000001n,
        endTimeUnixNano: 1764000000500000002n,
        attributes: { k: 'v' },
        resource: { 'service.name': 'svc' },
        scopeName: 'scope',
        scopeVersion: '1.2',
        statusCode: 2,
        statusMessage: 'boom',
        events: [
          {
            name: 'exception',
            timeUnixNano: 1764000000200000000n,
            attributes: { 'exception.type': 'E' },
          },
        ],
      },
    ]);
  });

  it('keeps 64-bit integers exact and notes the wire types a JS value cannot show', () => {
    const ints = ['9007199254740991', '9007199254740993', '-1', '-9223372036854775808'];
    const attrs = decodeProtoRequest(
      request([
        ...ints.map((v, i) => ({ key: `i${i}`, value: { intValue: v } })),
        { key: 'd', value: { doubleValue: 2 } },
        { key: 'b', value: { bytesValue: Buffer.from('hi') } },
      ]),
    ).spans[0]?.attributes;
    expect(attrs).toEqual({
      i0: 9007199254740991,
      i1: '9007199254740993',
      i2: -1,
      i3: '-9223372036854775808',
      d: 2,
      b: 'aGk=',
    });
    expect(wireType(attrs ?? {}, 'i1')).toBe('int');
    expect(wireType(attrs ?? {}, 'i2')).toBeUndefined();
    expect(wireType(attrs ?? {}, 'd')).toBe('double');
    expect(wireType(attrs ?? {}, 'b')).toBe('bytes');
  });

  it('round-trips any AnyValue tree', () => {
    const leaf = fc.oneof(
      fc.string().map((s) => ({ wire: { stringValue: s }, js: s as AttrValue })),
      fc.boolean().map((b) => ({ wire: { boolValue: b }, js: b as AttrValue })),
      fc.integer().map((n) => ({ wire: { intValue: n }, js: n as AttrValue })),
      fc
        .double({ noNaN: true, noDefaultInfinity: true })
        .map((d) => ({ wire: { doubleValue: d }, js: d as AttrValue })),
    );
    const tree = fc.letrec<{ value: { wire: object; js: AttrValue } }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('value'), { maxLength: 3 }).map((items) => ({
          wire: { arrayValue: { values: items.map((i) => i.wire) } },
          js: items.map((i) => i.js) as AttrValue,
        })),
        fc
          .uniqueArray(fc.tuple(fc.string({ minLength: 1 }), tie('value')), {
            maxLength: 3,
            selector: ([k]) => k,
          })
          .map((pairs) => ({
            wire: { kvlistValue: { values: pairs.map(([key, v]) => ({ key, value: v.wire })) } },
            js: Object.fromEntries(pairs.map(([k, v]) => [k, v.js])) as AttrValue,
          })),
      ),
    }));
    fc.assert(
      fc.property(tree.value, (v) => {
        const attrs = decodeProtoRequest(request([{ key: 'x', value: v.wire }])).spans[0]
          ?.attributes;
        expect(attrs).toEqual({ x: v.js });
      }),
      { numRuns: 300 },
    );
  });

  it('reads repeated short strings (remembered by their bytes) as themselves', () => {
    // Keys and values repeat across spans and requests; the reader remembers short ASCII ones.
    // Whatever it holds, every decode must give back exactly the text that was sent.
    const text = fc.oneof(
      fc.string({ maxLength: 70 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constantFrom('gen_ai.request.model', 'gpt-4o', 'é', 'e\u0301', 'ab', 'ba', ''),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { minLength: 1, maxLength: 12 }), (pairs) => {
        const attrs = pairs.map(([key, value]) => ({
          key: `k${key}`,
          value: { stringValue: value },
        }));
        const expected = Object.fromEntries(pairs.map(([k, v]) => [`k${k}`, v]));
        for (let round = 0; round < 2; round += 1)
          expect(decodeProtoRequest(request(attrs)).spans[0]?.attributes).toEqual(expected);
      }),
      { numRuns: 300 },
    );
    // Bytes that differ from a remembered string only where they are not UTF-8 are still refused.
    const good = Buffer.from(request([{ key: 'k', value: { stringValue: 'ab' } }]));
    expect(decodeProtoRequest(good).spans[0]?.attributes).toEqual({ k: 'ab' });
    const bad = Buffer.from(good);
    bad[bad.indexOf('ab')] = 0xe1;
    expect(() => decodeProtoRequest(bad)).toThrow(DecodeError);
    // A key is first checked against the key the previous span had at its place: a key of the
    // same length that differs, or is not UTF-8 where that one was ASCII, is read (or refused)
    // on its own.
    const keyed = (key: string): Buffer =>
      Buffer.from(
        request([
          { key, value: { stringValue: 'v' } },
          { key: 'z', value: { intValue: 1 } },
        ]),
      );
    expect(decodeProtoRequest(keyed('kab')).spans[0]?.attributes).toEqual({ kab: 'v', z: 1 });
    expect(decodeProtoRequest(keyed('kba')).spans[0]?.attributes).toEqual({ kba: 'v', z: 1 });
    const notUtf8 = keyed('kba');
    notUtf8[notUtf8.indexOf('kba') + 1] = 0xe2;
    expect(() => decodeProtoRequest(notUtf8)).toThrow(DecodeError);
    expect(decodeProtoRequest(keyed('é')).spans[0]?.attributes).toEqual({ é: 'v', z: 1 });
    expect(decodeProtoRequest(keyed('kz')).spans[0]?.attributes).toEqual({ kz: 'v', z: 1 });
  });

  it('keeps a `__proto__` key as data, never as the prototype (proto and JSON)', () => {
    // A kvlist under `__proto__` assigned plainly would become the attributes' prototype, and
    // every key in it (a tenant, token counts) would be inherited by later lookups.
    const poison = {
      key: '__proto__',
      value: {
        kvlistValue: {
          values: [{ key: 'gen_ai.usage.input_tokens', value: { intValue: '999999' } }],
        },
      },
    };
    const proto = decodeProtoRequest(request([poison])).spans[0]?.attributes;
    const json = decodeJsonRequest(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: TRACE,
                    spanId: SPAN,
                    name: 'chat',
                    startTimeUnixNano: '1764000000000000001',
                    endTimeUnixNano: '1764000000500000002',
                    attributes: [poison],
                  },
                ],
              },
            ],
          },
        ],
      }),
    ).spans[0]?.attributes;
    for (const attrs of [proto, json]) {
      expect(Object.getPrototypeOf(attrs)).toBe(Object.prototype);
      expect(attrs?.['gen_ai.usage.input_tokens']).toBeUndefined();
      expect(Object.keys(attrs ?? {})).toContain('__proto__');
    }
  });

  it('reads a scope and a resource that come after their spans', () => {
    // ScopeSpans { spans (2), scope (1) } and ResourceSpans { scopeSpans (2), resource (1) }.
    const span = Buffer.from(
      encodeProtoRequest({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: Buffer.from(TRACE, 'hex'),
                    spanId: Buffer.from(SPAN, 'hex'),
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const scope = Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x73]); // scope { name: "s" }
    const resource = Buffer.from([0x0a, 0x07, 0x0a, 0x05, 0x0a, 0x01, 0x6b, 0x12, 0x00]); // resource { attributes: [k: <empty>] }
    // Rebuild: take the ScopeSpans body out of the encoded request and append the scope after it.
    const rs = span.subarray(2); // ResourceSpans body
    const ss = rs.subarray(2, 2 + (rs[1] ?? 0)); // ScopeSpans body
    const ssOut = Buffer.concat([ss, scope]);
    const rsOut = Buffer.concat([Buffer.from([0x12, ssOut.length]), ssOut, resource]);
    const body = Buffer.concat([Buffer.from([0x0a, rsOut.length]), rsOut]);
    const [decoded] = decodeProtoRequest(body).spans;
    expect(decoded?.scopeName).toBe('s');
    expect(decoded?.resource).toEqual({ k: null });
  });

  it('refuses truncated, overlong and non-UTF-8 bodies with a DecodeError', () => {
    const good = Buffer.from(request([{ key: 'k', value: { stringValue: 'vv' } }]));
    const badUtf8 = Buffer.from(good);
    badUtf8[badUtf8.indexOf('vv')] = 0xff;
    const overlong = Buffer.from(good);
    overlong[1] = 0x7f; // the ResourceSpans length runs past the body
    for (const body of [good.subarray(0, good.length - 3), badUtf8, overlong]) {
      expect(() => decodeProtoRequest(body)).toThrow(DecodeError);
      expect(() => decodeProtoRequest(body)).toThrow(/not a valid OTLP ExportTraceServiceRequest/);
    }
  });
});
