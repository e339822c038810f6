// The real @google/genai client (Gemini API and Vertex AI) against the local mock speaking the
// Gemini wire format (JSON and SSE); spans go through the real OTel SDK to an in-memory exporter.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/api';
import { ApiError, GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrumentGoogleGenAI } from '../../src/instrumentation/index.js';
import {
  FINOPS,
  FINOPS_STREAM,
  GEN_AI,
  GEN_AI_REQUEST,
  GENERAL,
  PROVIDER_TIER,
} from '../../src/shared/semconv.js';
import { MOCK_CLOUD_USAGE } from '../fixtures/instrumentation/mock-cloud-payloads.js';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { MOCK_TEXT } from '../fixtures/instrumentation/mock-payloads.js';
import { only, startTestTelemetry, waitFor } from '../fixtures/instrumentation/spans.js';
import type { TestTelemetry } from '../fixtures/instrumentation/spans.js';

let server: MockLlmServer;
let t: TestTelemetry;
let gemini: GoogleGenAI;
const G = MOCK_CLOUD_USAGE.gemini;

// A Vertex client with project and location needs Google credentials; a ready access token
// stands in for them (the SDK only asks the auth client for request headers).
const authClient = {
  getRequestHeaders: () => Promise.resolve(new Headers({ authorization: 'Bearer ya29.test' })),
};

function vertexClient(headers: Record<string, string> = {}) {
  return new GoogleGenAI({
    vertexai: true,
    project: 'acme-prod',
    location: 'europe-west4',
    googleAuthOptions: { authClient: authClient as never },
    httpOptions: { baseUrl: server.url, headers },
  });
}

beforeAll(async () => {
  server = await startMockLlmServer();
  t = startTestTelemetry();
  gemini = instrumentGoogleGenAI(
    new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: server.url } }),
  );
});
afterAll(async () => {
  await t.telemetry.shutdown();
  await server.close();
});
beforeEach(() => {
  t.reset();
  server.requests.length = 0;
});

const expectUsage = (a: Record<string, unknown>) => {
  // promptTokenCount already includes the cached tokens; thoughts are billed as output.
  expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(G.prompt);
  expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(G.cached);
  expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(G.candidates + G.thoughts);
  expect(a[GEN_AI.USAGE_REASONING_OUTPUT_TOKENS]).toBe(G.thoughts);
};

describe('Gemini API (gcp.gemini)', () => {
  it('generateContent: semconv attributes, cached and thoughts tokens, service tier', async () => {
    const res = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'hi',
      config: { temperature: 0.3, topK: 40, maxOutputTokens: 256, stopSequences: ['END'] },
    });
    expect(res.text).toBe(MOCK_TEXT.join(''));
    expect(server.requests[0]?.path).toMatch(/\/models\/gemini-2\.5-flash:generateContent$/);
    const span = only(t.spans());
    expect(span.name).toBe('generate_content gemini-2.5-flash');
    expect(span.kind).toBe(SpanKind.CLIENT);
    const a = span.attributes;
    expect(a[GEN_AI.OPERATION_NAME]).toBe('generate_content');
    expect(a[GEN_AI.PROVIDER_NAME]).toBe('gcp.gemini');
    expect(a[GEN_AI.REQUEST_MODEL]).toBe('gemini-2.5-flash');
    expect(a[GEN_AI.RESPONSE_MODEL]).toBe('gemini-2.5-flash-001');
    expect(a[GEN_AI.RESPONSE_ID]).toBe('gemini-gemini-2.5-flash');
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['STOP']);
    expect(a[GEN_AI.REQUEST_TEMPERATURE]).toBe(0.3);
    expect(a[GEN_AI_REQUEST.TOP_K]).toBe(40);
    expect(a[GEN_AI.REQUEST_MAX_TOKENS]).toBe(256);
    expect(a[GEN_AI_REQUEST.STOP_SEQUENCES]).toEqual(['END']);
    expect(a[GENERAL.SERVER_ADDRESS]).toBe('127.0.0.1');
    expect(a[GENERAL.SERVER_PORT]).toBe(Number(new URL(server.url).port));
    expectUsage(a);
    expect(a[PROVIDER_TIER.GEMINI_SERVICE_TIER]).toBe('standard');
    expect(a[FINOPS.CAPACITY_TIER]).toBe('on_demand');
    expect(a[GEN_AI.INPUT_MESSAGES]).toBeUndefined();
  });

  it('generateContentStream: the caller gets every chunk; TTFT, chunks and the final usage', async () => {
    const stream = await gemini.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'stream',
    });
    const texts: string[] = [];
    for await (const chunk of stream) texts.push(chunk.text ?? '');
    expect(texts).toEqual([...MOCK_TEXT]);
    await waitFor(() => t.spans().length === 1);
    const a = only(t.spans()).attributes;
    expect(server.requests[0]?.path).toMatch(/:streamGenerateContent$/);
    expect(a[GEN_AI.REQUEST_STREAM]).toBe(true);
    expect(a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(3);
    expect(a[FINOPS.STREAM_ITL_MS]).toBeGreaterThanOrEqual(0);
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['STOP']);
    expectUsage(a);
  });

  it('a stream the caller leaves early ends its span as abandoned', async () => {
    const stream = await gemini.models.generateContentStream({
      model: 'slow-gemini',
      contents: 'x',
    });
    let n = 0;
    for await (const _chunk of stream) if (++n === 2) break;
    await waitFor(() => t.spans().length === 1);
    const a = only(t.spans()).attributes;
    expect(a[FINOPS_STREAM.ABANDONED]).toBe(true);
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(2);
  });

  it('chats go through the wrapped models: one span per message', async () => {
    const chat = gemini.chats.create({ model: 'gemini-2.5-flash' });
    await chat.sendMessage({ message: 'one' });
    await chat.sendMessage({ message: 'two' });
    expect(t.spans()).toHaveLength(2);
  });

  it('a provider error ends the span as failed and reaches the caller unchanged', async () => {
    const err = await gemini.models
      .generateContent({ model: 'rate-limited', contents: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(429);
    const span = only(t.spans());
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[GENERAL.ERROR_TYPE]).toBe('ApiError');
    expect(span.attributes[GENERAL.HTTP_RESPONSE_STATUS_CODE]).toBe(429);
  });

  it('captureContent records the prompt and the completion', async () => {
    const client = instrumentGoogleGenAI(
      new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.url } }),
      { captureContent: true },
    );
    await client.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [{ role: 'user', parts: [{ text: 'what is a GSU?' }] }],
      config: { systemInstruction: 'be brief' },
    });
    const a = only(t.spans()).attributes;
    expect(JSON.parse(String(a[GEN_AI.INPUT_MESSAGES]))).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
      { role: 'user', parts: [{ type: 'text', content: 'what is a GSU?' }] },
    ]);
    expect(String(a[GEN_AI.OUTPUT_MESSAGES])).toContain(MOCK_TEXT.join(''));
  });

  it('instrumenting twice wraps once', async () => {
    instrumentGoogleGenAI(gemini);
    await gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
    expect(t.spans()).toHaveLength(1);
  });
});

