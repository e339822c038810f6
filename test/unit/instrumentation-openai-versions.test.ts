// The `openai` majors the README claims (4.x to 7.x), each installed under an npm alias
// (openai-v4, openai-v5, openai-v6; openai is 7.x), run through the same wrapper checks against
// the local mock: chat (plain, stream with the usage chunk), Responses (plain, stream),
// embeddings, `.withResponse()` / `.asResponse()`, the SDK's own error class, and AzureOpenAI
// (deployment, PTU tier, Azure's empty first stream chunk, retry-after-ms).
import { readFileSync } from 'node:fs';
import { SpanStatusCode } from '@opentelemetry/api';
import type * as OpenAI7 from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/instrumentation/index.js';
import { FINOPS, FINOPS_STREAM, GEN_AI, GENERAL } from '../../src/shared/semconv.js';
import { AZURE_DEPLOYMENTS } from '../fixtures/instrumentation/mock-azure.js';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { MOCK_TEXT, MOCK_USAGE } from '../fixtures/instrumentation/mock-payloads.js';
import { only, startTestTelemetry, waitFor } from '../fixtures/instrumentation/spans.js';
import type { TestTelemetry } from '../fixtures/instrumentation/spans.js';

type OpenAIModule = typeof OpenAI7;

const VERSIONS = [
  ['openai-v4', 4],
  ['openai-v5', 5],
  ['openai-v6', 6],
  ['openai', 7],
] as const;

let server: MockLlmServer;
let t: TestTelemetry;
const U = MOCK_USAGE.openai;
const user = (content: string) => [{ role: 'user' as const, content }];

beforeAll(async () => {
  server = await startMockLlmServer();
  t = startTestTelemetry();
});
afterAll(async () => {
  await t.telemetry.shutdown();
  await server.close();
});
beforeEach(() => {
  t.reset();
  server.requests.length = 0;
});

