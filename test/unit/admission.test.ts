// The collector edge's admission rules, one function at a time: the decoded-size budget counted
// before decoding (JSON and protobuf), per-span checks (time window, caps, depth), the row
// caps, the fair in-flight shares and the one error -> HTTP/gRPC mapping.
import { describe, expect, it } from 'vitest';
import { DEFAULT_ADMISSION } from '../../src/shared/config-admission.js';
import {
  BackpressureError,
  DecodeError,
  PayloadTooLargeError,
  RateLimitedError,
  SpoolFullError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../src/shared/errors.js';
import { checkBudget, NODE_COST_BYTES } from '../../src/collector/receiver/budget.js';
import { decodeRequest } from '../../src/collector/receiver/decode.js';
import { Inflight } from '../../src/collector/receiver/inflight.js';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { BodyTimeoutError, edgeStatus } from '../../src/collector/receiver/status.js';
import { GRPC_CODE as GRPC } from '../../src/shared/http-status.js';
import { CALL_CONTENT, CALL_LABELS, capCall } from '../../src/collector/processors/cap-fields.js';
import { emptyCall } from '../../src/collector/call.js';
import { requestJson, spanJson } from '../helpers/otlp.js';

const MiB = 1024 * 1024;
const NOW = Date.UTC(2026, 4, 1);
const limits = { admission: DEFAULT_ADMISSION, maxDecodedBytes: 8 * MiB };
const json = (body: unknown): Buffer => Buffer.from(JSON.stringify(body));
const decodeJson = (body: unknown, l = limits) => decodeRequest('json', json(body), l, NOW).batch;

/** A JSON request whose one span holds an attribute nested `depth` arrays deep. */
function nestedJson(depth: number): Buffer {
  const inner = `${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"x"}${']}}'.repeat(depth)}`;
  const span = JSON.stringify(spanJson({ startMs: NOW })).replace(
    '"attributes":[]',
    `"attributes":[{"key":"deep","value":${inner}}]`,
  );
  return Buffer.from(`{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}`);
}

describe('decoded-size budget (before decoding)', () => {
  it('counts JSON objects and arrays, not brackets inside strings', () => {
    const body = Buffer.from('{"a":[{"s":"{[{[\\"]}"},{}]}');
    expect(checkBudget(body, 'json', { maxDecodedBytes: MiB, maxValueDepth: 8 }).nodes).toBe(4);
  });

  it('refuses with 413 a body that would decode past max_decoded_bytes, naming the key', () => {
    const attrs = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 'v']));
    const body = json(requestJson([spanJson({ startMs: NOW, attributes: attrs })]));
    const estimate = checkBudget(body, 'json', { maxDecodedBytes: 64 * MiB, maxValueDepth: 8 });
    expect(estimate.nodes).toBeGreaterThan(10_000); // a key-value and its value per attribute
    expect(estimate.estimate).toBe(body.length + estimate.nodes * NODE_COST_BYTES);
    const tight = { maxDecodedBytes: body.length + 1000 * NODE_COST_BYTES, maxValueDepth: 8 };
    expect(() => checkBudget(body, 'json', tight)).toThrow(PayloadTooLargeError);
    expect(() => checkBudget(body, 'json', tight)).toThrow(/collector\.max_decoded_bytes/);
    const proto = Buffer.from(
      encodeProtoRequest({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: Buffer.alloc(16, 1),
                    spanId: Buffer.alloc(8, 2),
                    attributes: Object.keys(attrs).map((key) => ({
                      key,
                      value: { stringValue: 'v' },
                    })),
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(
      checkBudget(proto, 'protobuf', { maxDecodedBytes: 64 * MiB, maxValueDepth: 8 }).nodes,
    ).toBe(4 + 2 * 5000);
    expect(() =>
      checkBudget(proto, 'protobuf', {
        maxDecodedBytes: proto.length + 1000 * NODE_COST_BYTES,
        maxValueDepth: 8,
      }),
    ).toThrow(PayloadTooLargeError);
  });

  it('answers 400 (never a stack overflow) to 200k nested array values, in both encodings', () => {
    expect(() => decodeRequest('json', nestedJson(200_000), limits, NOW)).toThrow(DecodeError);
    let value: Buffer = Buffer.from([0x0a, 1, 0x78]); // AnyValue { stringValue: "x" }
    const ld = (tag: number, b: Buffer): Buffer => {
      const len: number[] = [];
      for (let n = b.length; ; n >>>= 7) {
        if (n < 128) {
          len.push(n);
          break;
        }
        len.push((n & 127) | 128);
      }
      return Buffer.concat([Buffer.from([tag, ...len]), b]);
    };
    for (let i = 0; i < 3_000; i += 1) value = ld(0x2a, ld(0x0a, value)); // arrayValue.values
    const kv = Buffer.concat([ld(0x0a, Buffer.from('a')), ld(0x12, value)]);
    const span = Buffer.concat([
      ld(0x0a, Buffer.alloc(16, 1)),
      ld(0x12, Buffer.alloc(8, 2)),
      ld(0x4a, kv),
    ]);
    const req = ld(0x0a, ld(0x12, ld(0x12, span)));
    expect(() => decodeRequest('protobuf', req, limits, NOW)).toThrow(/nest deeper/);
  });

  it('rejects one span nested past max_attribute_depth but within the hard cap; keeps the rest', () => {
    const body = nestedJson(DEFAULT_ADMISSION.max_attribute_depth + 2);
    const batch = decodeRequest('json', body, limits, NOW).batch;
    expect(batch.spans).toHaveLength(0);
    expect(batch.rejected[0]?.reason).toMatch(/deep.*max_attribute_depth/);
    // The reason names the value's path: the key, then one index per array level.
    const path = `attributes.deep${'[0]'.repeat(DEFAULT_ADMISSION.max_attribute_depth)} nests`;
    expect(batch.rejected[0]?.reason).toContain(path);
  });
});

describe('per-span admission', () => {
  it('rejects a span outside the time window by name and field, stores its neighbour', () => {
    const year2500 = Date.UTC(2500, 0, 1);
    const batch = decodeJson(
      requestJson([
        spanJson({ startMs: NOW - 1000 }),
        spanJson({ startMs: year2500, spanId: 'ab'.repeat(8) }),
      ]),
    );
    expect(batch.spans).toHaveLength(1);
    expect(batch.rejected).toHaveLength(1);
    expect(batch.rejected[0]?.reason).toMatch(
      /span 0\/0\/1 \(abababababababab\): startTimeUnixNano 2500-01-01/,
    );
    expect(batch.rejected[0]?.reason).toMatch(/max_age_days 400, max_future_days 1/);
    const old = decodeJson(requestJson([spanJson({ startMs: NOW - 401 * 86_400_000 })]));
    expect(old.rejected[0]?.reason).toMatch(/outside the accepted window/);
    const skewed = decodeJson(requestJson([spanJson({ startMs: NOW + 3_600_000 })]));
    expect(skewed.spans).toHaveLength(1);
  });

  it('truncates a 5 MiB string to max_string_bytes on a character boundary and warns', () => {
    const huge = `${'é'.repeat(2.5 * MiB)}`;
    const batch = decodeJson(
      requestJson([spanJson({ startMs: NOW, attributes: { model: huge } })]),
    );
    const value = batch.spans[0]?.attributes.model as string;
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(DEFAULT_ADMISSION.max_string_bytes);
    expect(Buffer.byteLength(value)).toBeGreaterThan(DEFAULT_ADMISSION.max_string_bytes - 2);
    expect(value.endsWith('é')).toBe(true);
    expect(batch.spans[0]?.warnings).toEqual(['attribute_truncated']);
  });

  it('rejects too many values, an absurd key, and spans of an oversized resource', () => {
    const few = { ...DEFAULT_ADMISSION, max_span_attributes: 16, max_key_bytes: 64 };
    const l = { ...limits, admission: few };
    const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]));
    const batch = decodeJson(
      requestJson([
        spanJson({ startMs: NOW, attributes: many }),
        spanJson({ startMs: NOW, attributes: { ['k'.repeat(65)]: 1 } }),
        spanJson({ startMs: NOW, attributes: { ok: ['a', 'b'] } }),
      ]),
      l,
    );
    expect(batch.spans).toHaveLength(1);
    expect(batch.rejected.map((r) => r.reason).join('\n')).toMatch(/more than 16 attribute values/);
    expect(batch.rejected.map((r) => r.reason).join('\n')).toMatch(/key of 65 bytes/);
    const resource = decodeJson(requestJson([spanJson({ startMs: NOW })], many), l);
    expect(resource.rejected[0]?.reason).toMatch(/resource has more than 16/);
  });
});

