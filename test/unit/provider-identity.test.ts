// The one provider identity table: hosts, semconv names, legacy and other instrumentations'
// spellings, and LiteLLM price-file providers all resolve to the same gen_ai.provider.name,
// and the wrapper, the collector and pricing agree because they read the same table.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderLitellm } from '../../src/analytics/routing/render.js';
import { normalizeSpan } from '../../src/collector/processors/normalize.js';
import { endpointFromBaseURL } from '../../src/instrumentation/provider.js';
import { defaultCatalog, matchModel } from '../../src/pricing/index.js';
import {
  PRICE_DATABASE_IDS,
  PROVIDERS,
  canonicalProvider,
  litellmPrefixes,
  litellmProviderMatches,
  priceDatabaseId,
  providerFromHost,
  providerFromLitellm,
  regionFromHost,
  resolveProvider,
} from '../../src/shared/provider-identity.js';
import { GEN_AI_PROVIDER } from '../../src/shared/semconv.js';
import type { FeedDocument } from '../../src/routing-client/types.js';
import { makeSpan } from '../fixtures/spans/build.js';

const HOSTS: [string, string | undefined][] = [
  ['api.openai.com', 'openai'],
  ['API.OpenAI.com.', 'openai'],
  ['api.anthropic.com', 'anthropic'],
  ['contoso.openai.azure.com', 'azure.ai.openai'],
  ['contoso.cognitiveservices.azure.com', 'azure.ai.openai'],
  ['contoso.services.ai.azure.com', 'azure.ai.inference'],
  ['llama-serverless.eastus2.models.ai.azure.com', 'azure.ai.inference'],
  ['models.inference.ai.azure.com', 'azure.ai.inference'],
  ['bedrock-runtime.us-east-1.amazonaws.com', 'aws.bedrock'],
  ['bedrock.eu-west-3.amazonaws.com', 'aws.bedrock'],
  ['bedrock-runtime-fips.us-gov-west-1.amazonaws.com', 'aws.bedrock'],
  ['bedrock-agent-runtime.ap-southeast-2.amazonaws.com', 'aws.bedrock'],
  ['vpce-0a1b.bedrock-runtime.us-east-1.vpce.amazonaws.com', 'aws.bedrock'],
  ['bedrock-runtime.cn-north-1.amazonaws.com.cn', 'aws.bedrock'],
  // Not Bedrock: other AWS services, and look-alikes.
  ['runtime.sagemaker.us-east-1.amazonaws.com', undefined],
  ['my-bucket.s3.amazonaws.com', undefined],
  ['bedrock.example.com', undefined],
  ['us-central1-aiplatform.googleapis.com', 'gcp.vertex_ai'],
  ['aiplatform.googleapis.com', 'gcp.vertex_ai'],
  ['generativelanguage.googleapis.com', 'gcp.gemini'],
  ['api.mistral.ai', 'mistral_ai'],
  ['api.deepseek.com', 'deepseek'],
  ['api.x.ai', 'x_ai'],
  ['api.groq.com', 'groq'],
  ['api.cohere.com', 'cohere'],
  ['api.cohere.ai', 'cohere'],
  ['api.perplexity.ai', 'perplexity'],
  ['us-south.ml.cloud.ibm.com', 'ibm.watsonx.ai'],
  ['localhost', undefined],
  ['127.0.0.1', undefined],
  ['', undefined],
];

// Spellings seen on real spans: deprecated gen_ai.system values, the AI SDK's `<provider>.<api>`,
// OpenLIT, OpenInference, OpenLLMetry.
const SPELLINGS: [string, string][] = [
  ['OpenAI', 'openai'],
  ['openai.chat', 'openai'],
  ['openai.responses', 'openai'],
  ['anthropic.messages', 'anthropic'],
  ['az.ai.openai', 'azure.ai.openai'],
  ['az.ai.inference', 'azure.ai.inference'],
  ['azure-openai', 'azure.ai.openai'],
  ['azure', 'azure.ai.openai'],
  ['amazon-bedrock', 'aws.bedrock'],
  ['AWS', 'aws.bedrock'],
  ['bedrock', 'aws.bedrock'],
  ['vertex_ai', 'gcp.vertex_ai'],
  ['google.vertex', 'gcp.vertex_ai'],
  ['google.vertex.chat', 'gcp.vertex_ai'],
  ['gemini', 'gcp.gemini'],
  ['google.generative-ai', 'gcp.gemini'],
  ['google', 'gcp.gen_ai'],
  ['google.genai', 'gcp.gen_ai'],
  ['xai', 'x_ai'],
  ['mistral', 'mistral_ai'],
  ['ibm.watson.ai', 'ibm.watsonx.ai'],
  ['ollama', 'ollama'],
  ['vLLM', 'vllm'],
  ['', ''],
];

