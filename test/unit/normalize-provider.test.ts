// Provider and operation canonicalization tables.
import { describe, expect, it } from 'vitest';
import {
  canonicalOperation,
  canonicalProvider,
  providerFromHost,
  regionFromHost,
  resolveProvider,
} from '../../src/collector/processors/normalize-provider.js';
import { normalizeSpan } from '../../src/collector/processors/normalize.js';
import { makeSpan } from '../fixtures/spans/build.js';

describe('canonicalProvider', () => {
  it.each([
    ['openai', 'openai'],
    ['OpenAI', 'openai'],
    ['openai.chat', 'openai'],
    ['openai.responses', 'openai'],
    ['anthropic.messages', 'anthropic'],
    ['azure-openai', 'azure.ai.openai'],
    ['az.ai.openai', 'azure.ai.openai'],
    ['az.ai.inference', 'azure.ai.inference'],
    ['google.vertex', 'gcp.vertex_ai'],
    ['google.vertex.chat', 'gcp.vertex_ai'],
    ['vertex_ai', 'gcp.vertex_ai'],
    ['gemini', 'gcp.gemini'],
    ['google.generative-ai', 'gcp.gemini'],
    ['amazon-bedrock', 'aws.bedrock'],
    ['xai', 'x_ai'],
    ['mistral', 'mistral_ai'],
    ['ibm.watson.ai', 'ibm.watsonx.ai'],
    ['ollama', 'ollama'],
    ['', ''],
  ])('%s -> %s', (raw, expected) => {
    expect(canonicalProvider(raw)).toBe(expected);
  });
});

describe('host-derived provider and region', () => {
  it.each([
    ['api.openai.com', 'openai'],
    ['contoso.openai.azure.com', 'azure.ai.openai'],
    ['api.anthropic.com', 'anthropic'],
    ['bedrock-runtime.us-east-1.amazonaws.com', 'aws.bedrock'],
    ['us-central1-aiplatform.googleapis.com', 'gcp.vertex_ai'],
    ['generativelanguage.googleapis.com', 'gcp.gemini'],
    ['api.groq.com', 'groq'],
    ['localhost', ''],
  ])('%s -> %s', (host, expected) => {
    expect(providerFromHost(host)).toBe(expected);
  });

  it('uses the host only as a last resort, except Azure behind a generic "openai"', () => {
    expect(resolveProvider('', 'api.groq.com')).toBe('groq');
    expect(resolveProvider('anthropic', 'api.openai.com')).toBe('anthropic');
    expect(resolveProvider('openai', 'x.openai.azure.com')).toBe('azure.ai.openai');
  });

  it('reads the region of a Bedrock endpoint', () => {
    expect(regionFromHost('bedrock-runtime.eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(regionFromHost('api.openai.com')).toBe('');
  });

  it('fills provider and region from server.address on a span that names neither', () => {
    const span = makeSpan({
      name: 'chat llama-3.3-70b',
      spanId: 'b1b2b3b4b5b6b7b8',
      scopeName: 'homegrown',
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'meta.llama3-3-70b-instruct-v1:0',
        'server.address': 'bedrock-runtime.us-west-2.amazonaws.com',
        'gen_ai.usage.input_tokens': 10,
      },
    });
    expect(normalizeSpan(span, { captureContent: false })).toMatchObject({
      call: { provider: 'aws.bedrock', region: 'us-west-2', source: 'semconv' },
    });
  });
});

describe('canonicalOperation', () => {
  it.each([
    ['completion', 'text_completion'],
    ['embedding', 'embeddings'],
    ['CHAT', 'chat'],
    ['rerank', 'rerank'],
    ['plan', 'plan'],
  ])('%s -> %s', (raw, expected) => expect(canonicalOperation(raw)).toBe(expected));
});