describe('row caps', () => {
  it('stores at most max_label_bytes of a label and says which column was cut', () => {
    const call = { ...emptyCall(), request_model: 'm'.repeat(5000), http_status: 70_000 };
    const capped = capCall(call, { labelBytes: 1024, contentBytes: MiB });
    expect(capped.request_model).toHaveLength(1024);
    expect(capped.http_status).toBe(0);
    expect(capped.warnings).toEqual(['truncated:request_model', 'out_of_range:http_status']);
    expect(call.request_model).toHaveLength(5000); // pure: the input is untouched
    const fine = emptyCall();
    expect(capCall(fine, { labelBytes: 1024, contentBytes: MiB })).toBe(fine);
  });

  it('caps every label and content column, each on its own', () => {
    const caps = { labelBytes: 64, contentBytes: 128 };
    for (const [fields, max] of [
      [CALL_LABELS, caps.labelBytes],
      [CALL_CONTENT, caps.contentBytes],
    ] as const)
      for (const field of fields) {
        const capped = capCall({ ...emptyCall(), [field]: 'x'.repeat(max + 1) }, caps);
        expect(capped[field], field).toHaveLength(max);
        expect(capped.warnings).toEqual([`truncated:${field}`]);
        // Just within the cap (the length check alone would not settle 22 chars x 3 > 64).
        const near = { ...emptyCall(), [field]: 'x'.repeat(max) };
        expect(capCall(near, caps)[field]).toHaveLength(max);
      }
  });
});

