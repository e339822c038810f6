// Fuzzing the OTLP receiver: property-based (fast-check) requests mixing valid and malformed
// spans, and mutation fuzzing (bit flips, truncations, splices) of valid protobuf and JSON
// bodies. Invariants: never a 5xx, never a crash, and every valid span of a request is stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { eventually, getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { newSpanId, newTraceId, requestJson, spanJson } from '../helpers/otlp.js';
import { makeSpans } from '../bench/spans.js';

let t: TestRuntime;
const from = new Date(Date.now() - 86_400_000).toISOString();
const to = new Date(Date.now() + 86_400_000).toISOString();
const RUNS = 150;

beforeAll(async () => {
  t = await startTestRuntime({ collector: { max_body_bytes: 4 * 1024 * 1024 } });
});
afterAll(async () => {
  await t.runtime.stop();
});

const post = (body: Uint8Array | string, contentType: string): Promise<Response> =>
  fetch(t.otlpUrl, { method: 'POST', headers: { 'content-type': contentType }, body });

const callsOf = async (tenant: string): Promise<number> => {
  const res = await getJson<{ rows: { calls: number }[] }>(
    `${t.apiUrl}/v1/costs?from=${from}&to=${to}&tenant=${encodeURIComponent(tenant)}`,
  );
  return res.body.rows[0]?.calls ?? 0;
};

/** A garbage attribute value of any OTLP shape (or not an AnyValue at all). */
const junkValue = fc.oneof(
  fc.record({ stringValue: fc.string() }),
  fc.record({
    intValue: fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant('-1'),
      fc.constant('99999999999999999999'),
    ),
  }),
  fc.record({
    doubleValue: fc.oneof(fc.double(), fc.constant('NaN'), fc.constant('Infinity'), fc.string()),
  }),
  fc.record({ boolValue: fc.anything() }),
  fc.record({ arrayValue: fc.anything() }),
  fc.anything(),
);
const junkSpan = fc.record(
  {
    traceId: fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{0,40}$/), fc.anything()),
    spanId: fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{0,20}$/), fc.anything()),
    name: fc.oneof(fc.string(), fc.anything()),
    kind: fc.oneof(fc.integer(), fc.string()),
    startTimeUnixNano: fc.oneof(fc.string(), fc.integer(), fc.anything()),
    endTimeUnixNano: fc.oneof(fc.string(), fc.integer()),
    attributes: fc.array(
      fc.record({
        key: fc.constantFrom(
          GEN_AI.USAGE_INPUT_TOKENS,
          GEN_AI.USAGE_OUTPUT_TOKENS,
          GEN_AI.REQUEST_MODEL,
          GEN_AI.OPERATION_NAME,
          GEN_AI.PROVIDER_NAME,
          'x',
        ),
        value: junkValue,
      }),
      { maxLength: 6 },
    ),
  },
  { requiredKeys: [] },
);

describe('property-based OTLP JSON', () => {
  it('answers 200 or 400, never 5xx, and stores every valid span beside junk', async () => {
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(junkSpan, { maxLength: 5 }),
        fc.integer({ min: 0, max: 3 }),
        async (junk, validCount) => {
          const tenant = `fuzz-${process.pid}-${seq++}`;
          const valid = Array.from({ length: validCount }, () =>
            spanJson({
              traceId: newTraceId(),
              spanId: newSpanId(),
              attributes: {
                [GEN_AI.OPERATION_NAME]: 'chat',
                [GEN_AI.PROVIDER_NAME]: 'openai',
                [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
                [GEN_AI.USAGE_INPUT_TOKENS]: 3,
                [GEN_AI.USAGE_OUTPUT_TOKENS]: 1,
                [FINOPS.TENANT]: tenant,
              },
            }),
          );
          const res = await post(
            JSON.stringify(requestJson([...junk, ...valid] as Record<string, unknown>[])),
            'application/json',
          );
          expect(res.status).toBe(200);
          await res.arrayBuffer();
          if (validCount > 0)
            expect(
              await eventually(
                () => callsOf(tenant),
                (n) => n === validCount,
              ),
            ).toBe(validCount);
        },
      ),
      { numRuns: RUNS },
    );
  }, 120_000);
});

describe('mutation fuzzing', () => {
  const proto = Buffer.from(encodeProtoRequest(makeSpans(20)));
  const json = Buffer.from(
    JSON.stringify(
      requestJson([
        spanJson({
          attributes: {
            [GEN_AI.OPERATION_NAME]: 'chat',
            [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
            [GEN_AI.USAGE_INPUT_TOKENS]: 5,
          },
        }),
      ]),
    ),
  );
  const mutation = (base: Buffer) =>
    fc.oneof(
      fc
        .array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        })
        .map((flips) => {
          const copy = Buffer.from(base);
          for (const [at, byte] of flips) copy[at] = byte;
          return copy;
        }),
      fc.nat(base.length).map((n) => base.subarray(0, n)),
      fc
        .tuple(fc.nat(base.length), fc.uint8Array({ maxLength: 64 }))
        .map(([at, junk]) =>
          Buffer.concat([base.subarray(0, at), Buffer.from(junk), base.subarray(at)]),
        ),
    );

  for (const [name, base, type] of [
    ['protobuf', proto, 'application/x-protobuf'],
    ['JSON', json, 'application/json'],
  ] as const) {
    it(`never answers 5xx to a mutated ${name} body`, async () => {
      await fc.assert(
        fc.asyncProperty(mutation(base), async (body) => {
          const res = await post(body, type);
          await res.arrayBuffer();
          expect([200, 400, 413]).toContain(res.status);
        }),
        { numRuns: RUNS },
      );
      const health = await getJson<{ status: string }>(`${t.apiUrl}/healthz`);
      expect(health.body.status).toBe('ok');
    }, 120_000);
  }
});