describe('Vertex AI (gcp.vertex_ai)', () => {
  it('provider, region from the location, and Provisioned Throughput reported by Vertex', async () => {
    const vertex = instrumentGoogleGenAI(
      vertexClient({ 'X-Vertex-AI-LLM-Request-Type': 'dedicated' }),
    );
    await vertex.models.generateContent({ model: 'gemini-2.5-flash', contents: 'pt' });
    expect(server.requests[0]?.path).toBe(
      '/v1beta1/projects/acme-prod/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent',
    );
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.PROVIDER_NAME]).toBe('gcp.vertex_ai');
    expect(a[GENERAL.CLOUD_REGION]).toBe('europe-west4');
    expect(a[PROVIDER_TIER.VERTEX_TRAFFIC_TYPE]).toBe('PROVISIONED_THROUGHPUT');
    expect(a[FINOPS.CAPACITY_TIER]).toBe('provisioned');
    expectUsage(a);
  });

  it('spillover: the tier Vertex reports replaces the configured one', async () => {
    const vertex = instrumentGoogleGenAI(vertexClient(), { capacityTier: 'provisioned' });
    const stream = await vertex.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'burst',
    });
    for await (const _chunk of stream) {
      // consume
    }
    await waitFor(() => t.spans().length === 1);
    const a = only(t.spans()).attributes;
    expect(a[PROVIDER_TIER.VERTEX_TRAFFIC_TYPE]).toBe('ON_DEMAND');
    expect(a[FINOPS.CAPACITY_TIER]).toBe('on_demand');
  });

  it('a Vertex endpoint resource in `model` is recorded as the deployment', async () => {
    const vertex = instrumentGoogleGenAI(vertexClient());
    const endpoint = 'projects/acme-prod/locations/europe-west4/endpoints/1234567890';
    await vertex.models.generateContent({ model: endpoint, contents: 'x' });
    expect(only(t.spans()).attributes[FINOPS.DEPLOYMENT]).toBe(endpoint);
  });
});

describe('never breaks the host', () => {
  const throwing = {
    getTracer: () => ({
      startSpan: () => {
        throw new Error('tracer exploded');
      },
    }),
  } as unknown as TracerProvider;

  it('a tracer that throws leaves the call untraced and working', async () => {
    const client = instrumentGoogleGenAI(
      new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: server.url } }),
      { tracerProvider: throwing },
    );
    const res = await client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
    expect(res.text).toBe(MOCK_TEXT.join(''));
    const stream = await client.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'x',
    });
    let n = 0;
    for await (const _chunk of stream) n++;
    expect(n).toBe(3);
  });

  it('an SDK without the per-request methods: the public methods are traced', async () => {
    const usageMetadata = { promptTokenCount: 7, candidatesTokenCount: 3 };
    const models = {
      generateContent: (_p: unknown) => Promise.resolve({ usageMetadata, modelVersion: 'm-1' }),
      generateContentStream: (_p: unknown) => Promise.resolve((async function* () {})()),
    };
    const client = instrumentGoogleGenAI({ models });
    const res = await client.models.generateContent({ model: 'm' });
    expect(res.modelVersion).toBe('m-1');
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(7);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(3);
    expect(a[GEN_AI.PROVIDER_NAME]).toBe('gcp.gemini');
  });
});
