// Default-valued attributes over OTLP/protobuf, from the real OpenTelemetry SDK exporter to the
// real collector and store: `success=false` and `0` are present oneof members on the wire and
// must arrive as themselves, not as "absent" (an outcome without its success flag counts as a
// success). Decoder-level cases are in test/unit/otlp-proto-read.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { FINOPS } from '../../src/shared/semconv.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

let t: TestRuntime;

beforeAll(async () => {
  t = await startTestRuntime();
});
afterAll(async () => {
  await t.runtime.stop();
});

async function send(exporter: SpanExporter, spans: { name: string; attributes: Attributes }[]) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'defaults-svc' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('defaults-test');
  for (const { name, attributes } of spans) {
    tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }).end();
  }
  await provider.forceFlush();
  await provider.shutdown();
}

const rows = <T>(sql: string, params: Record<string, unknown>): Promise<T[]> =>
  t.runtime.storage.query<T>(sql, params);

describe('protobuf attributes with default values (real SDK proto exporter)', () => {
  it('stores success=false outcomes as failures and a value of 0 as 0', async () => {
    await send(new ProtoExporter({ url: t.otlpUrl }), [
      {
        name: FINOPS.OUTCOME_SPAN_NAME,
        attributes: {
          [FINOPS.OUTCOME_NAME]: 'ticket_resolved',
          [FINOPS.OUTCOME_SUCCESS]: false,
          [FINOPS.OUTCOME_VALUE]: 0,
          [FINOPS.OUTCOME_ID]: 'defaults-failed',
          [FINOPS.TENANT]: 'defaults',
        },
      },
      {
        name: FINOPS.OUTCOME_SPAN_NAME,
        attributes: {
          [FINOPS.OUTCOME_NAME]: 'ticket_resolved',
          [FINOPS.OUTCOME_SUCCESS]: true,
          [FINOPS.OUTCOME_VALUE]: 12.5,
          [FINOPS.OUTCOME_ID]: 'defaults-ok',
          [FINOPS.TENANT]: 'defaults',
        },
      },
    ]);
    const stored = await eventually(
      () =>
        rows<{ outcome_id: string; success: boolean; value: string | null }>(
          `SELECT outcome_id, success, value FROM outcomes FINAL WHERE tenant = {t:String} ORDER BY outcome_id`,
          { t: 'defaults' },
        ),
      (r) => r.length === 2,
    );
    expect(stored).toEqual([
      { outcome_id: 'defaults-failed', success: false, value: '0' },
      { outcome_id: 'defaults-ok', success: true, value: '12.5' },
    ]);
  });
});
