// OTLP/gRPC on real parts: the official @opentelemetry/exporter-trace-otlp-grpc (gzip, key in
// metadata) and a raw grpc-js client against the real collector on embedded chDB, next to the
// official OTLP/HTTP protobuf exporter. One process-wide in-flight budget serves both
// listeners, so HTTP requests held open can make a gRPC export RESOURCE_EXHAUSTED.
import { existsSync } from 'node:fs';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect as connectHttp2, type IncomingHttpHeaders } from 'node:http2';
import { connect } from 'node:net';
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import { type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
// The exporters' own dependency (same release): the enum their config takes.
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStatusDetails } from '../../src/collector/receiver/grpc-status.js';
import { decodeProtoResponse } from '../../src/collector/receiver/otlp-proto.js';
import { startRuntime } from '../../src/runtime.js';
import { parseConfig } from '../../src/shared/config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { sha256Hex } from '../../src/shared/keys.js';
import { GEN_AI } from '../../src/shared/semconv.js';
import { createLogger } from '../../src/shared/logger.js';
import { genAiAttrs, protoRequest, storedCalls } from '../helpers/chaos-edge.js';
import { EXPORT_PATH, rawClient } from '../helpers/grpc.js';
import { newSpanId, newTraceId, requestJson, spanJson } from '../helpers/otlp.js';
import { eventually, getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

const KEY = 'lfo_ingest_grpc_test_key_0123456789';
const METRICS_KEY = 'lfo_metrics_grpc_test_key_0123456789';
const RETRY_AFTER_S = 3;
const MAX_BODY = 256 * 1024;
const BODY_TIMEOUT_MS = 3000;

let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime({
    collector: {
      grpc_port: 0,
      retry_after_s: RETRY_AFTER_S,
      body_timeout_ms: BODY_TIMEOUT_MS,
      max_body_bytes: MAX_BODY,
      max_inflight_bytes: 1024 * 1024,
      // Two slots for the whole process, any peer or key may hold both: two HTTP requests held
      // open fill the budget the gRPC listener shares.
      max_inflight_requests: 2,
      max_inflight_share_per_peer: 1,
      max_inflight_share_per_key: 1,
    },
    security: {
      ingest_keys: [{ name: 'edge', key_sha256: sha256Hex(KEY) }],
      metrics_key_sha256: sha256Hex(METRICS_KEY),
    },
  });
  expect(t.otlpGrpcAddress).toMatch(/^127\.0\.0\.1:\d+$/);
});
let stopped = false;
afterAll(async () => {
  if (!stopped) await t.runtime.stop();
});

const metadata = (key: string): Metadata => {
  const m = new Metadata();
  m.set('authorization', `Bearer ${key}`);
  return m;
};
const grpcExporter = (key = KEY): GrpcExporter =>
  new GrpcExporter({
    url: `http://${t.otlpGrpcAddress}`,
    metadata: metadata(key),
    compression: CompressionAlgorithm.GZIP,
  });
const httpExporter = (): ProtoExporter =>
  new ProtoExporter({ url: t.otlpUrl, headers: { authorization: `Bearer ${KEY}` } });

/** Export spans through `exporter` and return its own result (code and the gRPC error). */
async function exportCalls(
  exporter: SpanExporter,
  tenant: string,
  calls: Attributes[],
): Promise<ExportResult> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `svc-${tenant}` }),
  });
  const tracer = provider.getTracer('grpc-test');
  const spans = calls.map((attributes) => {
    const span = tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, attributes });
    span.end();
    return span as unknown as ReadableSpan;
  });
  const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
  return result;
}

