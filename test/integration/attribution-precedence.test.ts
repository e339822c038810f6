// Attribution precedence on real spans: traces built with the OpenTelemetry SDK (parents set
// through the context API, each span exported by the official OTLP exporter when it ends, so
// children arrive before their ancestors as in production) go through the real collector and its
// trace buffer into chDB. An explicit finops.* value anywhere in the ancestry outranks every
// inferred key (http.route, configured tag keys), and http.route counts on SERVER spans only.
import { context, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINOPS, GEN_AI, GENERAL } from '../../src/shared/semconv.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

let t: TestRuntime;
let provider: BasicTracerProvider;

beforeAll(async () => {
  t = await startTestRuntime({
    collector: {
      attribution: {
        wait_ms: 3000,
        root_grace_ms: 50,
        keys: {
          route: [FINOPS.ROUTE, GENERAL.HTTP_ROUTE],
          feature: [FINOPS.FEATURE, 'app.feature'],
          tenant: [FINOPS.TENANT, 'app.tenant'],
        },
      },
    },
  });
  provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'attr-svc' }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: t.otlpUrl }))],
  });
});
afterAll(async () => {
  await provider.shutdown();
  await t.runtime.stop();
});

const LLM: Attributes = {
  [GEN_AI.OPERATION_NAME]: 'chat',
  [GEN_AI.PROVIDER_NAME]: 'anthropic',
  [GEN_AI.REQUEST_MODEL]: 'claude-sonnet-4-5',
  [GEN_AI.USAGE_INPUT_TOKENS]: 100,
  [GEN_AI.USAGE_OUTPUT_TOKENS]: 10,
};

const tracer = () => provider.getTracer('attr-test');
const start = (name: string, kind: SpanKind, attributes: Attributes, parent?: Span): Span =>
  tracer().startSpan(
    name,
    { kind, attributes },
    parent ? trace.setSpan(context.active(), parent) : context.active(),
  );

async function attributionOf(traceId: string): Promise<Record<string, string>> {
  await provider.forceFlush();
  const rows = await eventually(
    () =>
      t.runtime.storage.query<Record<string, string>>(
        `SELECT route, feature, tenant FROM llm_calls WHERE trace_id = {id:String}`,
        { id: traceId },
      ),
    (r) => r.length > 0,
  );
  expect(rows).toHaveLength(1);
  return rows[0] ?? {};
}

describe('attribution precedence', () => {
  it("an explicit finops.route on the root outranks the provider SDK's CLIENT http.route", async () => {
    const root = start('POST /checkout', SpanKind.SERVER, {
      [GENERAL.HTTP_ROUTE]: '/api/checkout',
      [FINOPS.ROUTE]: 'checkout',
      [FINOPS.TENANT]: 'acme',
      [FINOPS.FEATURE]: 'cart',
    });
    // The Anthropic SDK's own span: a CLIENT span whose http.route is the provider's path.
    const llm = start(
      'chat',
      SpanKind.CLIENT,
      { ...LLM, [GENERAL.HTTP_ROUTE]: '/v1/messages' },
      root,
    );
    llm.end();
    root.end();
    expect(await attributionOf(llm.spanContext().traceId)).toEqual({
      route: 'checkout',
      feature: 'cart',
      tenant: 'acme',
    });
  });

  it('http.route counts on a SERVER ancestor, never on a CLIENT span', async () => {
    const root = start('POST /ask', SpanKind.SERVER, { [GENERAL.HTTP_ROUTE]: '/api/ask' });
    const llm = start(
      'chat',
      SpanKind.CLIENT,
      { ...LLM, [GENERAL.HTTP_ROUTE]: '/v1/messages' },
      root,
    );
    llm.end();
    root.end();
    expect((await attributionOf(llm.spanContext().traceId)).route).toBe('/api/ask');
    const alone = start('chat', SpanKind.CLIENT, { ...LLM, [GENERAL.HTTP_ROUTE]: '/v1/messages' });
    alone.end();
    expect((await attributionOf(alone.spanContext().traceId)).route).toBe('unattributed');
  });

  it('an explicit value anywhere up the chain outranks inferred keys nearer the call', async () => {
    const root = start('POST /public', SpanKind.SERVER, {
      [FINOPS.ROUTE]: '/public',
      [FINOPS.FEATURE]: 'root-feature',
      [FINOPS.TENANT]: 'globex',
    });
    // A nested service's SERVER span: its http.route and tag keys only infer.
    const inner = start(
      'POST /internal',
      SpanKind.SERVER,
      {
        [GENERAL.HTTP_ROUTE]: '/internal/x',
        'app.feature': 'inner-feature',
        'app.tenant': 'other',
      },
      root,
    );
    const llm = start('chat', SpanKind.CLIENT, LLM, inner);
    llm.end();
    inner.end();
    // The root arrives in a later request: the call waits for it instead of settling for the
    // inferred values it already has.
    await provider.forceFlush();
    await new Promise((r) => setTimeout(r, 300));
    root.end();
    expect(await attributionOf(llm.spanContext().traceId)).toEqual({
      route: '/public',
      feature: 'root-feature',
      tenant: 'globex',
    });
  });

  it('the nearest explicit value wins over a farther explicit one; inferred keys fill the rest', async () => {
    const root = start('POST /a', SpanKind.SERVER, {
      [FINOPS.ROUTE]: '/outer',
      'app.tenant': 'inferred-tenant',
    });
    const mid = start('step', SpanKind.INTERNAL, { [FINOPS.ROUTE]: '/inner' }, root);
    const llm = start('chat', SpanKind.CLIENT, { ...LLM, 'app.feature': 'own' }, mid);
    llm.end();
    mid.end();
    root.end();
    expect(await attributionOf(llm.spanContext().traceId)).toEqual({
      route: '/inner',
      feature: 'own',
      tenant: 'inferred-tenant',
    });
  });
});
