// Chaos: poison spans at the edge, against the real service (startRuntime, real HTTP, chDB).
// A span dated 2500 or a request over 101 months used to be acknowledged, then fail its insert
// and stall every later row and read; a 5 MiB model name was stored as is; 200k nested array
// values answered 500. Each is now refused span by span (or the request with a 4xx) while the
// rest is stored, the service keeps answering, and what was acknowledged is exactly what is
// stored, with another tenant's rows untouched throughout.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeProtoResponse, decodeProtoStatus } from '../../src/collector/receiver/otlp-proto.js';
import { GEN_AI } from '../../src/shared/semconv.js';
import {
  genAiAttrs,
  otlpBody,
  protoRequest,
  storedCalls,
  type StoredCall,
} from '../helpers/chaos-edge.js';
import { newSpanId, postJson, requestJson, spanJson } from '../helpers/otlp.js';
import { eventually, getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

const DAY = 86_400_000;
let t: TestRuntime;
let bystander: StoredCall[];

const post = (body: Uint8Array | string, type: string, headers: Record<string, string> = {}) =>
  fetch(t.otlpUrl, { method: 'POST', headers: { 'content-type': type, ...headers }, body });

beforeAll(async () => {
  t = await startTestRuntime({ collector: { admission: { max_span_attributes: 1000 } } });
  const spans = [1, 2, 3].map(() => spanJson({ attributes: genAiAttrs('bystander') }));
  expect((await postJson(t.otlpUrl, requestJson(spans))).status).toBe(200);
  bystander = await eventually(
    () => storedCalls(t, 'bystander'),
    (rows) => rows.length === 3,
  );
});

afterAll(async () => {
  // Another tenant's rows are exactly as they were before any of the poison arrived.
  expect(await storedCalls(t, 'bystander')).toEqual(bystander);
  await t.runtime.stop();
});

/** A read and a fresh write both answer promptly: nothing is stalled behind a poison row. */
async function expectServing(tenant: string): Promise<void> {
  const res = await postJson(
    t.otlpUrl,
    requestJson([spanJson({ attributes: genAiAttrs(tenant) })]),
  );
  expect(res.status).toBe(200);
  const from = new Date(Date.now() - DAY).toISOString();
  const to = new Date(Date.now() + DAY).toISOString();
  const costs = await getJson(`${t.apiUrl}/v1/costs?from=${from}&to=${to}`);
  expect(costs.status).toBe(200);
  expect(
    await eventually(
      () => storedCalls(t, tenant),
      (rows) => rows.length === 1,
      5_000,
    ),
  ).toHaveLength(1);
}

describe('a span dated in the year 2500', () => {
  it('is rejected on its own in JSON; the rest of the request is stored and nothing stalls', async () => {
    const poisonId = newSpanId();
    const spans = [
      spanJson({ attributes: genAiAttrs('y2500-json') }),
      spanJson({
        spanId: poisonId,
        startMs: Date.UTC(2500, 0, 1),
        attributes: genAiAttrs('y2500-json'),
      }),
      spanJson({ attributes: genAiAttrs('y2500-json') }),
    ];
    const res = await postJson(t.otlpUrl, requestJson(spans));
    expect(res.status).toBe(200);
    const body = await otlpBody(res);
    expect(body.partialSuccess?.rejectedSpans).toBe('1');
    expect(body.partialSuccess?.errorMessage).toContain(
      `span 0/0/1 (${poisonId}): startTimeUnixNano 2500-01-01T00:00:00.000Z is outside the accepted window`,
    );
    const rows = await eventually(
      () => storedCalls(t, 'y2500-json'),
      (r) => r.length === 2,
    );
    expect(rows.map((r) => r.span_id).sort()).toEqual(
      [spans[0]?.spanId, spans[2]?.spanId].map(String).sort(),
    );
    await expectServing('after-y2500-json');
  });

  it('is rejected on its own in protobuf, named in partial_success', async () => {
    const spans = [
      spanJson({ startMs: Date.UTC(2500, 0, 1), attributes: genAiAttrs('y2500-proto') }),
      spanJson({ attributes: genAiAttrs('y2500-proto') }),
    ];
    const res = await post(protoRequest(requestJson(spans)), 'application/x-protobuf');
    expect(res.status).toBe(200);
    const answer = decodeProtoResponse(new Uint8Array(await res.arrayBuffer()));
    expect(answer.rejectedSpans).toBe(1);
    expect(answer.errorMessage).toMatch(/span 0\/0\/0 .*startTimeUnixNano 2500/);
    expect(
      await eventually(
        () => storedCalls(t, 'y2500-proto'),
        (r) => r.length === 1,
      ),
    ).toHaveLength(1);
    await expectServing('after-y2500-proto');
  });
});

describe('one request spanning 101 months', () => {
  it('stores the spans inside the window, rejects the others one by one: acknowledged = stored', async () => {
    const now = Date.now();
    const starts = Array.from({ length: 101 }, (_, i) => {
      const d = new Date(now);
      d.setUTCDate(1);
      d.setUTCMonth(d.getUTCMonth() - i);
      return Math.min(now, d.getTime() + 14 * DAY + 3_600_000); // mid-month, never in the future
    });
    // The accepted window computed here, independently of the collector: 400 days back, 1 ahead.
    const inWindow = starts.filter((s) => s >= now - 400 * DAY + 60_000 && s + 500 <= now + DAY);
    const spans = starts.map((startMs) => spanJson({ startMs, attributes: genAiAttrs('months') }));
    const res = await postJson(t.otlpUrl, requestJson(spans));
    expect(res.status).toBe(200);
    const body = await otlpBody(res);
    const rejected = Number(body.partialSuccess?.rejectedSpans ?? 0);
    expect(rejected).toBe(101 - inWindow.length);
    expect(body.partialSuccess?.errorMessage).toMatch(/outside the accepted window/);
    const rows = await eventually(
      () => storedCalls(t, 'months'),
      (r) => r.length >= inWindow.length,
    );
    expect(rows).toHaveLength(101 - rejected); // acknowledged = stored
    const months = await t.runtime.storage.query<{ n: string }>(
      "SELECT uniqExact(toYYYYMM(start_time)) AS n FROM llm_calls WHERE tenant = 'months'",
    );
    expect(Number(months[0]?.n)).toBeGreaterThanOrEqual(13);
    await expectServing('after-months');
  });
});

describe('oversized and overnested values', () => {
  it('stores a 5 MiB model name truncated, with the truncation recorded on the row', async () => {
    const huge = `gpt-${'x'.repeat(5 * 1024 * 1024)}`;
    const span = spanJson({
      attributes: genAiAttrs('huge-model', { [GEN_AI.REQUEST_MODEL]: huge }),
    });
    const res = await post(gzipSync(JSON.stringify(requestJson([span]))), 'application/json', {
      'content-encoding': 'gzip',
    });
    expect(res.status).toBe(200);
    expect(await otlpBody(res)).toEqual({});
    const [row] = await eventually(
      () => storedCalls(t, 'huge-model'),
      (r) => r.length === 1,
    );
    expect(Buffer.byteLength(row?.request_model ?? '')).toBe(1024);
    expect(row?.request_model.startsWith('gpt-xxx')).toBe(true);
    expect(row?.warnings).toEqual(
      expect.arrayContaining(['attribute_truncated', 'truncated:request_model']),
    );
    expect(row?.input_tokens).toBe('100'); // the call still counts
  });

  it('answers 400 with gRPC INVALID_ARGUMENT to 200k nested array values, then keeps serving', async () => {
    const depth = 200_000;
    const inner = `${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"x"}${']}}'.repeat(depth)}`;
    const span = JSON.stringify(spanJson({ attributes: genAiAttrs('nested') })).replace(
      '"attributes":[',
      `"attributes":[{"key":"deep","value":${inner}},`,
    );
    const res = await post(
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span}]}]}]}`,
      'application/json',
    );
    expect(res.status).toBe(400);
    const body = await otlpBody(res);
    expect(body.code).toBe(3);
    expect(body.message).toMatch(/nests deeper than/);
    await expectServing('after-nested');
  });

  it('rejects a span with more attribute values than the cap, stores its neighbour', async () => {
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`extra.${i}`, i]));
    const spans = [
      spanJson({ attributes: { ...genAiAttrs('too-many'), ...many } }),
      spanJson({ attributes: genAiAttrs('too-many') }),
    ];
    const res = await postJson(t.otlpUrl, requestJson(spans));
    const body = await otlpBody(res);
    expect(body.partialSuccess?.rejectedSpans).toBe('1');
    expect(body.partialSuccess?.errorMessage).toMatch(
      /span 0\/0\/0 .*more than 1000 attribute values/,
    );
    expect(
      await eventually(
        () => storedCalls(t, 'too-many'),
        (r) => r.length === 1,
      ),
    ).toHaveLength(1);
  });
});

describe('OTLP error bodies carry gRPC codes', () => {
  it('uses google.rpc.Code, not the HTTP status, in protobuf and JSON error bodies', async () => {
    const garbage = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff]), 'application/x-protobuf');
    expect(garbage.status).toBe(400);
    expect(decodeProtoStatus(new Uint8Array(await garbage.arrayBuffer())).code).toBe(3);
    const type = await post('{}', 'text/plain');
    expect(type.status).toBe(415);
    expect((await otlpBody(type)).code).toBe(12);
    const bomb = gzipSync(Buffer.alloc(65 * 1024 * 1024)); // inflates past max_body_bytes
    const big = await post(bomb, 'application/x-protobuf', { 'content-encoding': 'gzip' });
    expect(big.status).toBe(413);
    expect(decodeProtoStatus(new Uint8Array(await big.arrayBuffer())).code).toBe(8);
  });
});
