// What the new wrappers emit arrives at the real collector priced and attributed: the real
// @google/genai (Gemini API and Vertex), @aws-sdk/client-bedrock-runtime and AzureOpenAI clients
// against the local mock, exported over OTLP/HTTP to startRuntime (embedded chDB) with the
// default price catalog, read back from /v1/costs. Expected costs are computed here from the
// providers' published prices, not from src/pricing:
//   Gemini 2.5 Flash (Gemini API and Vertex): $0.30 / 1M input, $0.03 / 1M cached input,
//     $2.50 / 1M output incl. thinking (https://ai.google.dev/gemini-api/docs/pricing,
//     https://cloud.google.com/vertex-ai/generative-ai/pricing)
//   Claude Sonnet 4.5 on Bedrock: $3 / 1M input, $0.30 / 1M cache read, $3.75 / 1M cache write,
//     $15 / 1M output (https://aws.amazon.com/bedrock/pricing/)
//   GPT-4o on Azure OpenAI (global pay-as-you-go): $2.50 / 1M input, $1.25 / 1M cached input,
//     $10 / 1M output (https://azure.microsoft.com/en-us/pricing/details/cognitive-services/openai-service/)
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { GoogleGenAI } from '@google/genai';
import { Decimal } from 'decimal.js';
import { AzureOpenAI } from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  instrumentBedrock,
  instrumentGoogleGenAI,
  instrumentOpenAI,
  startTelemetry,
  withAttribution,
} from '../../src/instrumentation/index.js';
import type { Telemetry } from '../../src/instrumentation/index.js';
import { MOCK_CLOUD_USAGE } from '../fixtures/instrumentation/mock-cloud-payloads.js';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { MOCK_USAGE } from '../fixtures/instrumentation/mock-payloads.js';
import { eventually, getJson, startTestRuntime } from '../helpers/runtime.js';
import type { TestRuntime } from '../helpers/runtime.js';

let rt: TestRuntime;
let mock: MockLlmServer;
let telemetry: Telemetry;
const from = new Date(Date.now() - 3_600_000).toISOString();
const to = new Date(Date.now() + 3_600_000).toISOString();
const M = new Decimal('0.000001'); // per-token price of $1 / 1M tokens

beforeAll(async () => {
  // The default catalog (no prices_file): what a user gets without configuration.
  rt = await startTestRuntime({ pricing: { prices_file: undefined } });
  mock = await startMockLlmServer();
  telemetry = startTelemetry({
    serviceName: 'clouds-e2e',
    endpoint: rt.otlpUrl,
    batch: { scheduledDelayMillis: 50 },
  });
});
afterAll(async () => {
  await telemetry.shutdown();
  await mock.close();
  await rt.runtime.stop();
});

interface Row {
  provider: string;
  model: string;
  deployment: string;
  capacity_tier: string;
  route: string;
  calls: number;
  input_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cost_usd: string;
  list_cost_usd: string;
  unpriced_calls: number;
}

async function makeCalls(): Promise<void> {
  const gemini = instrumentGoogleGenAI(
    new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: mock.url } }),
  );
  const auth = {
    getRequestHeaders: () => Promise.resolve(new Headers({ authorization: 'Bearer t' })),
  };
  const vertex = (headers: Record<string, string>) =>
    instrumentGoogleGenAI(
      new GoogleGenAI({
        vertexai: true,
        project: 'acme-prod',
        location: 'europe-west4',
        googleAuthOptions: { authClient: auth as never },
        httpOptions: { baseUrl: mock.url, headers },
      }),
    );
  const bedrock = instrumentBedrock(
    new BedrockRuntimeClient({
      region: 'eu-central-1',
      endpoint: mock.h2cURL,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      maxAttempts: 1,
    }),
  );
  const azure = instrumentOpenAI(
    new AzureOpenAI({ apiKey: 'k', endpoint: mock.url, apiVersion: '2025-04-01-preview' }),
    { capacityTiers: { 'gpt4o-ptu-eu': 'provisioned', 'gpt-4o-paygo': 'on_demand' } },
  );
  const messages = [{ role: 'user' as const, content: [{ text: 'hi' }] }];
  const claude = 'anthropic.claude-sonnet-4-5-20250929-v1:0';

  await withAttribution({ tenant: 'clouds-co', route: '/gemini' }, async () => {
    await gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
    const stream = await vertex({}).models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'x',
    });
    for await (const _chunk of stream) {
      // consume
    }
    await vertex({ 'X-Vertex-AI-LLM-Request-Type': 'dedicated' }).models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'pt',
    });
  });
  await withAttribution({ tenant: 'clouds-co', route: '/bedrock' }, async () => {
    await bedrock.send(new ConverseCommand({ modelId: claude, messages }));
    const out = await bedrock.send(
      new ConverseStreamCommand({ modelId: `eu.${claude}`, messages }),
    );
    for await (const _event of out.stream ?? []) {
      // consume
    }
  });
  await withAttribution({ tenant: 'clouds-co', route: '/azure' }, async () => {
    const ask = (model: string) =>
      azure.chat.completions.create({ model, messages: [{ role: 'user', content: 'a' }] });
    await ask('gpt-4o-paygo');
    await ask('gpt4o-ptu-eu');
  });
  bedrock.destroy();
  await telemetry.forceFlush();
}

