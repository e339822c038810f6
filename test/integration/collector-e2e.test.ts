// End to end on real parts: spans from the official OpenTelemetry OTLP exporters (JSON and
// protobuf) through the collector into embedded ClickHouse, out of GET /v1/costs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { eventually, getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { newSpanId, newTraceId, postJson, requestJson, spanJson } from '../helpers/otlp.js';

interface CostRows {
  rows: Record<string, string | number>[];
}

let t: TestRuntime;
const t0 = Date.now() - 60_000;
const from = new Date(t0 - 3_600_000).toISOString();
const to = new Date(Date.now() + 3_600_000).toISOString();

beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(async () => {
  await t.runtime.stop();
});

const costs = (groupBy: string, extra = ''): Promise<{ status: number; body: CostRows }> =>
  getJson<CostRows>(
    `${t.apiUrl}/v1/costs?from=${from}&to=${to}${groupBy ? `&group_by=${groupBy}` : ''}${extra}`,
  );

/** Prices of test/fixtures/e2e/prices.json, as decimals, written out independently of src/pricing. */
const P = {
  'gpt-4o': {
    in: new Decimal('0.0000025'),
    cached: new Decimal('0.00000125'),
    out: new Decimal('0.00001'),
  },
  'claude-sonnet-4-5': {
    in: new Decimal('0.000003'),
    cached: new Decimal('0.0000003'),
    write: new Decimal('0.00000375'),
    out: new Decimal('0.000015'),
  },
};

async function sendWithSdk(
  exporter: SpanExporter,
  tenant: string,
  calls: Attributes[],
): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': `svc-${tenant}` }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('e2e-test');
  for (const attributes of calls) {
    const span = tracer.startSpan(`chat ${String(attributes[GEN_AI.REQUEST_MODEL])}`, {
      kind: SpanKind.CLIENT,
      attributes,
    });
    span.end();
  }
  await provider.forceFlush();
  await provider.shutdown();
}

