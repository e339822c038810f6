// Forwarding keeps what it received: spans from the official OTLP protobuf exporter and from a
// hand-encoded protobuf request go through the real collector and arrive downstream with the
// OTLP value types they came with (a double 1.0 stays a double, an int64 past 2^53 an int,
// bytes bytes), LLM spans enriched with their own call's cost; a downstream's Retry-After is
// honoured.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { newSpanId, newTraceId } from '../helpers/otlp.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpSpan {
  spanId: string;
  name: string;
  attributes: KeyValue[];
}
interface Received {
  at: number;
  body: {
    resourceSpans: {
      resource: { attributes: KeyValue[] };
      scopeSpans: { spans: OtlpSpan[] }[];
    }[];
  };
}

const received: Received[] = [];
let downstream: Server;
let t: TestRuntime;
/** Statuses to answer, in order, before answering 200. */
const script: { status: number; retryAfter?: string }[] = [];

beforeAll(async () => {
  downstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const next = script.shift();
      if (next !== undefined) {
        received.push({ at: Date.now(), body: { resourceSpans: [] } });
        res.writeHead(next.status, next.retryAfter ? { 'retry-after': next.retryAfter } : {});
        res.end();
        return;
      }
      received.push({
        at: Date.now(),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'],
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
  const port = (downstream.address() as AddressInfo).port;
  t = await startTestRuntime({
    collector: { forward: { endpoint: `http://127.0.0.1:${port}/v1/traces`, max_retries: 3 } },
  });
});
afterAll(async () => {
  await t.runtime.stop();
  downstream.close();
});

function spanById(spanId: string): { span: OtlpSpan; resource: KeyValue[] } | undefined {
  for (const r of received)
    for (const rs of r.body.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const span of ss.spans)
          if (span.spanId === spanId) return { span, resource: rs.resource.attributes };
  return undefined;
}

const attr = (attrs: KeyValue[], key: string) => attrs.find((a) => a.key === key)?.value;

const llmAttributes = {
  [GEN_AI.OPERATION_NAME]: 'chat',
  [GEN_AI.PROVIDER_NAME]: 'openai',
  [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
  [GEN_AI.USAGE_INPUT_TOKENS]: 1000,
  [GEN_AI.USAGE_OUTPUT_TOKENS]: 100,
  [FINOPS.TENANT]: 'acme',
};

describe('forwarding', () => {
  it('keeps the value types the official protobuf exporter sent, and adds the cost', async () => {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'fwd-svc' }),
      spanProcessors: [new SimpleSpanProcessor(new ProtoExporter({ url: t.otlpUrl }))],
    });
    const tracer = provider.getTracer('fwd-test');
    const llm = tracer.startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      attributes: {
        ...llmAttributes,
        [GEN_AI.REQUEST_TEMPERATURE]: 0.7,
        'test.ratios': [0.5, 1.5],
        'test.counts': [1, 2],
        // Only `true`: the protobuf decoder reads a proto3-default AnyValue (false, 0, '') as
        // null today, a receiver gap reported separately from the forwarder's own fidelity.
        'test.flags': [true, true],
      },
    });
    llm.end();
    const plain = tracer.startSpan('GET /health', { attributes: { 'http.status_code': 200 } });
    plain.end();
    await provider.forceFlush();
    await provider.shutdown();

    const got = await eventually(
      async () => spanById(llm.spanContext().spanId),
      (s) => s !== undefined,
    );
    const attrs = got?.span.attributes ?? [];
    expect(attr(attrs, GEN_AI.REQUEST_TEMPERATURE)).toEqual({ doubleValue: 0.7 });
    expect(attr(attrs, GEN_AI.USAGE_INPUT_TOKENS)).toEqual({ intValue: '1000' });
    expect(attr(attrs, 'test.ratios')).toEqual({
      arrayValue: { values: [{ doubleValue: 0.5 }, { doubleValue: 1.5 }] },
    });
    expect(attr(attrs, 'test.counts')).toEqual({
      arrayValue: { values: [{ intValue: '1' }, { intValue: '2' }] },
    });
    expect(attr(attrs, 'test.flags')).toEqual({
      arrayValue: { values: [{ boolValue: true }, { boolValue: true }] },
    });
    // Enriched with its own call's price (the e2e price file has gpt-4o).
    expect(attr(attrs, FINOPS.COST_PRICED)).toEqual({ boolValue: true });
    expect(attr(attrs, FINOPS.COST_TOTAL)).toEqual({ stringValue: '0.0035' });
    const other = await eventually(
      async () => spanById(plain.spanContext().spanId),
      (s) => s !== undefined,
    );
    expect(attr(other?.span.attributes ?? [], 'http.status_code')).toEqual({ intValue: '200' });
  });

  it('keeps an integral double a double, a large int64 an int, bytes bytes, nested too', async () => {
    const traceId = newTraceId();
    const spanId = newSpanId();
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const kv = (key: string, value: object) => ({ key, value });
    const body = encodeProtoRequest({
      resourceSpans: [
        {
          resource: {
            attributes: [
              kv('service.name', { stringValue: 'raw' }),
              kv('res.d', { doubleValue: 3 }),
            ],
          },
          scopeSpans: [
            {
              scope: { name: 'raw-scope' },
              spans: [
                {
                  traceId: Buffer.from(traceId, 'hex'),
                  spanId: Buffer.from(spanId, 'hex'),
                  name: 'chat gpt-4o',
                  kind: 3,
                  startTimeUnixNano: nowNs.toString(),
                  endTimeUnixNano: (nowNs + 500_000_000n).toString(),
                  attributes: [
                    ...Object.entries(llmAttributes).map(([k, v]) =>
                      kv(k, typeof v === 'number' ? { intValue: v } : { stringValue: v }),
                    ),
                    kv(GEN_AI.REQUEST_TEMPERATURE, { doubleValue: 1 }),
                    kv('test.big', { intValue: '9007199254740993' }),
                    kv('test.bytes', { bytesValue: Buffer.from([0, 1, 254, 255]) }),
                    kv('test.nan', { doubleValue: Number.NaN }),
                    kv('test.mixed', {
                      arrayValue: {
                        values: [{ doubleValue: 2 }, { intValue: 3 }, { stringValue: 'x' }],
                      },
                    }),
                    kv('test.kv', {
                      kvlistValue: {
                        values: [kv('d', { doubleValue: 1 }), kv('i', { intValue: 1 })],
                      },
                    }),
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    const res = await fetch(t.otlpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body,
    });
    expect(res.status).toBe(200);
    const got = await eventually(
      async () => spanById(spanId),
      (s) => s !== undefined,
    );
    const attrs = got?.span.attributes ?? [];
    expect(attr(attrs, GEN_AI.REQUEST_TEMPERATURE)).toEqual({ doubleValue: 1 });
    expect(attr(attrs, 'test.big')).toEqual({ intValue: '9007199254740993' });
    expect(attr(attrs, 'test.bytes')).toEqual({
      bytesValue: Buffer.from([0, 1, 254, 255]).toString('base64'),
    });
    expect(attr(attrs, 'test.nan')).toEqual({ doubleValue: 'NaN' });
    expect(attr(attrs, 'test.mixed')).toEqual({
      arrayValue: { values: [{ doubleValue: 2 }, { intValue: '3' }, { stringValue: 'x' }] },
    });
    expect(attr(attrs, 'test.kv')).toEqual({
      kvlistValue: {
        values: [
          { key: 'd', value: { doubleValue: 1 } },
          { key: 'i', value: { intValue: '1' } },
        ],
      },
    });
    expect(attr(got?.resource ?? [], 'res.d')).toEqual({ doubleValue: 3 });
    expect(attr(attrs, FINOPS.COST_TOTAL)).toEqual({ stringValue: '0.0035' });
  });

  it("waits out the downstream's Retry-After before the next attempt", async () => {
    const before = received.length;
    script.push({ status: 503, retryAfter: '1' });
    const spanId = newSpanId();
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    await fetch(t.otlpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: encodeProtoRequest({
        resourceSpans: [
          {
            resource: { attributes: [] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: Buffer.from(newTraceId(), 'hex'),
                    spanId: Buffer.from(spanId, 'hex'),
                    name: 'GET /x',
                    startTimeUnixNano: nowNs.toString(),
                    endTimeUnixNano: (nowNs + 1_000_000n).toString(),
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    const got = await eventually(
      async () => spanById(spanId),
      (s) => s !== undefined,
    );
    expect(got).toBeDefined();
    const attempts = received.slice(before);
    expect(attempts.length).toBe(2);
    // 100 ms of backoff would do without the header; the downstream asked for a second.
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });
});
