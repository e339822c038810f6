// Operation canonicalization, and the provider identity table seen through the collector's
// normalizer (the table itself: provider-identity.test.ts).
import { describe, expect, it } from 'vitest';
import { canonicalOperation } from '../../src/collector/processors/normalize-provider.js';
import { normalizeSpan } from '../../src/collector/processors/normalize.js';
import { makeSpan } from '../fixtures/spans/build.js';

describe('provider from the span', () => {
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
