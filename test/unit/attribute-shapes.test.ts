// A span's attributes built by a compiled object literal once their key sequence repeats
// (attribute-shapes.ts) are exactly what setting the keys one by one makes: same keys in the
// same order, same values, the plain prototype, the same wire-type notes; for any keys,
// `__proto__`, repeats and keys that look like code included, decoded before and after the
// sequence is compiled.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { shapeCount } from '../../src/collector/receiver/attribute-shapes.js';
import { decodeProtoRequest, encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import {
  setAttribute,
  wireType,
  type AttrValue,
  type Attributes,
} from '../../src/collector/span.js';

interface Attr {
  key: string;
  wire: object;
  js: AttrValue;
  type?: 'int' | 'double' | 'bytes';
}

type V = Omit<Attr, 'key'>;

const value: fc.Arbitrary<V> = fc.oneof<fc.Arbitrary<V>[]>(
  fc.string().map((s) => ({ wire: { stringValue: s }, js: s })),
  fc.integer().map((n) => ({ wire: { intValue: n }, js: n })),
  fc.constant<V>({
    wire: { intValue: '9007199254740993' },
    js: '9007199254740993',
    type: 'int',
  }),
  fc.integer({ min: -5, max: 5 }).map((d) => ({ wire: { doubleValue: d }, js: d, type: 'double' })),
  fc.constant<V>({ wire: { doubleValue: 0.5 }, js: 0.5 }),
  fc.constant<V>({ wire: { bytesValue: Buffer.from('hi') }, js: 'aGk=', type: 'bytes' }),
  fc.boolean().map((b) => ({ wire: { boolValue: b }, js: b })),
  fc.constant<V>({
    wire: { arrayValue: { values: [{ stringValue: 'stop' }] } },
    js: ['stop'],
  }),
  fc.constant<V>({
    wire: { kvlistValue: { values: [{ key: 'k', value: { intValue: 1 } }] } },
    js: { k: 1 },
  }),
);

const key = fc.oneof(
  {
    arbitrary: fc.constantFrom('gen_ai.request.model', 'finops.tenant', 'a', 'b', '0', '17'),
    weight: 4,
  },
  { arbitrary: fc.string({ minLength: 1, maxLength: 8 }), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      '__proto__',
      '"}; throw 1; ({"',
      'x\ny',
      '\u2028',
      'ü€',
      'constructor',
    ),
    weight: 1,
  },
);

const pair = fc.tuple(key, value).map(([k, v]) => ({ key: k, ...v }));
// Mostly distinct keys (what instrumentations send, and what is compiled), sometimes repeats.
const attrs = fc.oneof(
  {
    arbitrary: fc.uniqueArray(pair, { maxLength: 30, size: 'large', selector: (a) => a.key }),
    weight: 3,
  },
  { arbitrary: fc.array(pair, { maxLength: 30 }), weight: 1 },
);

function request(list: Attr[]): Uint8Array {
  return encodeProtoRequest({
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [1, 2].map((n) => ({
              traceId: Buffer.alloc(16, n),
              spanId: Buffer.alloc(8, n),
              name: 'chat',
              startTimeUnixNano: '1764000000000000001',
              endTimeUnixNano: '1764000000500000002',
              attributes: list.map((a) => ({ key: a.key, value: a.wire })),
            })),
          },
        ],
      },
    ],
  });
}

/** What the key-by-key path makes: the reference. */
function oneByOne(list: Attr[]): Attributes {
  const out: Attributes = {};
  for (const a of list) setAttribute(out, a.key, a.js);
  return out;
}

function expectSame(got: Attributes | undefined, list: Attr[]): void {
  const want = oneByOne(list);
  expect(got).toBeDefined();
  expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
  expect(Object.keys(got ?? {})).toEqual(Object.keys(want));
  expect(got).toEqual(want);
  // A repeated key keeps the note of the last occurrence that had one (as before).
  const notes = new Map<string, string>();
  for (const a of list) if (a.type !== undefined) notes.set(a.key, a.type);
  for (const k of Object.keys(want)) expect(wireType(got ?? {}, k)).toBe(notes.get(k));
}

describe('attribute shapes', () => {
  it('build what setting the keys one by one builds, before and after a shape is compiled', () => {
    const before = shapeCount();
    fc.assert(
      fc.property(attrs, (list) => {
        const body = request(list);
        // Two spans a request, three requests: the sequence is compiled after its second sighting.
        for (let round = 0; round < 3; round += 1)
          for (const span of decodeProtoRequest(body).spans) expectSame(span.attributes, list);
      }),
      { numRuns: 400 },
    );
    // Most runs have ten keys or more without a repeat or __proto__: the compiled path ran.
    expect(shapeCount() - before).toBeGreaterThan(50);
  });

  it('compiles a repeated sequence of ten or more keys, and not a sequence with __proto__', () => {
    const list = Array.from({ length: 12 }, (_, i) => ({
      key: `shape.test.k${i}`,
      wire: { intValue: i },
      js: i,
    }));
    const before = shapeCount();
    for (let round = 0; round < 3; round += 1) decodeProtoRequest(request(list));
    expect(shapeCount()).toBe(before + 1);
    const poisoned = [
      ...list.slice(1),
      { key: '__proto__', wire: { kvlistValue: { values: [] } }, js: {} },
    ];
    const withPoison = shapeCount();
    for (let round = 0; round < 3; round += 1) {
      const spans = decodeProtoRequest(request(poisoned)).spans;
      expectSame(spans[0]?.attributes, poisoned);
    }
    expect(shapeCount()).toBe(withPoison);
  });
});
