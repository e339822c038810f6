// The real `openai` client against the local mock server; spans captured in memory and
// checked attribute by attribute.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import OpenAI, { AzureOpenAI, RateLimitError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/instrumentation/index.js';
import {
  FINOPS,
  FINOPS_STREAM,
  FINOPS_USAGE,
  GEN_AI,
  GENERAL,
  OPENAI,
} from '../../src/shared/semconv.js';
import { MOCK_TEXT, MOCK_USAGE } from '../fixtures/instrumentation/mock-payloads.js';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { only, startTestTelemetry, waitFor } from '../fixtures/instrumentation/spans.js';
import type { TestTelemetry } from '../fixtures/instrumentation/spans.js';

let server: MockLlmServer;
let t: TestTelemetry;
let client: OpenAI;
const U = MOCK_USAGE.openai;

beforeAll(async () => {
  server = await startMockLlmServer();
  t = startTestTelemetry();
  client = instrumentOpenAI(
    new OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseURL, maxRetries: 0 }),
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

const port = () => Number(new URL(server.url).port);

describe('chat.completions.create', () => {
  it('plain call: semconv attributes, cached and reasoning tokens', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.2,
      max_completion_tokens: 64,
      stop: ['END'],
      seed: 7,
      service_tier: 'auto',
    });
    expect(res.choices[0]?.message.content).toBe(MOCK_TEXT.join(''));
    const span = only(t.spans());
    expect(span.name).toBe('chat gpt-4o-mini');
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    const a = span.attributes;
    expect(a[GEN_AI.OPERATION_NAME]).toBe('chat');
    expect(a[GEN_AI.PROVIDER_NAME]).toBe('openai');
    expect(a[GEN_AI.REQUEST_MODEL]).toBe('gpt-4o-mini');
    expect(a[GEN_AI.RESPONSE_MODEL]).toBe('gpt-4o-mini-2026-01-01');
    expect(a[GEN_AI.RESPONSE_ID]).toBe('chatcmpl-hi');
    expect(a[GEN_AI.REQUEST_TEMPERATURE]).toBe(0.2);
    expect(a[GEN_AI.REQUEST_MAX_TOKENS]).toBe(64);
    expect(a['gen_ai.request.stop_sequences']).toEqual(['END']);
    expect(a['gen_ai.request.seed']).toBe(7);
    expect(a[OPENAI.REQUEST_SERVICE_TIER]).toBe('auto');
    expect(a[OPENAI.RESPONSE_SERVICE_TIER]).toBe('default');
    expect(a[OPENAI.RESPONSE_SYSTEM_FINGERPRINT]).toBe('fp_mock');
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['stop']);
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(U.input);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(U.output);
    expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(U.cached);
    expect(a[GEN_AI.USAGE_REASONING_OUTPUT_TOKENS]).toBe(U.reasoning);
    expect(a[FINOPS_USAGE.AUDIO_INPUT_TOKENS]).toBeUndefined(); // 0 audio tokens: not written
    expect(a[GENERAL.SERVER_ADDRESS]).toBe('127.0.0.1');
    expect(a[GENERAL.SERVER_PORT]).toBe(port());
    expect(a[GEN_AI.REQUEST_STREAM]).toBeUndefined();
    expect(a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeUndefined();
    expect(a[FINOPS_STREAM.USAGE_REPORTED]).toBeUndefined();
    // Content capture is opt-in.
    expect(a[GEN_AI.INPUT_MESSAGES]).toBeUndefined();
    expect(a[GEN_AI.OUTPUT_MESSAGES]).toBeUndefined();
  });

  it('audio parts of the usage (prompt/completion_tokens_details.audio_tokens) are recorded', async () => {
    await client.chat.completions.create({
      model: 'gpt-4o-audio-preview',
      messages: [{ role: 'user', content: 'speak' }],
    });
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(U.input);
    expect(a[FINOPS_USAGE.AUDIO_INPUT_TOKENS]).toBe(MOCK_USAGE.openaiAudio.input);
    expect(a[FINOPS_USAGE.AUDIO_OUTPUT_TOKENS]).toBe(MOCK_USAGE.openaiAudio.output);
  });

  it('returns the vendor APIPromise: withResponse() and asResponse() keep working', async () => {
    const p = client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'wr' }],
    });
    expect(p.constructor.name).toBe('APIPromise');
    const { data, response, request_id } = await p.withResponse();
    expect(data.id).toBe('chatcmpl-wr');
    expect(response.status).toBe(200);
    expect(request_id).toBe('req_mock');
    expect(only(t.spans()).attributes[GEN_AI.USAGE_INPUT_TOKENS]).toBe(U.input);
    t.reset();
    // A raw-response caller still gets an unread body, and the span still ends.
    const raw = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'raw' }] })
      .asResponse();
    const body = (await raw.json()) as { id: string };
    expect(body.id).toBe('chatcmpl-raw');
    await waitFor(() => t.spans().length === 1);
  });

  it('stream: requests usage, measures TTFT/ITL, keeps the vendor Stream', async () => {
    const params = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'st' }],
      stream: true as const,
    };
    const stream = await client.chat.completions.create(params);
    expect(stream.controller).toBeInstanceOf(AbortController);
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    // The caller's params were not mutated, but the request asked for usage...
    expect(params).not.toHaveProperty('stream_options');
    expect(server.requests[0]?.body['stream_options']).toEqual({ include_usage: true });
    // ...so the caller's stream ends with one extra chunk: empty choices, usage set.
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.prompt_tokens).toBe(U.input);
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.REQUEST_STREAM]).toBe(true);
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(U.input);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(U.output);
    expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(U.cached);
    expect(a[GEN_AI.USAGE_REASONING_OUTPUT_TOKENS]).toBe(U.reasoning);
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['stop']);
    expect(a[GEN_AI.RESPONSE_ID]).toBe('chatcmpl-st');
    expect(a[GEN_AI.RESPONSE_MODEL]).toBe('gpt-4o-mini-2026-01-01');
    expect(a[OPENAI.RESPONSE_SERVICE_TIER]).toBe('default');
    const ttft = a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK] as number;
    expect(ttft).toBeGreaterThan(0);
    expect(ttft).toBeLessThan(5); // seconds, not milliseconds
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(4); // 3 text chunks + the finish chunk, not the usage chunk
    expect(a[FINOPS.STREAM_ITL_MS]).toBeGreaterThanOrEqual(0);
    expect(a[FINOPS.STREAM_ITL_P95_MS]).toBeGreaterThanOrEqual(a[FINOPS.STREAM_ITL_MS] as number);
    expect(a[FINOPS_STREAM.ABANDONED]).toBeUndefined();
    expect(a[FINOPS_STREAM.USAGE_REPORTED]).toBeUndefined();
  });

  it('stream: an explicit include_usage=false is respected and flagged', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'nu' }],
      stream: true,
      stream_options: { include_usage: false },
    });
    for await (const _ of stream) void _;
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBeUndefined();
    expect(a[FINOPS_STREAM.USAGE_REPORTED]).toBe(false);
  });

  it('a stream abandoned after two chunks ends its span with what was seen', async () => {
    const stream = await client.chat.completions.create({
      model: 'slow-model',
      messages: [{ role: 'user', content: 'ab' }],
      stream: true,
    });
    let n = 0;
    for await (const _ of stream) {
      if (++n === 2) break;
      // The gap is measured where the wrapper hands chunks on; pausing here makes it at least
      // 25 ms even when a starved test process reads the two buffered chunks back to back.
      await new Promise((r) => setTimeout(r, 25));
    }
    await waitFor(() => t.spans().length === 1);
    const span = only(t.spans());
    const a = span.attributes;
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(2);
    expect(a[FINOPS_STREAM.ABANDONED]).toBe(true);
    expect(a[FINOPS_STREAM.USAGE_REPORTED]).toBe(false);
    expect(a[GEN_AI.RESPONSE_ID]).toBe('chatcmpl-ab');
    expect(a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
    expect(a[FINOPS.STREAM_ITL_MS]).toBeGreaterThan(5); // one gap of >= 25 ms between the two chunks
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBeUndefined();
    expect(stream.controller.signal.aborted).toBe(true);
  });

  it('a stream aborted through its controller (iterated by hand) ends its span', async () => {
    const stream = await client.chat.completions.create({
      model: 'slow-model',
      messages: [{ role: 'user', content: 'ctl' }],
      stream: true,
    });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    stream.controller.abort();
    await waitFor(() => t.spans().length === 1);
    const a = only(t.spans()).attributes;
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(2);
    expect(a[FINOPS_STREAM.ABANDONED]).toBe(true);
  });

  it('429: error.type, status code and retry-after; the caller gets the SDK error', async () => {
    const err = await client.chat.completions
      .create({ model: 'rate-limited', messages: [{ role: 'user', content: 'rl' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    await waitFor(() => t.spans().length === 1);
    const span = only(t.spans());
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[GENERAL.ERROR_TYPE]).toBe('RateLimitError');
    expect(span.attributes[GENERAL.HTTP_RESPONSE_STATUS_CODE]).toBe(429);
    expect(span.attributes[FINOPS.RETRY_AFTER_MS]).toBe(2000);
    expect(span.attributes[GEN_AI.USAGE_INPUT_TOKENS]).toBeUndefined();
    expect(span.events.some((e) => e.name === 'exception')).toBe(true);
  });

  it('captures content only when asked', async () => {
    const capturing = instrumentOpenAI(
      new OpenAI({ apiKey: 'sk', baseURL: server.openaiBaseURL }),
      { captureContent: true },
    );
    await capturing.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'cc' }],
    });
    const a = only(t.spans()).attributes;
    expect(JSON.parse(a[GEN_AI.INPUT_MESSAGES] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'cc' }] },
    ]);
    expect(JSON.parse(a[GEN_AI.OUTPUT_MESSAGES] as string)).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: MOCK_TEXT.join('') }],
        finish_reason: 'stop',
      },
    ]);
  });
});

