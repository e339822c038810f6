// Bad input gets the OTLP status the spec asks for, never crashes the collector, and the valid
// spans of a request that also carries invalid ones are still stored.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEN_AI, FINOPS } from '../../src/shared/semconv.js';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { eventually, getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { postJson, requestJson, spanJson } from '../helpers/otlp.js';

let t: TestRuntime;
const from = new Date(Date.now() - 3_600_000).toISOString();
const to = new Date(Date.now() + 3_600_000).toISOString();

beforeAll(async () => {
  t = await startTestRuntime({ collector: { max_body_bytes: 1024 * 1024, max_queue_rows: 1000 } });
});
afterAll(async () => {
  await t.runtime.stop();
});

const post = (
  body: Uint8Array | string,
  contentType: string,
  headers: Record<string, string> = {},
): Promise<Response> =>
  fetch(t.otlpUrl, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });

const valid = (tenant: string): Record<string, string | number> => ({
  [GEN_AI.OPERATION_NAME]: 'chat',
  [GEN_AI.PROVIDER_NAME]: 'openai',
  [GEN_AI.REQUEST_MODEL]: 'gpt-4o-mini',
  [GEN_AI.USAGE_INPUT_TOKENS]: 100,
  [GEN_AI.USAGE_OUTPUT_TOKENS]: 20,
  [FINOPS.TENANT]: tenant,
});

const tenantCalls = async (tenant: string): Promise<number> => {
  const res = await getJson<{ rows: { calls: number }[] }>(
    `${t.apiUrl}/v1/costs?from=${from}&to=${to}&tenant=${tenant}`,
  );
  return res.body.rows[0]?.calls ?? 0;
};

describe('undecodable and refused bodies', () => {
  it('answers 400 to random bytes, in both encodings', async () => {
    expect((await post(randomBytes(512), 'application/x-protobuf')).status).toBe(400);
    const json = await post('{"resourceSpans": [', 'application/json');
    expect(json.status).toBe(400);
    expect(((await json.json()) as { message: string }).message).toMatch(/not valid JSON/);
  });

  it('answers 400 to a truncated protobuf request', async () => {
    const full = encodeProtoRequest({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: Buffer.alloc(16, 1),
                  spanId: Buffer.alloc(8, 2),
                  name: 'chat gpt-4o',
                  startTimeUnixNano: 1,
                  endTimeUnixNano: 2,
                },
              ],
            },
          ],
        },
      ],
    });
    expect((await post(full.subarray(0, full.length - 7), 'application/x-protobuf')).status).toBe(
      400,
    );
  });

  it('answers 415 to a content type it does not speak', async () => {
    const res = await post('hello', 'text/plain');
    expect(res.status).toBe(415);
    // Refused before the body was read: the connection cannot be reused.
    expect(res.headers.get('connection')).toBe('close');
  });

  it('answers 413 above the size cap, also when gzip expands past it', async () => {
    const wire = await post(Buffer.alloc(1536 * 1024, 0x20), 'application/json');
    expect(wire.status).toBe(413);
    expect(wire.headers.get('connection')).toBe('close'); // the body was left unread
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const inflated = await post(bomb, 'application/json', { 'content-encoding': 'gzip' });
    expect(inflated.status).toBe(413);
    expect(inflated.headers.get('connection')).not.toBe('close'); // read whole, then refused
  });

  it('accepts a gzip body', async () => {
    const body = gzipSync(
      JSON.stringify(requestJson([spanJson({ attributes: valid('gzip-tenant') })])),
    );
    expect((await post(body, 'application/json', { 'content-encoding': 'gzip' })).status).toBe(200);
    expect(
      await eventually(
        () => tenantCalls('gzip-tenant'),
        (n) => n === 1,
      ),
    ).toBe(1);
  });

  it('answers 429 with Retry-After when a request would overflow the queue, and takes nothing of it', async () => {
    const spans = Array.from({ length: 1200 }, () => spanJson({ attributes: valid('overflow') }));
    const res = await postJson(t.otlpUrl, requestJson(spans));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await tenantCalls('overflow')).toBe(0);
  });
});

describe('invalid spans beside valid ones', () => {
  it('rejects negative, NaN and non-numeric token counts and a missing model; stores the valid span', async () => {
    const spans = [
      spanJson({ attributes: valid('mixed') }),
      spanJson({ attributes: { ...valid('mixed'), [GEN_AI.USAGE_INPUT_TOKENS]: -5 } }),
      spanJson({
        attributes: { ...valid('mixed') },
        rawAttributes: [{ key: GEN_AI.USAGE_OUTPUT_TOKENS, value: { doubleValue: 'NaN' } }],
      }),
      spanJson({ attributes: { ...valid('mixed'), [GEN_AI.USAGE_OUTPUT_TOKENS]: 'lots' } }),
      spanJson({
        attributes: {
          [GEN_AI.OPERATION_NAME]: 'chat',
          [GEN_AI.PROVIDER_NAME]: 'openai',
          [GEN_AI.USAGE_INPUT_TOKENS]: 3,
          [FINOPS.TENANT]: 'mixed',
        },
      }),
      { traceId: 'not-hex', spanId: 'zz', name: 'broken' },
    ];
    const res = await postJson(t.otlpUrl, requestJson(spans));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      partialSuccess?: { rejectedSpans: string; errorMessage: string };
    };
    expect(body.partialSuccess?.rejectedSpans).toBe('5');
    expect(body.partialSuccess?.errorMessage).toMatch(/input_tokens/);
    expect(body.partialSuccess?.errorMessage).toMatch(/model/);
    expect(body.partialSuccess?.errorMessage).toMatch(/traceId/);
    expect(
      await eventually(
        () => tenantCalls('mixed'),
        (n) => n === 1,
      ),
    ).toBe(1);
  });

  it('answers GET /healthz on the OTLP port and 404 elsewhere', async () => {
    expect((await fetch(t.otlpUrl.replace('/v1/traces', '/healthz'))).status).toBe(200);
    expect(
      (await fetch(t.otlpUrl.replace('/v1/traces', '/v1/metrics'), { method: 'POST' })).status,
    ).toBe(404);
  });

  it('keeps serving after all of that', async () => {
    const res = await postJson(t.otlpUrl, requestJson([spanJson({ attributes: valid('after') })]));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(
      await eventually(
        () => tenantCalls('after'),
        (n) => n === 1,
      ),
    ).toBe(1);
  });
});