const call = (tenant: string): Attributes => ({
  [GEN_AI.OPERATION_NAME]: 'chat',
  [GEN_AI.PROVIDER_NAME]: 'openai',
  [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
  [GEN_AI.USAGE_INPUT_TOKENS]: 1200,
  [GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]: 1024,
  [GEN_AI.USAGE_OUTPUT_TOKENS]: 85,
  'finops.tenant': tenant,
  'finops.route': '/chat',
});
// test/fixtures/e2e/prices.json for gpt-4o, written out independently of src/pricing.
const ONE_CALL = new Decimal('0.0000025')
  .mul(176)
  .add(new Decimal('0.00000125').mul(1024))
  .add(new Decimal('0.00001').mul(85));

type CostRow = Record<string, string | number>;
const costsOf = async (tenant: string): Promise<CostRow[]> => {
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const to = new Date(Date.now() + 3_600_000).toISOString();
  const res = await getJson<{ rows: CostRow[] }>(
    `${t.apiUrl}/v1/costs?from=${from}&to=${to}&group_by=tenant,route&tenant=${tenant}`,
  );
  return res.body.rows;
};

const grpcError = (result: ExportResult): ServiceError => {
  expect(result.code).not.toBe(0);
  return result.error as ServiceError;
};

describe('OTLP/gRPC receiver', () => {
  it('counts a span exported over gRPC (gzip) the same as one over HTTP, once each', async () => {
    const g = grpcExporter();
    const h = httpExporter();
    try {
      expect((await exportCalls(g, 'via-grpc', [call('via-grpc')])).code).toBe(0);
      expect((await exportCalls(h, 'via-http', [call('via-http')])).code).toBe(0);
    } finally {
      await Promise.all([g.shutdown(), h.shutdown()]);
    }
    const viaGrpc = await eventually(
      () => costsOf('via-grpc'),
      (rows) => rows.length > 0,
    );
    const viaHttp = await eventually(
      () => costsOf('via-http'),
      (rows) => rows.length > 0,
    );
    expect(viaGrpc).toHaveLength(1);
    expect(viaGrpc[0]).toMatchObject({ calls: 1, cost_usd: ONE_CALL.toString() });
    const { tenant: _g, ...grpcRow } = viaGrpc[0]!;
    const { tenant: _h, ...httpRow } = viaHttp[0]!;
    expect(grpcRow).toEqual(httpRow);
  });

  it('counts one span once when it arrives over gRPC and again over HTTP (a retry via another path)', async () => {
    const request = requestJson([
      spanJson({ traceId: newTraceId(), spanId: newSpanId(), attributes: genAiAttrs('both') }),
    ]);
    const client = rawClient(t.otlpGrpcAddress);
    try {
      const first = await client.export(protoRequest(request), KEY);
      expect(first.ok).toBe(true);
    } finally {
      client.close();
    }
    const res = await fetch(t.otlpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify(request),
    });
    expect(res.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await storedCalls(t, 'both')).toHaveLength(1);
  });

  it('answers partial success over gRPC as over HTTP: the good span stored, the bad one named', async () => {
    const good = spanJson({ attributes: genAiAttrs('partial') });
    const bad = spanJson({ spanId: '0000000000000000', attributes: genAiAttrs('partial') });
    const client = rawClient(t.otlpGrpcAddress, { gzip: true });
    try {
      const result = await client.export(protoRequest(requestJson([good, bad])), KEY);
      if (!result.ok) throw result.error;
      const response = decodeProtoResponse(result.response);
      expect(response.rejectedSpans).toBe(1);
      expect(response.errorMessage).toContain('spanId must be 8 non-zero bytes');
    } finally {
      client.close();
    }
    const stored = await eventually(
      () => storedCalls(t, 'partial'),
      (rows) => rows.length > 0,
    );
    expect(stored.map((r) => r.span_id)).toEqual([good.spanId]);
  });

  it('refuses a missing or wrong key with UNAUTHENTICATED', async () => {
    const wrong = grpcExporter('lfo_not_the_key_0000000000000000');
    try {
      const err = grpcError(await exportCalls(wrong, 'nokey', [call('nokey')]));
      expect(err.code).toBe(GrpcStatus.UNAUTHENTICATED);
      expect(err.details).toContain('ingest key');
    } finally {
      await wrong.shutdown();
    }
    const client = rawClient(t.otlpGrpcAddress);
    try {
      const none = await client.export(protoRequest(requestJson([spanJson({})])));
      expect(none.ok ? 0 : none.error.code).toBe(GrpcStatus.UNAUTHENTICATED);
    } finally {
      client.close();
    }
    expect(await storedCalls(t, 'nokey')).toEqual([]);
  });

  it('refuses a wrong key on the metadata, before the message is read (as HTTP before the body)', async () => {
    const client = rawClient(t.otlpGrpcAddress);
    try {
      // Read, this message would be refused for its size (RESOURCE_EXHAUSTED, next test).
      const big = Buffer.alloc(MAX_BODY + 64 * 1024, 0x20);
      const wrong = await client.export(big, 'lfo_not_the_key_0000000000000000');
      expect(wrong.ok ? 0 : wrong.error.code).toBe(GrpcStatus.UNAUTHENTICATED);
      const right = await client.export(big, KEY);
      expect(right.ok ? 0 : right.error.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    } finally {
      client.close();
    }
  });

  it('ends a call whose message does not arrive within body_timeout_ms with DEADLINE_EXCEEDED', async () => {
    // Raw HTTP/2: a gRPC frame announcing 1000 bytes, 10 of them sent, then nothing.
    const session = connectHttp2(`http://${t.otlpGrpcAddress}`);
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': EXPORT_PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
        authorization: `Bearer ${KEY}`,
      });
      // The status comes as trailers, or as a trailers-only response.
      const status = new Promise<IncomingHttpHeaders>((resolve) => {
        stream.on('response', (h) => h['grpc-status'] !== undefined && resolve(h));
        stream.on('trailers', resolve);
      });
      stream.on('error', () => undefined);
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(1000, 1);
      stream.write(Buffer.concat([prefix, Buffer.alloc(10)]));
      const headers = await status;
      expect(Number(headers['grpc-status'])).toBe(GrpcStatus.DEADLINE_EXCEEDED);
      expect(decodeURIComponent(String(headers['grpc-message']))).toContain(
        'collector.body_timeout_ms',
      );
      stream.close();
    } finally {
      session.close();
    }
  });

  it('refuses an undecodable message with INVALID_ARGUMENT', async () => {
    const client = rawClient(t.otlpGrpcAddress);
    try {
      const full = protoRequest(requestJson([spanJson({ attributes: genAiAttrs('garbled') })]));
      const result = await client.export(full.subarray(0, full.length - 7), KEY);
      expect(result.ok ? 0 : result.error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
      if (!result.ok) {
        const details = decodeStatusDetails(
          result.error.metadata.get('grpc-status-details-bin')[0] as Buffer,
        );
        expect(details.code).toBe(GrpcStatus.INVALID_ARGUMENT);
        expect(details.retryDelaySeconds).toBeUndefined();
      }
    } finally {
      client.close();
    }
    expect(await storedCalls(t, 'garbled')).toEqual([]);
  });

  it('bounds a message, on the wire and inflated, by collector.max_body_bytes: RESOURCE_EXHAUSTED', async () => {
    const plain = rawClient(t.otlpGrpcAddress);
    const gzip = rawClient(t.otlpGrpcAddress, { gzip: true });
    try {
      const big = await plain.export(Buffer.alloc(MAX_BODY + 1024, 0x20), KEY);
      expect(big.ok ? 0 : big.error.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      // 8 MiB of zeros is a few KiB gzipped: refused by its inflated size.
      const bomb = await gzip.export(Buffer.alloc(8 * 1024 * 1024), KEY);
      expect(bomb.ok ? 0 : bomb.error.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      // The listener still serves a normal request afterwards.
      const fine = await gzip.export(
        protoRequest(requestJson([spanJson({ attributes: genAiAttrs('after-bomb') })])),
        KEY,
      );
      expect(fine.ok).toBe(true);
    } finally {
      plain.close();
      gzip.close();
    }
  });

  it('under overload answers RESOURCE_EXHAUSTED with a RetryInfo of collector.retry_after_s', async () => {
    const held = [hold('held-a'), hold('held-b')];
    // Both slots are held once the server has admitted the two requests' headers.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const g = grpcExporter();
    try {
      const err = grpcError(await exportCalls(g, 'overload', [call('overload')]));
      expect(err.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
      expect(err.details).toContain('collector.max_inflight_requests');
      const raw = err.metadata.get('grpc-status-details-bin')[0];
      expect(raw).toBeInstanceOf(Buffer);
      const details = decodeStatusDetails(raw as Buffer);
      expect(details).toMatchObject({ code: GrpcStatus.RESOURCE_EXHAUSTED });
      expect(details.retryDelaySeconds).toBe(RETRY_AFTER_S);
      // The held requests finish and land; after them, the same export goes through.
      const answers = await Promise.all(held.map((h) => h.finish()));
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
      expect((await exportCalls(g, 'overload', [call('overload')])).code).toBe(0);
    } finally {
      held.forEach((h) => h.req.destroy());
      await g.shutdown();
    }
    const stored = await eventually(
      async () => [
        ...(await storedCalls(t, 'held-a')),
        ...(await storedCalls(t, 'held-b')),
        ...(await storedCalls(t, 'overload')),
      ],
      (rows) => rows.length >= 3,
    );
    expect(stored.map((r) => r.tenant).sort()).toEqual(['held-a', 'held-b', 'overload']);
  });

  it('serves /metrics on the OTLP/HTTP port too (a collector-only replica has no API), behind the metrics key', async () => {
    const url = t.otlpUrl.replace('/v1/traces', '/metrics');
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { authorization: `Bearer ${METRICS_KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const received = Number(/^llm_finops_collector_spans_received_total (\d+)/m.exec(text)?.[1]);
    // Every span this file sent so far over gRPC and HTTP, at least the nine accepted above.
    expect(received).toBeGreaterThanOrEqual(9);
    expect(text).toMatch(/^llm_finops_collector_queued_rows \d+/m);
  });

  it('start refuses a collector with gRPC on beyond loopback without ingest keys (the same guard as HTTP)', async () => {
    const config = parseConfig({
      collector: { host: '0.0.0.0', port: 0, grpc_port: 0 },
      storage: { data_dir: `${t.dataDir}-never` },
    });
    const refusal = startRuntime({ config, logger: createLogger('silent'), api: false });
    await expect(refusal).rejects.toBeInstanceOf(ConfigError);
    await expect(refusal).rejects.toThrow(/0\.0\.0\.0.*without security\.ingest_keys/);
    // Refused before the store was opened: nothing was created for it.
    expect(existsSync(`${t.dataDir}-never`)).toBe(false);
  });

  it('drain closes the gRPC listener: an export during the drain is UNAVAILABLE, then the port is closed', async () => {
    const client = rawClient(t.otlpGrpcAddress);
    const before = protoRequest(requestJson([spanJson({ attributes: genAiAttrs('pre-drain') })]));
    expect((await client.export(before, KEY)).ok).toBe(true);
    const stopping = t.runtime.stop();
    stopped = true;
    const during = await client.export(
      protoRequest(requestJson([spanJson({ attributes: genAiAttrs('during-drain') })])),
      KEY,
    );
    expect(during.ok ? 0 : during.error.code).toBe(GrpcStatus.UNAVAILABLE);
    await stopping;
    client.close();
    const [host, port] = t.otlpGrpcAddress.split(':');
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), host);
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});

interface Held {
  req: ClientRequest;
  finish(): Promise<IncomingMessage>;
}

/** An authorized OTLP/HTTP request with its headers and half its body sent, kept open. */
function hold(tenant: string): Held {
  const payload = Buffer.from(
    JSON.stringify(requestJson([spanJson({ attributes: genAiAttrs(tenant) })])),
  );
  const url = new URL(t.otlpUrl);
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/json',
      'content-length': String(payload.length),
      authorization: `Bearer ${KEY}`,
    },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
  });
  const half = Math.floor(payload.length / 2);
  req.write(payload.subarray(0, half));
  return {
    req,
    finish: () => {
      req.end(payload.subarray(half));
      return response;
    },
  };
}