describe('responses.create and embeddings.create', () => {
  it('responses plain', async () => {
    const r = await client.responses.create({
      model: 'gpt-5-mini',
      input: 'rp',
      max_output_tokens: 100,
    });
    expect(r.output_text).toBe(MOCK_TEXT.join(''));
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.OPERATION_NAME]).toBe('chat');
    expect(a[GEN_AI.REQUEST_MODEL]).toBe('gpt-5-mini');
    expect(a[GEN_AI.RESPONSE_MODEL]).toBe('gpt-5-mini-2026-01-01');
    expect(a[GEN_AI.RESPONSE_ID]).toBe('resp_rp');
    expect(a[GEN_AI.REQUEST_MAX_TOKENS]).toBe(100);
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['completed']);
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(U.input);
    expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(U.cached);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(U.output);
    expect(a[GEN_AI.USAGE_REASONING_OUTPUT_TOKENS]).toBe(U.reasoning);
    expect(a[OPENAI.RESPONSE_SERVICE_TIER]).toBe('default');
  });

  it('responses stream: usage from response.completed, TTFT from the first delta', async () => {
    const stream = await client.responses.create({
      model: 'gpt-5-mini',
      input: 'rs',
      stream: true,
    });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    expect(types.at(-1)).toBe('response.completed');
    expect(server.requests[0]?.body['stream_options']).toBeUndefined();
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.REQUEST_STREAM]).toBe(true);
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(U.input);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(U.output);
    expect(a[GEN_AI.RESPONSE_ID]).toBe('resp_rs');
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(3);
    expect(a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
    expect(a[FINOPS.STREAM_ITL_MS]).toBeGreaterThanOrEqual(0);
  });

  it('embeddings', async () => {
    const r = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: ['a', 'b'],
      encoding_format: 'float',
    });
    expect(r.data).toHaveLength(2);
    const span = only(t.spans());
    expect(span.name).toBe('embeddings text-embedding-3-small');
    const a = span.attributes;
    expect(a[GEN_AI.OPERATION_NAME]).toBe('embeddings');
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(MOCK_USAGE.embeddings.input);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBeUndefined();
    expect(a[GEN_AI.EMBEDDINGS_DIMENSION_COUNT]).toBe(4);
    expect(a[GEN_AI.REQUEST_ENCODING_FORMATS]).toEqual(['float']);
  });
});

