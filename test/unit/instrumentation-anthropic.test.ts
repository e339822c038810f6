// The real @anthropic-ai/sdk client against the local mock: semconv inclusive input tokens.
import Anthropic, { RateLimitError } from '@anthropic-ai/sdk';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrumentAnthropic } from '../../src/instrumentation/index.js';
import {
  ANTHROPIC,
  FINOPS,
  FINOPS_STREAM,
  FINOPS_USAGE,
  GEN_AI,
  GENERAL,
} from '../../src/shared/semconv.js';
import { MOCK_USAGE } from '../fixtures/instrumentation/mock-payloads.js';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { only, startTestTelemetry, waitFor } from '../fixtures/instrumentation/spans.js';
import type { TestTelemetry } from '../fixtures/instrumentation/spans.js';

let server: MockLlmServer;
let t: TestTelemetry;
let client: Anthropic;
const U = MOCK_USAGE.anthropic;
const INPUT = U.uncachedInput + U.cacheRead + U.cacheCreation;

beforeAll(async () => {
  server = await startMockLlmServer();
  t = startTestTelemetry();
  client = instrumentAnthropic(
    new Anthropic({ apiKey: 'sk-ant', baseURL: server.anthropicBaseURL, maxRetries: 0 }),
  );
});
afterAll(async () => {
  await t.telemetry.shutdown();
  await server.close();
});
beforeEach(() => t.reset());

describe('messages.create', () => {
  it('plain: input_tokens = input + cache_read + cache_creation', async () => {
    const msg = await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.usage.input_tokens).toBe(U.uncachedInput); // the caller sees the raw SDK object
    const span = only(t.spans()); // the SDK's own call span is switched off: one span per call
    expect(span.name).toBe('chat claude-sonnet-5-5');
    const a = span.attributes;
    expect(a[GEN_AI.PROVIDER_NAME]).toBe('anthropic');
    expect(a[GEN_AI.OPERATION_NAME]).toBe('chat');
    expect(a[GEN_AI.REQUEST_MAX_TOKENS]).toBe(256);
    expect(a[GEN_AI.RESPONSE_ID]).toBe('msg_hi');
    expect(a[GEN_AI.RESPONSE_MODEL]).toBe('claude-sonnet-5-5');
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['end_turn']);
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(INPUT);
    expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(U.cacheRead);
    expect(a[GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS]).toBe(U.cacheCreation);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(U.output);
    expect(a[ANTHROPIC.RESPONSE_SERVICE_TIER]).toBe('standard');
    expect(a[GENERAL.SERVER_ADDRESS]).toBe('127.0.0.1');
  });

  it('1-hour cache writes (usage.cache_creation) and web searches (usage.server_tool_use)', async () => {
    const X = MOCK_USAGE.anthropicExtras;
    await client.messages.create({
      model: 'claude-1h-search',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'h1' }],
    });
    const plain = only(t.spans()).attributes;
    expect(plain[GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS]).toBe(U.cacheCreation);
    expect(plain[FINOPS_USAGE.CACHE_CREATION_1H_INPUT_TOKENS]).toBe(X.cacheCreation1h);
    expect(plain[FINOPS_USAGE.WEB_SEARCH_REQUESTS]).toBe(X.webSearches);
    t.reset();
    // Streamed: message_start carries the split, message_delta only output; the split survives.
    const stream = await client.messages.create({
      model: 'claude-1h-search',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'h1s' }],
    });
    for await (const e of stream) void e;
    const streamed = only(t.spans()).attributes;
    expect(streamed[FINOPS_USAGE.CACHE_CREATION_1H_INPUT_TOKENS]).toBe(X.cacheCreation1h);
    expect(streamed[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(U.output);
    t.reset();
    // The default mock reports a 0 1-hour part: nothing is written.
    await client.messages.create({
      model: 'claude-x',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'z' }],
    });
    expect(only(t.spans()).attributes[FINOPS_USAGE.CACHE_CREATION_1H_INPUT_TOKENS]).toBeUndefined();
  });

  it('stream: usage from message_start + message_delta, TTFT and ITL', async () => {
    const stream = await client.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      stream: true,
      messages: [{ role: 'user', content: 'st' }],
    });
    expect(stream.controller).toBeInstanceOf(AbortController);
    let text = '';
    for await (const e of stream)
      if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') text += e.delta.text;
    expect(text).toBe('Hello from mock');
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.REQUEST_STREAM]).toBe(true);
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(INPUT);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(U.output);
    expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(U.cacheRead);
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['end_turn']);
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(3);
    expect(a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
    expect(a[FINOPS.STREAM_ITL_MS]).toBeGreaterThanOrEqual(0);
  });

  it('messages.stream() helper goes through the wrapped create', async () => {
    const final = await client.messages
      .stream({
        model: 'claude-haiku-4-5',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'hs' }],
      })
      .finalMessage();
    expect(final.id).toBe('msg_hs');
    await waitFor(() => t.spans().length === 1);
    expect(only(t.spans()).attributes[GEN_AI.USAGE_INPUT_TOKENS]).toBe(INPUT);
  });

  it('429 with retry-after', async () => {
    const err = await client.messages
      .create({ model: 'rate-limited', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    await waitFor(() => t.spans().length === 1);
    const span = only(t.spans());
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[GENERAL.ERROR_TYPE]).toBe('RateLimitError');
    expect(span.attributes[GENERAL.HTTP_RESPONSE_STATUS_CODE]).toBe(429);
    expect(span.attributes[FINOPS.RETRY_AFTER_MS]).toBe(2000);
  });

  it('keepSdkSpans keeps the SDK span, as a child of ours', async () => {
    const keep = instrumentAnthropic(
      new Anthropic({ apiKey: 'k', baseURL: server.anthropicBaseURL }),
      { keepSdkSpans: true },
    );
    await keep.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'k' }],
    });
    await waitFor(() => t.spans().length === 2);
    const ours = only(t.spans(), 'chat claude-haiku-4-5');
    const sdk = t.spans().find((s) => s !== ours);
    expect(sdk?.parentSpanContext?.spanId).toBe(ours.spanContext().spanId);
  });
});
