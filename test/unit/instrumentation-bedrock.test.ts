// The real @aws-sdk/client-bedrock-runtime client (its default HTTP/2 handler, SigV4 signing,
// event-stream decoding) against the local mock speaking Bedrock's wire format: JSON for
// Converse and InvokeModel, AWS event-stream frames for the streams. Spans go through the real
// OTel SDK to an in-memory exporter.
import { SpanStatusCode } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/api';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-runtime';
import type { BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrumentBedrock } from '../../src/instrumentation/index.js';
import { FINOPS, FINOPS_STREAM, GEN_AI, GENERAL, PROVIDER_TIER } from '../../src/shared/semconv.js';
import { MOCK_CLOUD_USAGE } from '../fixtures/instrumentation/mock-cloud-payloads.js';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { MOCK_TEXT, MOCK_USAGE } from '../fixtures/instrumentation/mock-payloads.js';
import { only, startTestTelemetry, waitFor } from '../fixtures/instrumentation/spans.js';
import type { TestTelemetry } from '../fixtures/instrumentation/spans.js';

let server: MockLlmServer;
let t: TestTelemetry;
let client: BedrockRuntimeClient;
const B = MOCK_CLOUD_USAGE.bedrock;
const CLAUDE = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const messages = [{ role: 'user' as const, content: [{ text: 'hi' }] }];

function newClient(extra: Partial<BedrockRuntimeClientConfig> = {}) {
  return new BedrockRuntimeClient({
    region: 'eu-central-1',
    endpoint: server.h2cURL,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    maxAttempts: 1,
    ...extra,
  });
}

beforeAll(async () => {
  server = await startMockLlmServer();
  t = startTestTelemetry();
  client = instrumentBedrock(newClient());
});
afterAll(async () => {
  client.destroy();
  await t.telemetry.shutdown();
  await server.close();
});
beforeEach(() => {
  t.reset();
  server.requests.length = 0;
});

const invokeBody = JSON.stringify({
  anthropic_version: 'bedrock-2023-05-31',
  max_tokens: 64,
  temperature: 0.1,
  messages: [{ role: 'user', content: 'hi' }],
});