it('Gemini, Vertex, Bedrock and Azure calls arrive priced, attributed and tiered', async () => {
  await makeCalls();
  const res = await eventually(
    () =>
      getJson<{ rows: Row[] }>(
        `${rt.apiUrl}/v1/costs?from=${from}&to=${to}&tenant=clouds-co` +
          '&group_by=route,provider,deployment,capacity_tier',
      ),
    (r) => r.body.rows.reduce((n, row) => n + Number(row.calls), 0) >= 7,
  );
  const rows = res.body.rows;
  const find = (route: string, provider: string, tier: string) => {
    const row = rows.find(
      (r) => r.route === route && r.provider === provider && r.capacity_tier === tier,
    );
    expect(row, `${route} ${provider} ${tier} in ${JSON.stringify(rows)}`).toBeDefined();
    return row as Row;
  };
  expect(rows.every((r) => Number(r.unpriced_calls) === 0)).toBe(true);

  const g = MOCK_CLOUD_USAGE.gemini;
  const geminiCost = M.mul('0.30')
    .mul(g.prompt - g.cached)
    .add(M.mul('0.03').mul(g.cached))
    .add(M.mul('2.50').mul(g.candidates + g.thoughts));
  const geminiRow = find('/gemini', 'gcp.gemini', 'on_demand');
  expect(geminiRow).toMatchObject({
    calls: 1,
    input_tokens: g.prompt,
    cache_read_tokens: g.cached,
    output_tokens: g.candidates + g.thoughts,
    reasoning_tokens: g.thoughts,
  });
  expect(new Decimal(geminiRow.cost_usd).toString()).toBe(geminiCost.toString());
  const vertexOnDemand = find('/gemini', 'gcp.vertex_ai', 'on_demand');
  expect(new Decimal(vertexOnDemand.cost_usd).toString()).toBe(geminiCost.toString());
  const vertexPt = find('/gemini', 'gcp.vertex_ai', 'provisioned');
  expect(vertexPt.calls).toBe(1);
  expect(new Decimal(vertexPt.list_cost_usd).toString()).toBe(geminiCost.toString());

  const b = MOCK_CLOUD_USAGE.bedrock;
  // Both calls are regional (an in-region model id and an `eu.` profile): Bedrock bills Claude
  // Sonnet 4.5 10% above the `global.` profile's 3 / 15 per 1M there (the price data's
  // `regional.` entry): 3.30 input, 0.33 cache read, 4.125 cache write, 16.50 output.
  const claudeCost = M.mul('3.30')
    .mul(b.input)
    .add(M.mul('0.33').mul(b.cacheRead))
    .add(M.mul('4.125').mul(b.cacheWrite))
    .add(M.mul('16.50').mul(b.output));
  const bedrockRow = rows.find((r) => r.route === '/bedrock' && r.provider === 'aws.bedrock');
  expect(bedrockRow).toMatchObject({
    calls: 2,
    input_tokens: 2 * (b.input + b.cacheRead + b.cacheWrite),
    cache_read_tokens: 2 * b.cacheRead,
    cache_creation_tokens: 2 * b.cacheWrite,
    output_tokens: 2 * b.output,
  });
  expect(new Decimal(bedrockRow?.cost_usd ?? 'NaN').toString()).toBe(claudeCost.mul(2).toString());

  const o = MOCK_USAGE.openai;
  const gpt4oCost = M.mul('2.50')
    .mul(o.input - o.cached)
    .add(M.mul('1.25').mul(o.cached))
    .add(M.mul(10).mul(o.output));
  const paygo = find('/azure', 'azure.ai.openai', 'on_demand');
  expect(paygo.deployment).toBe('gpt-4o-paygo');
  expect(new Decimal(paygo.cost_usd).toString()).toBe(gpt4oCost.toString());
  const ptu = find('/azure', 'azure.ai.openai', 'provisioned');
  expect(ptu.deployment).toBe('gpt4o-ptu-eu');
  expect(new Decimal(ptu.list_cost_usd).toString()).toBe(gpt4oCost.toString());
});
