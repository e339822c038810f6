// Issue 12's price dimensions end to end: a span with 1-hour cache writes, audio input and output,
// image output and web searches, sent by the official OTLP protobuf exporter, goes through the
// real collector into embedded chDB. Every count and cost part lands in its own llm_calls column,
// the parts sum to cost_total, the cost rollups carry the parts, /v1/costs shows the total, and
// the forwarded span carries the parts as finops.cost.* attributes. Expected amounts are computed
// with the independent BigInt reference (test/fixtures/pricing/exact.ts), not src/pricing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINOPS, FINOPS_COST_EXTRA, FINOPS_USAGE, GEN_AI } from '../../src/shared/semconv.js';
import { atto, times, usd } from '../fixtures/pricing/exact.js';
import {
  committed,
  eventually,
  getJson,
  startTestRuntime,
  type TestRuntime,
} from '../helpers/runtime.js';

const PRICES = {
  input: '2e-6',
  cacheRead: '2e-7',
  cacheWrite: '2.5e-6',
  cacheWrite1h: '4e-6',
  output: '8e-6',
  audioIn: '4e-5',
  audioOut: '8e-5',
  imageOut: '3e-5',
  search: '0.01',
};

const priceFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'llm-finops-dims-'));
  const file = join(dir, 'prices.json');
  writeFileSync(
    file,
    JSON.stringify({
      'omni-dims-test': {
        litellm_provider: 'openai',
        mode: 'chat',
        input_cost_per_token: Number(PRICES.input),
        cache_read_input_token_cost: Number(PRICES.cacheRead),
        cache_creation_input_token_cost: Number(PRICES.cacheWrite),
        cache_creation_input_token_cost_above_1hr: Number(PRICES.cacheWrite1h),
        output_cost_per_token: Number(PRICES.output),
        input_cost_per_audio_token: Number(PRICES.audioIn),
        output_cost_per_audio_token: Number(PRICES.audioOut),
        output_cost_per_image_token: Number(PRICES.imageOut),
        search_context_cost_per_query: { search_context_size_medium: Number(PRICES.search) },
      },
    }),
  );
  return file;
};

interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}
const forwarded: KeyValue[][] = [];
let downstream: Server;
let t: TestRuntime;

beforeAll(async () => {
  downstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { scopeSpans: { spans: { attributes: KeyValue[] }[] }[] }[];
      };
      for (const rs of body.resourceSpans)
        for (const ss of rs.scopeSpans) for (const s of ss.spans) forwarded.push(s.attributes);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => downstream.listen(0, '127.0.0.1', r));
  const port = (downstream.address() as AddressInfo).port;
  t = await startTestRuntime({
    pricing: { prices_file: priceFile() },
    collector: { forward: { endpoint: `http://127.0.0.1:${port}/v1/traces` } },
  });
});
afterAll(async () => {
  await t.runtime.stop();
  downstream.close();
});

// input 10,000 = 4,500 text + 2,000 cache reads + 3,000 cache writes (1,000 of them 1h) + 500 audio;
// output 2,000 = 1,000 text + 300 audio + 700 image; 2 web searches.
const want = {
  cost_input: times(4500, PRICES.input),
  cost_cache_read: times(2000, PRICES.cacheRead),
  cost_cache_creation: times(2000, PRICES.cacheWrite),
  cost_cache_creation_1h: times(1000, PRICES.cacheWrite1h),
  cost_output: times(1000, PRICES.output),
  cost_audio: times(500, PRICES.audioIn) + times(300, PRICES.audioOut),
  cost_image: times(700, PRICES.imageOut),
  cost_request: times(2, PRICES.search),
};
const wantTotal = Object.values(want).reduce((a, b) => a + b, 0n);

async function sendSpan(): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'dims-svc' }),
    spanProcessors: [new SimpleSpanProcessor(new ProtoExporter({ url: t.otlpUrl }))],
  });
  provider
    .getTracer('dims-test')
    .startSpan('chat omni-dims-test', {
      kind: SpanKind.CLIENT,
      attributes: {
        [GEN_AI.OPERATION_NAME]: 'chat',
        [GEN_AI.PROVIDER_NAME]: 'openai',
        [GEN_AI.REQUEST_MODEL]: 'omni-dims-test',
        [GEN_AI.USAGE_INPUT_TOKENS]: 10_000,
        [GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]: 2000,
        [GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS]: 3000,
        [FINOPS_USAGE.CACHE_CREATION_1H_INPUT_TOKENS]: 1000,
        [FINOPS_USAGE.AUDIO_INPUT_TOKENS]: 500,
        [GEN_AI.USAGE_OUTPUT_TOKENS]: 2000,
        [FINOPS_USAGE.AUDIO_OUTPUT_TOKENS]: 300,
        [FINOPS_USAGE.IMAGE_OUTPUT_TOKENS]: 700,
        [FINOPS_USAGE.WEB_SEARCH_REQUESTS]: 2,
        [FINOPS.TENANT]: 'dims',
      },
    })
    .end();
  await provider.forceFlush();
  await provider.shutdown();
}