describe('Converse', () => {
  it('plain: usage inclusive of cache reads and writes, request id, region, endpoint', async () => {
    const out = await client.send(
      new ConverseCommand({ modelId: CLAUDE, messages, inferenceConfig: { maxTokens: 50 } }),
    );
    expect(out.output?.message?.content?.[0]?.text).toBe(MOCK_TEXT.join(''));
    expect(server.requests[0]?.path).toBe(`/model/${encodeURIComponent(CLAUDE)}/converse`);
    const span = only(t.spans());
    expect(span.name).toBe(`chat ${CLAUDE}`);
    const a = span.attributes;
    expect(a[GEN_AI.PROVIDER_NAME]).toBe('aws.bedrock');
    expect(a[GEN_AI.OPERATION_NAME]).toBe('chat');
    expect(a[GEN_AI.REQUEST_MODEL]).toBe(CLAUDE);
    expect(a[GEN_AI.REQUEST_MAX_TOKENS]).toBe(50);
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(B.input + B.cacheRead + B.cacheWrite);
    expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(B.cacheRead);
    expect(a[GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS]).toBe(B.cacheWrite);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(B.output);
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['end_turn']);
    expect(a[GEN_AI.RESPONSE_ID]).toBe(out.$metadata.requestId);
    expect(a[GENERAL.CLOUD_REGION]).toBe('eu-central-1');
    expect(a[GENERAL.SERVER_ADDRESS]).toBe('127.0.0.1');
    expect(a[GENERAL.SERVER_PORT]).toBe(Number(new URL(server.h2cURL).port));
  });

  it('the first call right after construction already knows region and endpoint', async () => {
    const fresh = instrumentBedrock(newClient({ region: 'us-west-2' }));
    await fresh.send(new ConverseCommand({ modelId: CLAUDE, messages }));
    fresh.destroy();
    const a = only(t.spans()).attributes;
    expect(a[GENERAL.CLOUD_REGION]).toBe('us-west-2');
    expect(a[GENERAL.SERVER_ADDRESS]).toBe('127.0.0.1');
  });

  it('service tier: requested and reported (flex), mapped to finops.capacity_tier', async () => {
    await client.send(
      new ConverseCommand({ modelId: CLAUDE, messages, serviceTier: { type: 'flex' } }),
    );
    const a = only(t.spans()).attributes;
    expect(a[PROVIDER_TIER.BEDROCK_REQUEST_SERVICE_TIER]).toBe('flex');
    expect(a[PROVIDER_TIER.BEDROCK_RESPONSE_SERVICE_TIER]).toBe('flex');
    expect(a[FINOPS.CAPACITY_TIER]).toBe('flex');
  });

  it('a Provisioned Throughput ARN is the deployment, on provisioned capacity', async () => {
    const arn = 'arn:aws:bedrock:eu-central-1:123456789012:provisioned-model/abc123xyz';
    await client.send(new ConverseCommand({ modelId: arn, messages }));
    const a = only(t.spans()).attributes;
    expect(a[FINOPS.DEPLOYMENT]).toBe(arn);
    expect(a[FINOPS.CAPACITY_TIER]).toBe('provisioned');
  });

  it('ConverseStream: events reach the caller unchanged; TTFT and usage from metadata', async () => {
    const out = await client.send(new ConverseStreamCommand({ modelId: CLAUDE, messages }));
    const kinds: string[] = [];
    let text = '';
    for await (const event of out.stream ?? []) {
      kinds.push(Object.keys(event).filter((k) => k !== '$unknown')[0] ?? '?');
      text += event.contentBlockDelta?.delta?.text ?? '';
    }
    expect(kinds).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    expect(text).toBe(MOCK_TEXT.join(''));
    await waitFor(() => t.spans().length === 1);
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.REQUEST_STREAM]).toBe(true);
    expect(a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(3);
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(B.input + B.cacheRead + B.cacheWrite);
    expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(B.cacheRead);
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['end_turn']);
  });

  it('a ConverseStream left early ends its span as abandoned', async () => {
    const out = await client.send(new ConverseStreamCommand({ modelId: 'slow-claude', messages }));
    let n = 0;
    for await (const event of out.stream ?? []) {
      if (event.contentBlockDelta && ++n === 2) break;
    }
    await waitFor(() => t.spans().length === 1);
    const a = only(t.spans()).attributes;
    expect(a[FINOPS_STREAM.ABANDONED]).toBe(true);
    expect(a[FINOPS_STREAM.USAGE_REPORTED]).toBe(false);
  });

  it('throttling: the SDK error reaches the caller; the span has error.type and 429', async () => {
    const err = await client
      .send(new ConverseCommand({ modelId: 'rate-limited', messages }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottlingException);
    const span = only(t.spans());
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[GENERAL.ERROR_TYPE]).toBe('ThrottlingException');
    expect(span.attributes[GENERAL.HTTP_RESPONSE_STATUS_CODE]).toBe(429);
  });
});

