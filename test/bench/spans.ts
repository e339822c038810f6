// Realistic GenAI spans for benchmarks: the attributes a wrapped OpenAI/Anthropic call carries,
// spread over tenants, routes, features and models, as protobufjs-ready objects.
import { randomBytes } from 'node:crypto';
import { FINOPS, GEN_AI, GENERAL, OPENAI } from '../../src/shared/semconv.js';

const MODELS = [
  ['openai', 'gpt-4o', 'gpt-4o-2024-08-06'],
  ['openai', 'gpt-4o-mini', 'gpt-4o-mini-2024-07-18'],
  ['anthropic', 'claude-sonnet-4-5', 'claude-sonnet-4-5-20250929'],
  ['openai', 'gpt-4.1', 'gpt-4.1-2025-04-14'],
] as const;

type Value =
  | { stringValue: string }
  | { intValue: number }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: { stringValue: string }[] } };

const kv = (
  key: string,
  value: string | number | boolean | string[],
): { key: string; value: Value } => {
  if (Array.isArray(value))
    return { key, value: { arrayValue: { values: value.map((v) => ({ stringValue: v })) } } };
  if (typeof value === 'string') return { key, value: { stringValue: value } };
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  return { key, value: Number.isInteger(value) ? { intValue: value } : { doubleValue: value } };
};

export function makeSpans(count: number, nowMs = Date.now()): object {
  const spans = [];
  for (let i = 0; i < count; i += 1) {
    const [provider, model, responseModel] = MODELS[i % MODELS.length] ?? MODELS[0];
    const start = BigInt(nowMs - (i % 1000)) * 1_000_000n;
    const input = 500 + (i % 3000);
    spans.push({
      traceId: randomBytes(16),
      spanId: randomBytes(8),
      name: `chat ${model}`,
      kind: 3,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + 1_200_000_000n).toString(),
      attributes: [
        kv(GEN_AI.OPERATION_NAME, 'chat'),
        kv(GEN_AI.PROVIDER_NAME, provider),
        kv(GEN_AI.REQUEST_MODEL, model),
        kv(GEN_AI.RESPONSE_MODEL, responseModel),
        kv(GEN_AI.RESPONSE_ID, `chatcmpl-${i}`),
        kv(GEN_AI.REQUEST_STREAM, true),
        kv(GEN_AI.USAGE_INPUT_TOKENS, input),
        kv(GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS, Math.floor(input / 2)),
        kv(GEN_AI.USAGE_OUTPUT_TOKENS, 50 + (i % 400)),
        kv(GEN_AI.USAGE_REASONING_OUTPUT_TOKENS, i % 7 === 0 ? 20 : 0),
        kv(GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK, 0.3 + (i % 50) / 100),
        kv(GEN_AI.RESPONSE_FINISH_REASONS, ['stop']),
        kv(GENERAL.SERVER_ADDRESS, 'api.openai.com'),
        kv(OPENAI.RESPONSE_SERVICE_TIER, 'default'),
        kv(FINOPS.TENANT, `tenant-${i % 500}`),
        kv(FINOPS.ROUTE, `/api/route-${i % 40}`),
        kv(FINOPS.FEATURE, `feature-${i % 15}`),
        kv(FINOPS.DEPLOYMENT, `deploy-${i % 8}`),
        kv(FINOPS.CAPACITY_TIER, i % 3 === 0 ? 'provisioned' : 'on_demand'),
        kv(GENERAL.CLOUD_REGION, i % 2 === 0 ? 'eastus' : 'westeurope'),
        kv(FINOPS.STREAM_ITL_MS, 22.5),
        kv(FINOPS.ATTEMPT, 1),
      ],
      status: { code: 0 },
    });
  }
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            kv('service.name', 'bench-svc'),
            kv('deployment.environment.name', 'production'),
          ],
        },
        scopeSpans: [{ scope: { name: 'llm-finops', version: '0.1.0' }, spans }],
      },
    ],
  };
}