describe('price dimensions through the real collector into chDB', () => {
  it('stores every count and cost part, and the parts sum to the total exactly', async () => {
    await sendSpan();
    const rows = await eventually(
      () =>
        t.runtime.storage.query<Record<string, unknown>>(
          `SELECT * EXCEPT (ingested_at) FROM llm_calls WHERE tenant = 'dims'`,
        ),
      (r) => r.length > 0,
    );
    expect(rows).toHaveLength(1);
    const row = rows[0] ?? {};
    expect({
      cache_creation_1h_tokens: Number(row.cache_creation_1h_tokens),
      audio_input_tokens: Number(row.audio_input_tokens),
      audio_output_tokens: Number(row.audio_output_tokens),
      image_output_tokens: Number(row.image_output_tokens),
      web_search_requests: Number(row.web_search_requests),
      usage_incomplete: row.usage_incomplete,
      priced: row.priced,
    }).toEqual({
      cache_creation_1h_tokens: 1000,
      audio_input_tokens: 500,
      audio_output_tokens: 300,
      image_output_tokens: 700,
      web_search_requests: 2,
      usage_incomplete: false,
      priced: true,
    });
    for (const [col, amount] of Object.entries(want))
      expect(usd(atto(String(row[col]))), col).toBe(usd(amount));
    expect(usd(atto(String(row.cost_total)))).toBe(usd(wantTotal));
    // The row names the price data it was priced with: the overlay file over the database.
    expect(String(row.price_version)).toMatch(/\+[0-9a-f]{12}$/);
    expect(row.price_entry).toBe('omni-dims-test');
  });

  it('carries the parts into the cost rollups and the total into /v1/costs', async () => {
    await committed(t);
    const [sums] = await t.runtime.storage.query<Record<string, string>>(
      `SELECT sum(cost_cache_creation_1h) AS c1h, sum(cost_audio) AS audio, sum(cost_image) AS image,
              sum(cost_request) AS request, sum(cost_total) AS total, sum(incomplete_calls) AS incomplete
         FROM llm_costs_tenant_1h WHERE tenant = 'dims'`,
    );
    expect({
      c1h: usd(atto(sums?.c1h ?? '')),
      audio: usd(atto(sums?.audio ?? '')),
      image: usd(atto(sums?.image ?? '')),
      request: usd(atto(sums?.request ?? '')),
      total: usd(atto(sums?.total ?? '')),
      incomplete: sums?.incomplete,
    }).toEqual({
      c1h: usd(want.cost_cache_creation_1h),
      audio: usd(want.cost_audio),
      image: usd(want.cost_image),
      request: usd(want.cost_request),
      total: usd(wantTotal),
      incomplete: '0',
    });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const res = await getJson<{ rows: { cost_usd: string }[] }>(
      `${t.apiUrl}/v1/costs?from=${from}&to=${to}&tenant=dims`,
    );
    expect(res.body.rows.map((r) => usd(atto(r.cost_usd)))).toEqual([usd(wantTotal)]);
  });

  it('forwards the span with every cost part and the price version as finops attributes', async () => {
    const attrs = await eventually(
      async () => forwarded.find((a) => a.some((kv) => kv.key === FINOPS.COST_TOTAL)),
      (a) => a !== undefined,
    );
    const value = (key: string): unknown => attrs?.find((kv) => kv.key === key)?.value;
    expect(value(FINOPS.COST_TOTAL)).toEqual({ stringValue: usd(wantTotal) });
    expect(value(FINOPS_COST_EXTRA.CACHE_CREATION_1H)).toEqual({
      stringValue: usd(want.cost_cache_creation_1h),
    });
    expect(value(FINOPS_COST_EXTRA.AUDIO)).toEqual({ stringValue: usd(want.cost_audio) });
    expect(value(FINOPS_COST_EXTRA.IMAGE)).toEqual({ stringValue: usd(want.cost_image) });
    expect(value(FINOPS_COST_EXTRA.REQUEST)).toEqual({ stringValue: usd(want.cost_request) });
    expect(value(FINOPS_COST_EXTRA.USAGE_INCOMPLETE)).toEqual({ boolValue: false });
    expect(
      String((value(FINOPS_COST_EXTRA.PRICE_VERSION) as { stringValue?: string }).stringValue),
    ).toMatch(/\+[0-9a-f]{12}$/);
  });
});