describe('InvokeModel', () => {
  const invoke = (modelId: string, body = invokeBody) =>
    client.send(new InvokeModelCommand({ modelId, body, contentType: 'application/json' }));

  it('Anthropic body: its usage (cache included), model and stop reason; body intact', async () => {
    const out = await invoke(CLAUDE);
    const body = JSON.parse(new TextDecoder().decode(out.body)) as { content: unknown[] };
    expect(body.content).toHaveLength(1);
    const a = only(t.spans()).attributes;
    const u = MOCK_USAGE.anthropic;
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(u.uncachedInput + u.cacheRead + u.cacheCreation);
    expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(u.cacheRead);
    expect(a[GEN_AI.USAGE_CACHE_CREATION_INPUT_TOKENS]).toBe(u.cacheCreation);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(u.output);
    expect(a[GEN_AI.RESPONSE_MODEL]).toBe('claude-sonnet-4-5-20250929');
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['end_turn']);
    expect(a[GEN_AI.REQUEST_MAX_TOKENS]).toBe(64);
    expect(a[GEN_AI.REQUEST_TEMPERATURE]).toBe(0.1);
  });

  it('Amazon Nova and Meta Llama bodies', async () => {
    await invoke('amazon.nova-pro-v1:0', JSON.stringify({ messages: [] }));
    await invoke('meta.llama3-70b-instruct-v1:0', JSON.stringify({ prompt: 'x' }));
    const [nova, llama] = t.spans().map((s) => s.attributes);
    const n = MOCK_CLOUD_USAGE.nova;
    expect(nova?.[GEN_AI.USAGE_INPUT_TOKENS]).toBe(n.input + n.cacheRead);
    expect(nova?.[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(n.cacheRead);
    expect(nova?.[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(n.output);
    expect(llama?.[GEN_AI.USAGE_INPUT_TOKENS]).toBe(MOCK_CLOUD_USAGE.llama.input);
    expect(llama?.[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(MOCK_CLOUD_USAGE.llama.output);
    expect(llama?.[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['stop']);
  });

  it('a body without usage (Mistral): counts from the token headers; output looks the same', async () => {
    const out = await invoke('mistral.mistral-large-2407-v1:0', JSON.stringify({ prompt: 'x' }));
    expect(Object.keys(out).sort()).toEqual(['$metadata', 'body', 'contentType']);
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(MOCK_CLOUD_USAGE.mistral.input);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(MOCK_CLOUD_USAGE.mistral.output);
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['stop']);
    expect(a[FINOPS_STREAM.USAGE_REPORTED]).toBeUndefined();
  });

  it('embedding models are `embeddings` operations', async () => {
    await invoke('amazon.titan-embed-text-v2:0', JSON.stringify({ inputText: 'x' }));
    expect(only(t.spans()).attributes[GEN_AI.OPERATION_NAME]).toBe('embeddings');
  });

  it('InvokeModelWithResponseStream (Anthropic): chunks, TTFT and the message usage', async () => {
    const out = await client.send(
      new InvokeModelWithResponseStreamCommand({ modelId: CLAUDE, body: invokeBody }),
    );
    const types: string[] = [];
    for await (const event of out.body ?? []) {
      const json = JSON.parse(new TextDecoder().decode(event.chunk?.bytes)) as { type: string };
      types.push(json.type);
    }
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    await waitFor(() => t.spans().length === 1);
    const a = only(t.spans()).attributes;
    const u = MOCK_USAGE.anthropic;
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(3);
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(u.uncachedInput + u.cacheRead + u.cacheCreation);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(u.output);
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['end_turn']);
  });

  it('InvokeModelWithResponseStream (Mistral): usage from amazon-bedrock-invocationMetrics', async () => {
    const out = await client.send(
      new InvokeModelWithResponseStreamCommand({
        modelId: 'mistral.mistral-large-2407-v1:0',
        body: JSON.stringify({ prompt: 'x' }),
      }),
    );
    for await (const _event of out.body ?? []) {
      // consume
    }
    await waitFor(() => t.spans().length === 1);
    const a = only(t.spans()).attributes;
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(3);
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(MOCK_CLOUD_USAGE.mistral.input);
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(MOCK_CLOUD_USAGE.mistral.output);
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['stop']);
  });
});

describe('never breaks the host', () => {
  it('commands that are not model calls pass through untraced', async () => {
    const err = await client
      .send(new CountTokensCommand({ modelId: CLAUDE, input: { converse: { messages } } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(server.requests[0]?.path).toContain('/count-tokens');
    expect(t.spans()).toHaveLength(0);
  });

  it('a tracer that throws leaves the call untraced and working', async () => {
    const throwing = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('tracer exploded');
        },
      }),
    } as unknown as TracerProvider;
    const c = instrumentBedrock(newClient(), { tracerProvider: throwing });
    const out = await c.send(new ConverseCommand({ modelId: CLAUDE, messages }));
    expect(out.usage?.outputTokens).toBe(B.output);
    c.destroy();
  });

  it('instrumenting twice wraps once', async () => {
    instrumentBedrock(client);
    await client.send(new ConverseCommand({ modelId: CLAUDE, messages }));
    expect(t.spans()).toHaveLength(1);
  });
});