describe('providers', () => {
  it('AzureOpenAI: provider azure.ai.openai, deployment from the model', async () => {
    const azure = instrumentOpenAI(
      new AzureOpenAI({
        apiKey: 'k',
        endpoint: server.url,
        apiVersion: '2025-04-01-preview',
        maxRetries: 0,
      }),
      { region: 'swedencentral' },
    );
    await azure.chat.completions.create({
      model: 'gpt4o-ptu-eu',
      messages: [{ role: 'user', content: 'az' }],
    });
    expect(server.requests[0]?.path).toContain('/openai/deployments/gpt4o-ptu-eu/chat/completions');
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.PROVIDER_NAME]).toBe('azure.ai.openai');
    expect(a[FINOPS.DEPLOYMENT]).toBe('gpt4o-ptu-eu');
    expect(a[GENERAL.CLOUD_REGION]).toBe('swedencentral');
  });

  it('provider option overrides the base URL guess', async () => {
    const c = instrumentOpenAI(new OpenAI({ apiKey: 'k', baseURL: server.openaiBaseURL }), {
      provider: 'groq',
    });
    await c.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'g' }] });
    expect(only(t.spans()).attributes[GEN_AI.PROVIDER_NAME]).toBe('groq');
  });

  it('instrumenting twice does not double the spans', async () => {
    instrumentOpenAI(client);
    await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'tw' }],
    });
    expect(t.spans()).toHaveLength(1);
  });
});