describe.each(VERSIONS)('%s', (pkg, major) => {
  let sdk: OpenAIModule;
  let client: InstanceType<OpenAIModule['OpenAI']>;

  beforeAll(async () => {
    sdk = (await import(pkg)) as OpenAIModule;
    client = instrumentOpenAI(
      new sdk.OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseURL, maxRetries: 0 }),
    );
  });

  it(`is openai ${major}.x`, () => {
    const file = new URL(`../../node_modules/${pkg}/package.json`, import.meta.url);
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
    expect(Number(version.split('.')[0])).toBe(major);
  });

  it('chat plain: usage with cached and reasoning tokens', async () => {
    const res = await client.chat.completions.create({ model: 'gpt-4o', messages: user('p') });
    expect(res.choices[0]?.message.content).toBe(MOCK_TEXT.join(''));
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.RESPONSE_ID]).toBe('chatcmpl-p');
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(U.input);
    expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(U.cached);
    expect(a[GEN_AI.USAGE_REASONING_OUTPUT_TOKENS]).toBe(U.reasoning);
  });

  it('chat stream: the same Stream object, usage from the extra chunk, TTFT', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: user('s'),
      stream: true,
    });
    expect(typeof stream.controller.abort).toBe('function');
    let chunks = 0;
    for await (const _chunk of stream) chunks++;
    expect(chunks).toBe(MOCK_TEXT.length + 2); // pieces, the finish chunk, the usage chunk
    await waitFor(() => t.spans().length === 1);
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(U.output);
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(MOCK_TEXT.length + 1);
    expect(a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
  });

  it('responses: plain and stream', async () => {
    const res = await client.responses.create({ model: 'gpt-4o', input: 'r' });
    expect(res.output_text).toBe(MOCK_TEXT.join(''));
    const stream = await client.responses.create({ model: 'gpt-4o', input: 'rs', stream: true });
    for await (const _event of stream) {
      // consume
    }
    await waitFor(() => t.spans().length === 2);
    for (const s of t.spans()) {
      expect(s.attributes[GEN_AI.USAGE_INPUT_TOKENS]).toBe(U.input);
      expect(s.attributes[GEN_AI.USAGE_OUTPUT_TOKENS]).toBe(U.output);
    }
  });

  it('embeddings', async () => {
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'e' });
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.OPERATION_NAME]).toBe('embeddings');
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(MOCK_USAGE.embeddings.input);
  });

  it('withResponse() and asResponse() keep working; an unparsed body ends the span', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: user('w') })
      .withResponse();
    expect(data.id).toBe('chatcmpl-w');
    expect(response.status).toBe(200);
    const raw = await client.chat.completions
      .create({ model: 'gpt-4o', messages: user('raw') })
      .asResponse();
    expect(((await raw.json()) as { id: string }).id).toBe('chatcmpl-raw');
    await waitFor(() => t.spans().length === 2);
  });

  it('429: the SDK error class reaches the caller; error.type names it', async () => {
    const err = await client.chat.completions
      .create({ model: 'rate-limited', messages: user('x') })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(sdk.RateLimitError);
    const span = only(t.spans());
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[GENERAL.ERROR_TYPE]).toBe('RateLimitError');
    expect(span.attributes[FINOPS.RETRY_AFTER_MS]).toBe(2000);
  });

  describe('AzureOpenAI', () => {
    const azure = (deployment?: string) =>
      instrumentOpenAI(
        new sdk.AzureOpenAI({
          apiKey: 'az-key',
          endpoint: server.url,
          apiVersion: '2025-04-01-preview',
          maxRetries: 0,
          ...(deployment !== undefined ? { deployment } : {}),
        }),
        { capacityTiers: { 'gpt4o-ptu-eu': 'provisioned', 'gpt-4o-paygo': 'on_demand' } },
      );

    it('deployment, PTU tier from the configuration, the model Azure reports', async () => {
      await azure('gpt4o-ptu-eu').chat.completions.create({ model: 'gpt-4o', messages: user('a') });
      expect(server.requests[0]?.path).toBe('/openai/deployments/gpt4o-ptu-eu/chat/completions');
      const a = only(t.spans()).attributes;
      expect(a[GEN_AI.PROVIDER_NAME]).toBe('azure.ai.openai');
      expect(a[FINOPS.DEPLOYMENT]).toBe('gpt4o-ptu-eu');
      expect(a[FINOPS.CAPACITY_TIER]).toBe('provisioned');
      expect(a[GEN_AI.RESPONSE_MODEL]).toBe(AZURE_DEPLOYMENTS['gpt4o-ptu-eu']);
    });

    it('stream: the empty content-filter chunk Azure sends first does not hide id and model', async () => {
      const stream = await azure().chat.completions.create({
        model: 'gpt-4o-paygo',
        messages: user('as'),
        stream: true,
      });
      for await (const _chunk of stream) {
        // consume
      }
      await waitFor(() => t.spans().length === 1);
      const a = only(t.spans()).attributes;
      expect(a[FINOPS.DEPLOYMENT]).toBe('gpt-4o-paygo');
      expect(a[FINOPS.CAPACITY_TIER]).toBe('on_demand');
      expect(a[GEN_AI.RESPONSE_ID]).toBe('chatcmpl-as');
      expect(a[GEN_AI.RESPONSE_MODEL]).toBe(AZURE_DEPLOYMENTS['gpt-4o-paygo']);
      expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(U.input);
      expect(a[FINOPS_STREAM.CHUNKS]).toBe(MOCK_TEXT.length + 1);
    });

    it('a PTU deployment at capacity: 429 with retry-after-ms', async () => {
      const err = await azure()
        .chat.completions.create({ model: 'rate-limited', messages: user('x') })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(sdk.RateLimitError);
      expect(only(t.spans()).attributes[FINOPS.RETRY_AFTER_MS]).toBe(1500);
    });
  });
});