describe('fair in-flight shares', () => {
  const limitsOf = {
    maxRequests: 8,
    maxBytes: MiB,
    sharePerKey: 0.25,
    sharePerPeer: 0.5,
    retryAfterSeconds: 2,
  };

  it('caps one peer address at its share while others still get slots', () => {
    const inflight = new Inflight(limitsOf);
    const held = [1, 2, 3, 4].map(() => inflight.enter('10.0.0.1'));
    held.forEach((slot) => inflight.checkRequests(slot));
    const fifth = inflight.enter('10.0.0.1');
    expect(() => inflight.checkRequests(fifth)).toThrow(
      /from 10\.0\.0\.1.*max_inflight_share_per_peer: 4 of 8/,
    );
    inflight.leave(fifth);
    const other = inflight.enter('10.0.0.2');
    expect(() => inflight.checkRequests(other)).not.toThrow();
  });

  it('caps one ingest key at its share across addresses', () => {
    const inflight = new Inflight(limitsOf);
    const a = inflight.enter('10.0.0.1');
    const b = inflight.enter('10.0.0.2');
    inflight.claimKey(a, 'key-a');
    inflight.claimKey(b, 'key-a');
    const c = inflight.enter('10.0.0.3');
    expect(() => inflight.claimKey(c, 'key-a')).toThrow(BackpressureError);
    inflight.leave(c);
    const d = inflight.enter('10.0.0.3');
    expect(() => inflight.claimKey(d, 'key-b')).not.toThrow();
    inflight.leave(a);
    const e = inflight.enter('10.0.0.4');
    expect(() => inflight.claimKey(e, 'key-a')).not.toThrow(); // a slot of key-a was released
  });
});

describe('error -> HTTP status and gRPC code (one mapping)', () => {
  it.each([
    [new DecodeError('x'), 400, GRPC.INVALID_ARGUMENT],
    [new ValidationError('x'), 400, GRPC.INVALID_ARGUMENT],
    [new UnauthorizedError('x'), 401, GRPC.UNAUTHENTICATED],
    [new BodyTimeoutError('x'), 408, GRPC.DEADLINE_EXCEEDED],
    [new PayloadTooLargeError(1), 413, GRPC.RESOURCE_EXHAUSTED],
    [new UnsupportedMediaTypeError('x'), 415, GRPC.UNIMPLEMENTED],
    [new BackpressureError('x', 2), 429, GRPC.RESOURCE_EXHAUSTED],
    [new RateLimitedError('x', 2), 429, GRPC.RESOURCE_EXHAUSTED],
    [new SpoolFullError('x', 2), 503, GRPC.UNAVAILABLE],
    [new Error('bug'), 500, GRPC.INTERNAL],
  ])('%s', (err, http, grpc) => {
    const status = edgeStatus(err, false);
    expect([status.http, status.grpc]).toEqual([http, grpc]);
    expect(status.unexpected).toBe(http === 500);
    // Only sending the client elsewhere closes here; an unread body closes in http.ts.
    expect(status.close).toBe(http === 503);
  });

  it('answers 503 UNAVAILABLE to backpressure while draining', () => {
    expect(edgeStatus(new BackpressureError('x', 2), true)).toMatchObject({
      http: 503,
      grpc: GRPC.UNAVAILABLE,
      retryAfterSeconds: 2,
      close: true,
    });
  });
});