// LiteLLM's `litellm_provider` values (model_prices_and_context_window.json) -> provider.
const LITELLM: [string, string][] = [
  ['openai', 'openai'],
  ['text-completion-openai', 'openai'],
  ['anthropic', 'anthropic'],
  ['azure', 'azure.ai.openai'],
  ['azure_ai', 'azure.ai.inference'],
  ['bedrock', 'aws.bedrock'],
  ['bedrock_converse', 'aws.bedrock'],
  ['vertex_ai-language-models', 'gcp.vertex_ai'],
  ['vertex_ai-anthropic_models', 'gcp.vertex_ai'],
  ['gemini', 'gcp.gemini'],
  ['mistral', 'mistral_ai'],
  ['deepseek', 'deepseek'],
  ['xai', 'x_ai'],
  ['groq', 'groq'],
  ['cohere_chat', 'cohere'],
  ['perplexity', 'perplexity'],
  ['watsonx', 'ibm.watsonx.ai'],
];

describe('the identity table', () => {
  it.each(HOSTS)('host %s -> %s', (host, provider) => {
    expect(providerFromHost(host)).toBe(provider);
  });

  it('answers a host asked again (remembered) as the first time, past the memo bound too', () => {
    const first = HOSTS.map(([host]) => providerFromHost(host));
    expect(HOSTS.map(([host]) => providerFromHost(host))).toEqual(first);
    expect(providerFromHost('llm.internal.example')).toBeUndefined();
    expect(providerFromHost('llm.internal.example')).toBeUndefined();
    for (let i = 0; i < 3000; i += 1) expect(providerFromHost(`h${i}.example`)).toBeUndefined();
    expect(HOSTS.map(([host]) => providerFromHost(host))).toEqual(HOSTS.map(([, p]) => p));
  });

  it('names every semconv well-known provider, each as itself', () => {
    const known = Object.values(GEN_AI_PROVIDER).sort();
    expect(PROVIDERS.map((p) => p.name).sort()).toEqual(known);
    for (const name of known) expect(canonicalProvider(name)).toBe(name);
  });

  it.each(SPELLINGS)('spelling %s -> %s', (raw, provider) => {
    expect(canonicalProvider(raw)).toBe(provider);
  });

  it.each(LITELLM)('litellm_provider %s -> %s', (lp, provider) => {
    expect(providerFromLitellm(lp)).toBe(provider);
    expect(litellmProviderMatches(provider, lp)).toBe(true);
  });

  it('gives every provider a price-file prefix, and the unknown-backend Google both', () => {
    for (const p of PROVIDERS) expect(litellmPrefixes(p.name).length).toBeGreaterThan(0);
    expect(litellmPrefixes('gcp.gen_ai')).toEqual(['gemini', 'vertex_ai']);
    expect(litellmProviderMatches('gcp.gen_ai', 'vertex_ai-language-models')).toBe(true);
    expect(litellmProviderMatches('gcp.gemini', 'vertex_ai-language-models')).toBe(false);
    expect(litellmProviderMatches('aws.bedrock', 'anthropic')).toBe(false);
    expect(litellmPrefixes('somevendor')).toEqual(['somevendor']);
  });

  it('every litellm_provider of a LiteLLM price file belongs to a known provider', () => {
    const data = JSON.parse(
      readFileSync(new URL('../fixtures/pricing/litellm-sample.json', import.meta.url), 'utf8'),
    ) as Record<string, { litellm_provider?: string }>;
    const lps = new Set(
      Object.entries(data)
        .filter(([key]) => key !== 'sample_spec') // LiteLLM's documentation entry
        .map(([, e]) => e.litellm_provider ?? ''),
    );
    lps.delete('');
    for (const lp of lps) expect(providerFromLitellm(lp), lp).toBeDefined();
  });

  it('maps providers to price-database ids the shipped data has', () => {
    const data = JSON.parse(
      readFileSync(new URL('../../src/pricing/data/genai-prices.json', import.meta.url), 'utf8'),
    ) as { providers: { id: string }[] };
    const ids = new Set(data.providers.map((p) => p.id));
    for (const [ours, theirs] of Object.entries(PRICE_DATABASE_IDS))
      expect(ids.has(theirs), `${ours} -> ${theirs}`).toBe(true);
    for (const p of PROVIDERS)
      expect(priceDatabaseId(p.name)).toBe(PRICE_DATABASE_IDS[p.name] ?? p.name);
  });

  it('corrects a generic "openai" by an Azure host, and otherwise trusts the declaration', () => {
    expect(resolveProvider('', 'api.groq.com')).toBe('groq');
    expect(resolveProvider('anthropic', 'api.openai.com')).toBe('anthropic');
    expect(resolveProvider('openai', 'x.openai.azure.com')).toBe('azure.ai.openai');
    expect(resolveProvider('', 'localhost')).toBe('');
  });

  it('reads the region of a Bedrock endpoint only', () => {
    expect(regionFromHost('bedrock-runtime.eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(regionFromHost('bedrock-runtime-fips.us-gov-west-1.amazonaws.com')).toBe(
      'us-gov-west-1',
    );
    expect(regionFromHost('runtime.sagemaker.us-east-1.amazonaws.com')).toBe('');
    expect(regionFromHost('api.openai.com')).toBe('');
  });

  it('imports nothing of ours but semconv and its table (the instrumentation package ships both)', () => {
    const imports = (file: string): (string | undefined)[] => {
      const src = readFileSync(new URL(`../../src/shared/${file}`, import.meta.url), 'utf8');
      return [...src.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    };
    expect(imports('provider-identity.ts')).toEqual(['./semconv.js', './provider-table.js']);
    expect(imports('provider-table.ts')).toEqual(['./semconv.js']);
  });
});

describe('wrapper, collector and pricing agree', () => {
  const collectorProvider = (host: string): string => {
    const span = makeSpan({
      name: 'chat m',
      spanId: 'c1c2c3c4c5c6c7c8',
      scopeName: 'homegrown',
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'm',
        'server.address': host,
        'gen_ai.usage.input_tokens': 1,
      },
    });
    const out = normalizeSpan(span, { captureContent: false }) as { call?: { provider: string } };
    return out.call?.provider ?? '';
  };

  it.each(HOSTS.filter(([h]) => h !== ''))('%s', (host, provider) => {
    // The wrapper on a client with this base URL (an unknown host keeps the client's provider).
    expect(endpointFromBaseURL(`https://${host}/v1`, 'fallback').provider).toBe(
      provider ?? 'fallback',
    );
    // The collector on a span that names no provider, only server.address.
    expect(collectorProvider(host)).toBe(provider ?? '');
  });

  it('a Google span of unknown backend is priced from the Gemini entries', () => {
    const m = matchModel(defaultCatalog(), { model: 'gemini-2.5-flash', provider: 'google' });
    expect(m.entry?.key).toMatch(/gemini-2\.5-flash$/);
    expect(m.steps.some((s) => s.detail?.includes("read as 'gcp.gen_ai'"))).toBe(true);
  });

  it('a Bedrock call is priced from a Bedrock entry, never the first-party one', () => {
    const m = matchModel(defaultCatalog(), {
      model: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
      provider: 'aws.bedrock',
    });
    // The database names Bedrock `aws`; a LiteLLM-format file `bedrock` / `bedrock_converse`.
    expect(m.entry?.provider).toMatch(/^(aws|bedrock)/);
  });
});

describe('the routing feed names providers the LiteLLM way from the same table', () => {
  it('renders `<route>/<model>` for any spelling a routing target uses', () => {
    const targets: Record<string, { provider: string; deployment?: string }> = {
      a: { provider: 'azure', deployment: 'ptu-east' },
      b: { provider: 'aws.bedrock' },
      c: { provider: 'google' },
      d: { provider: 'x_ai' },
      e: { provider: 'openai' },
      f: { provider: 'selfhosted' },
    };
    const doc = {
      feed_id: 'f',
      version: 1,
      generated_at: '2026-01-01T00:00:00Z',
      targets: Object.fromEntries(
        Object.entries(targets).map(([id, t]) => [id, { ...t, model: 'm', kind: 'on_demand' }]),
      ),
      pools: [
        {
          pool: 'p',
          tiers: [
            {
              tier: 0,
              name: 'on_demand',
              targets: Object.keys(targets).map((id) => ({ id, weight: 1, state: 'active' })),
            },
          ],
        },
      ],
    } as unknown as FeedDocument;
    const models = (renderLitellm(doc).model_list as { litellm_params: { model: string } }[]).map(
      (m) => m.litellm_params.model,
    );
    expect(models).toEqual([
      'azure/ptu-east',
      'bedrock/m',
      'vertex_ai/m',
      'xai/m',
      'openai/m',
      'selfhosted/m',
    ]);
  });
});