const openaiCall = (tenant: string, route: string): Attributes => ({
  [GEN_AI.OPERATION_NAME]: 'chat',
  [GEN_AI.PROVIDER_NAME]: 'openai',
  [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
  [GEN_AI.RESPONSE_MODEL]: 'gpt-4o-2024-08-06',
  [GEN_AI.USAGE_INPUT_TOKENS]: 1200,
  [GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]: 1024,
  [GEN_AI.USAGE_OUTPUT_TOKENS]: 85,
  [FINOPS.TENANT]: tenant,
  [FINOPS.ROUTE]: route,
  [FINOPS.FEATURE]: 'summarize',
});
const anthropicCall = (tenant: string, route: string): Attributes => ({
  [GEN_AI.OPERATION_NAME]: 'chat',
  [GEN_AI.PROVIDER_NAME]: 'anthropic',
  [GEN_AI.REQUEST_MODEL]: 'claude-sonnet-4-5',
  // semconv: input includes cache reads and writes
  [GEN_AI.USAGE_INPUT_TOKENS]: 3000,
  [GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]: 2000,
  [GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS]: 500,
  [GEN_AI.USAGE_OUTPUT_TOKENS]: 400,
  [FINOPS.TENANT]: tenant,
  [FINOPS.ROUTE]: route,
  [FINOPS.FEATURE]: 'triage',
});

const openaiCost = P['gpt-4o'].in
  .mul(176)
  .add(P['gpt-4o'].cached.mul(1024))
  .add(P['gpt-4o'].out.mul(85));
const anthropicCost = P['claude-sonnet-4-5'].in
  .mul(500)
  .add(P['claude-sonnet-4-5'].cached.mul(2000))
  .add(P['claude-sonnet-4-5'].write.mul(500))
  .add(P['claude-sonnet-4-5'].out.mul(400));

describe('official OTLP exporters to /v1/costs', () => {
  it('stores spans from the JSON exporter and prices a cache-inclusive OpenAI call exactly', async () => {
    await sendWithSdk(new JsonExporter({ url: t.otlpUrl }), 'acme', [
      openaiCall('acme', '/chat'),
      openaiCall('acme', '/chat'),
    ]);
    const res = await eventually(
      () => costs('tenant,route,feature', '&tenant=acme'),
      (r) => Number(r.body.rows[0]?.calls ?? 0) >= 2,
    );
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([
      {
        tenant: 'acme',
        route: '/chat',
        feature: 'summarize',
        calls: 2,
        input_tokens: 2400,
        cache_read_tokens: 2048,
        cache_creation_tokens: 0,
        output_tokens: 170,
        reasoning_tokens: 0,
        cost_usd: openaiCost.mul(2).toString(),
        billed_cost_usd: openaiCost.mul(2).toString(),
        effective_cost_usd: openaiCost.mul(2).toString(),
        list_cost_usd: openaiCost.mul(2).toString(),
        unpriced_calls: 0,
        usage_incomplete_calls: 0,
      },
    ]);
  });

  it('stores spans from the protobuf exporter and prices a cache-write Anthropic call exactly', async () => {
    await sendWithSdk(new ProtoExporter({ url: t.otlpUrl }), 'globex', [
      anthropicCall('globex', '/triage'),
      openaiCall('globex', '/chat'),
    ]);
    const res = await eventually(
      () => costs('route', '&tenant=globex'),
      (r) => r.body.rows.length === 2,
    );
    const byRoute = Object.fromEntries(res.body.rows.map((r) => [r.route, r]));
    expect(byRoute['/triage']?.cost_usd).toBe(anthropicCost.toString());
    expect(byRoute['/triage']?.input_tokens).toBe(3000);
    expect(byRoute['/triage']?.cache_creation_tokens).toBe(500);
    expect(byRoute['/chat']?.cost_usd).toBe(openaiCost.toString());
  });

  it('group sums equal the ungrouped total exactly', async () => {
    const total = await costs('');
    const byTenant = await costs('tenant');
    const byModel = await costs('provider,model');
    const sum = (rows: Record<string, string | number>[]): string =>
      rows.reduce((acc, r) => acc.add(new Decimal(String(r.cost_usd))), new Decimal(0)).toString();
    expect(total.body.rows).toHaveLength(1);
    expect(sum(byTenant.body.rows)).toBe(String(total.body.rows[0]?.cost_usd));
    expect(sum(byModel.body.rows)).toBe(String(total.body.rows[0]?.cost_usd));
    expect(byModel.body.rows.map((r) => r.model).sort()).toEqual(['claude-sonnet-4-5', 'gpt-4o']);
  });
});

describe('collector semantics', () => {
  it('attributes a call from its root span that arrives in a later request', async () => {
    const traceId = newTraceId();
    const rootId = newSpanId();
    const llm = spanJson({
      traceId,
      parentSpanId: rootId,
      startMs: t0,
      attributes: {
        [GEN_AI.OPERATION_NAME]: 'chat',
        [GEN_AI.PROVIDER_NAME]: 'openai',
        [GEN_AI.REQUEST_MODEL]: 'gpt-4o-mini',
        [GEN_AI.USAGE_INPUT_TOKENS]: 10,
        [GEN_AI.USAGE_OUTPUT_TOKENS]: 5,
      },
    });
    expect((await postJson(t.otlpUrl, requestJson([llm]))).status).toBe(200);
    const root = spanJson({
      traceId,
      spanId: rootId,
      name: 'POST /api/ask',
      kind: 2,
      startMs: t0 - 10,
      attributes: { [FINOPS.TENANT]: 'initech', 'http.route': '/api/ask', [FINOPS.FEATURE]: 'ask' },
    });
    expect((await postJson(t.otlpUrl, requestJson([root]))).status).toBe(200);
    const res = await eventually(
      () => costs('tenant,route,feature', '&tenant=initech'),
      (r) => r.body.rows.length > 0,
    );
    expect(res.body.rows).toMatchObject([
      { tenant: 'initech', route: '/api/ask', feature: 'ask', calls: 1 },
    ]);
  });

  it('counts a retried (duplicated) request once', async () => {
    const body = requestJson([
      spanJson({
        attributes: { ...(openaiCall('hooli', '/dup') as Record<string, string | number>) },
      }),
      spanJson({
        attributes: { ...(openaiCall('hooli', '/dup') as Record<string, string | number>) },
      }),
    ]);
    expect((await postJson(t.otlpUrl, body)).status).toBe(200);
    expect((await postJson(t.otlpUrl, body)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const res = await costs('tenant', '&tenant=hooli');
    expect(res.body.rows).toMatchObject([{ tenant: 'hooli', calls: 2 }]);
  });

  it('counts one provider call once when two instrumentations nest for it', async () => {
    const traceId = newTraceId();
    const outer = newSpanId();
    const usage = {
      [GEN_AI.OPERATION_NAME]: 'chat',
      [GEN_AI.PROVIDER_NAME]: 'openai',
      [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
      [GEN_AI.USAGE_INPUT_TOKENS]: 100,
      [GEN_AI.USAGE_OUTPUT_TOKENS]: 10,
      [FINOPS.TENANT]: 'nested',
    };
    const inner = spanJson({ traceId, parentSpanId: outer, attributes: usage });
    const outerSpan = spanJson({ traceId, spanId: outer, name: 'gateway chat', attributes: usage });
    expect((await postJson(t.otlpUrl, requestJson([inner, outerSpan]))).status).toBe(200);
    const res = await eventually(
      () => costs('tenant', '&tenant=nested'),
      (r) => r.body.rows.length > 0,
    );
    expect(res.body.rows).toMatchObject([{ calls: 1, input_tokens: 100, output_tokens: 10 }]);
  });

  it('exposes collector counters on /metrics in the Prometheus format', async () => {
    const res = await fetch(`${t.apiUrl}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    const value = (name: string): number =>
      Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    expect(value('llm_finops_collector_calls_accepted_total')).toBeGreaterThanOrEqual(8);
    expect(value('llm_finops_collector_duplicates_dropped_total')).toBeGreaterThanOrEqual(2);
    expect(value('llm_finops_collector_rows_written_total')).toBeGreaterThanOrEqual(8);
    expect(text).toMatch(/llm_finops_api_request_duration_seconds_bucket/);
  });

  it('rejects bad parameters with 400 naming the parameter', async () => {
    const bad = await getJson<{ parameter: string }>(
      `${t.apiUrl}/v1/costs?from=${from}&to=${to}&group_by=tenant,colour`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.parameter).toBe('group_by');
    const badFrom = await getJson<{ parameter: string }>(
      `${t.apiUrl}/v1/costs?from=yesterday&to=${to}`,
    );
    expect(badFrom.status).toBe(400);
    expect(badFrom.body.parameter).toBe('from');
    const health = await getJson<{ status: string }>(`${t.apiUrl}/healthz`);
    expect(health.body.status).toBe('ok');
  });
});
