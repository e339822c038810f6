// Model-name normalization and catalog matching: every id style, with the reason recorded.
import { describe, expect, it } from 'vitest';
import {
  createCatalog,
  defaultCatalog,
  loadCatalog,
  matchModel,
  normalizeModelName,
  parseOverrides,
  stripSnapshot,
} from '../../src/pricing/index.js';

const LITELLM = new URL('../fixtures/pricing/litellm-sample.json', import.meta.url).pathname;

describe('normalizeModelName', () => {
  // [input, normalized, a fragment of the recorded rewrite (or '' when none)]
  const CASES: Array<[string, string, string]> = [
    ['gpt-4o', 'gpt-4o', ''],
    ['GPT-4o ', 'gpt-4o', 'lower-cased/trimmed'],
    ['openai/gpt-4o', 'gpt-4o', 'path/provider prefix removed'],
    ['azure/gpt-4o-mini', 'gpt-4o-mini', 'path/provider prefix removed'],
    ['models/gemini-2.5-flash', 'gemini-2.5-flash', 'path/provider prefix removed'],
    ['publishers/google/models/gemini-2.5-pro', 'gemini-2.5-pro', 'path/provider prefix removed'],
    [
      'projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-pro',
      'gemini-2.5-pro',
      'path/provider prefix removed',
    ],
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5-20250929', "vertex '@' version separator"],
    [
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
      'claude-3-5-sonnet-20240620',
      'bedrock version suffix removed',
    ],
    [
      'us.anthropic.claude-sonnet-4-20250514-v1:0',
      'claude-sonnet-4-20250514',
      'bedrock region prefix removed',
    ],
    ['apac.amazon.nova-pro-v1:0', 'nova-pro', 'bedrock vendor prefix removed'],
    [
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0',
      'claude-sonnet-4-20250514',
      'bedrock ARN resource id',
    ],
    [
      'arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0',
      'claude-3-5-haiku-20241022',
      'bedrock ARN resource id',
    ],
    ['anthropic.claude-v2', 'claude-v2', 'bedrock vendor prefix removed'],
  ];
  it.each(CASES)('%s -> %s', (input, name, why) => {
    const n = normalizeModelName(input);
    expect(n.name).toBe(name);
    if (why === '') expect(n.rewrites).toEqual([]);
    else expect(n.rewrites.join('\n')).toContain(why);
  });

  it('is deterministic and idempotent', () => {
    for (const [input] of CASES) {
      const once = normalizeModelName(input).name;
      expect(normalizeModelName(once).name).toBe(once);
    }
  });
});

describe('stripSnapshot', () => {
  const CASES: Array<[string, string | undefined]> = [
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet'],
    ['gpt-4-0613', 'gpt-4'],
    ['gemini-2.0-flash-001', 'gemini-2.0-flash'],
    ['claude-3-5-haiku-latest', 'claude-3-5-haiku'],
    ['gpt-4o', undefined],
  ];
  it.each(CASES)('%s -> %s', (input, expected) =>
    expect(stripSnapshot(input)?.name).toBe(expected),
  );
});

describe('matchModel (a LiteLLM-format file: keyed lookup)', () => {
  const catalog = loadCatalog({ pricesFile: LITELLM, useDatabase: false });
  // [model, provider, expected key ('' = unpriced), rule of the hit, grouped model name]
  const CASES: Array<[string, string, string, string, string]> = [
    ['gpt-4o', 'openai', 'gpt-4o', 'exact', 'gpt-4o'],
    ['GPT-4O', 'openai', 'gpt-4o', 'exact', 'gpt-4o'],
    ['gpt-4o', 'azure.ai.openai', 'azure/gpt-4o', 'exact', 'gpt-4o'],
    ['gpt-4o-2024-05-13', 'openai', 'gpt-4o-2024-05-13', 'exact', 'gpt-4o-2024-05-13'],
    ['gpt-4o-2024-08-06', 'openai', 'gpt-4o-2024-08-06', 'exact', 'gpt-4o-2024-08-06'],
    ['gpt-4o-2024-11-20', 'openai', 'gpt-4o', 'snapshot', 'gpt-4o'],
    ['gpt-4o-2024-11-20', 'azure.ai.openai', 'azure/gpt-4o', 'snapshot', 'gpt-4o'],
    ['openai/gpt-4.1-mini', '', 'gpt-4.1-mini', 'normalized', 'gpt-4.1-mini'],
    [
      'claude-sonnet-4-5-20250929',
      'anthropic',
      'claude-sonnet-4-5-20250929',
      'exact',
      'claude-sonnet-4-5-20250929',
    ],
    [
      'claude-sonnet-4-5@20250929',
      'gcp.vertex_ai',
      'vertex_ai/claude-sonnet-4-5@20250929',
      'exact',
      'claude-sonnet-4-5-20250929',
    ],
    [
      'claude-sonnet-4-5@20250929',
      'anthropic',
      'claude-sonnet-4-5-20250929',
      'normalized',
      'claude-sonnet-4-5-20250929',
    ],
    [
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
      'aws.bedrock',
      'anthropic.claude-3-5-sonnet-20240620-v1:0',
      'exact',
      'claude-3-5-sonnet-20240620',
    ],
    [
      'us.anthropic.claude-sonnet-4-20250514-v1:0',
      'aws.bedrock',
      'anthropic.claude-sonnet-4-20250514-v1:0',
      'normalized',
      'claude-sonnet-4-20250514',
    ],
    [
      'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'aws.bedrock',
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'normalized',
      'claude-sonnet-4-5-20250929',
    ],
    [
      'projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro',
      'gcp.vertex_ai',
      'gemini-2.5-pro',
      'normalized',
      'gemini-2.5-pro',
    ],
    ['gemini-2.5-pro', 'gcp.gemini', 'gemini/gemini-2.5-pro', 'exact', 'gemini-2.5-pro'],
    [
      'models/gemini-2.5-flash',
      'gcp.gemini',
      'gemini/gemini-2.5-flash',
      'normalized',
      'gemini-2.5-flash',
    ],
    [
      'mistral-large-2411',
      'mistral_ai',
      'mistral/mistral-large-2411',
      'exact',
      'mistral-large-2411',
    ],
    ['deepseek-chat', 'deepseek', 'deepseek/deepseek-chat', 'exact', 'deepseek-chat'],
    // Provider-first: an Anthropic model called through Bedrock is priced from the Bedrock entry.
    [
      'claude-sonnet-4-20250514',
      'aws.bedrock',
      'anthropic.claude-sonnet-4-20250514-v1:0',
      'normalized',
      'claude-sonnet-4-20250514',
    ],
    // No OpenAI entry for a Gemini model: priced across providers, and said so.
    ['gemini-2.5-flash', 'openai', 'gemini/gemini-2.5-flash', 'cross-provider', 'gemini-2.5-flash'],
    ['gpt-99-ultra', 'openai', '', '', 'gpt-99-ultra'],
    ['', 'openai', '', '', ''],
  ];
  it.each(CASES)('%s [%s] -> %s by %s', (model, provider, key, rule, grouped) => {
    const m = matchModel(catalog, { model, provider });
    expect(m.entry?.key ?? '').toBe(key);
    expect(m.model).toBe(grouped);
    const last = m.steps.at(-1);
    if (key === '') {
      expect(last?.outcome).toBe('miss');
    } else {
      expect(last).toMatchObject({ outcome: 'hit', rule });
      expect(last?.detail).toContain(key);
    }
  });
});

describe('matchModel (the price database)', () => {
  const catalog = defaultCatalog();
  // [model, provider, expected entry ('' = unpriced), rule of the last step, grouped model name]
  const CASES: Array<[string, string, string, string, string]> = [
    ['gpt-4o', 'openai', 'openai:gpt-4o', 'database', 'gpt-4o'],
    ['GPT-4O-2024-08-06', 'openai', 'openai:gpt-4o', 'database', 'gpt-4o-2024-08-06'],
    // A snapshot the data prices on its own is not folded into the family.
    ['gpt-4o-2024-05-13', 'openai', 'openai:gpt-4o-2024-05-13', 'database', 'gpt-4o-2024-05-13'],
    // Azure: its own price where the data has one, else OpenAI's (declared by the data).
    ['o3', 'azure.ai.openai', 'azure:o3-2025-04-16', 'database', 'o3'],
    ['gpt-4o', 'azure.ai.openai', 'openai:gpt-4o', 'provider-fallback', 'gpt-4o'],
    [
      'claude-sonnet-4-5-20250929',
      'anthropic',
      'anthropic:claude-sonnet-4-5',
      'database',
      'claude-sonnet-4-5-20250929',
    ],
    [
      'claude-sonnet-4-5@20250929',
      'gcp.vertex_ai',
      'google:claude-sonnet-4-5',
      'database',
      'claude-sonnet-4-5-20250929',
    ],
    // Bedrock: cross-region (us./eu.) profiles at the regional price, global. at the global one.
    [
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'aws.bedrock',
      'aws:regional.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'database',
      'claude-sonnet-4-5-20250929',
    ],
    [
      'global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'aws.bedrock',
      'aws:global.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'database',
      'claude-sonnet-4-5-20250929',
    ],
    [
      'arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'aws.bedrock',
      'aws:regional.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'database',
      'claude-sonnet-4-5-20250929',
    ],
    [
      'projects/p/locations/us-central1/publishers/google/models/gemini-2.5-pro',
      'gcp.vertex_ai',
      'google:gemini-2.5-pro',
      'database',
      'gemini-2.5-pro',
    ],
    [
      'models/gemini-2.5-flash',
      'gcp.gemini',
      'google:gemini-2.5-flash',
      'database',
      'gemini-2.5-flash',
    ],
    ['deepseek-chat', 'deepseek', 'deepseek:deepseek-chat', 'database', 'deepseek-chat'],
    ['grok-3', 'x_ai', 'x-ai:grok-3', 'database', 'grok-3'],
    // No provider on the call: the data's model_match says who serves it.
    ['claude-haiku-4-5', '', 'anthropic:claude-haiku-4-5', 'database', 'claude-haiku-4-5'],
    // No OpenAI model for a Gemini name: priced across providers, and said so.
    ['gemini-2.5-flash', 'openai', 'google:gemini-2.5-flash', 'cross-provider', 'gemini-2.5-flash'],
    ['gpt-99-ultra', 'openai', '', '', 'gpt-99-ultra'],
  ];
  it.each(CASES)('%s [%s] -> %s by %s', (model, provider, key, rule, grouped) => {
    const m = matchModel(catalog, { model, provider });
    expect(m.entry?.key ?? '').toBe(key);
    expect(m.model).toBe(grouped);
    expect(m.crossProvider).toBe(rule === 'cross-provider');
    const last = m.steps.at(-1);
    if (key === '') {
      expect(last?.outcome).toBe('miss');
    } else {
      expect(last).toMatchObject({ outcome: 'hit', rule });
      expect(last?.detail).toContain(key);
    }
  });
});

describe('matchModel with aliases and deployment maps', () => {
  const catalog = createCatalog({
    prices: {
      'gpt-4o': {
        litellm_provider: 'openai',
        input_cost_per_token: 2.5e-6,
        output_cost_per_token: 1e-5,
      },
    },
    label: 'test',
    overrides: parseOverrides({
      aliases: { 'Fast-Chat': 'gpt-4o' },
      deployments: { 'from-overrides': 'gpt-4o' },
    }),
    deploymentModels: { 'Prod-Chat-EastUS': 'gpt-4o' },
  });

  it('Azure deployment name (call deployment field) -> model, case-insensitive', () => {
    const m = matchModel(catalog, {
      model: 'prod-chat-eastus',
      provider: 'azure.ai.openai',
      deployment: 'PROD-CHAT-EASTUS',
    });
    expect(m.entry?.key).toBe('gpt-4o');
    expect(m.steps[0]).toMatchObject({ rule: 'deployment', outcome: 'rewrite' });
    expect(m.steps.at(-1)?.rule).toBe('cross-provider');
  });

  it('deployment name arriving as the model name', () => {
    const m = matchModel(catalog, { model: 'from-overrides' });
    expect(m.entry?.key).toBe('gpt-4o');
    expect(m.steps[0]?.detail).toContain("model 'from-overrides' -> 'gpt-4o'");
  });

  it('alias, case-insensitive and after normalization', () => {
    for (const model of ['fast-chat', 'openai/FAST-CHAT']) {
      const m = matchModel(catalog, { model });
      expect(m.entry?.key).toBe('gpt-4o');
      expect(m.steps.some((s) => s.rule === 'alias')).toBe(true);
    }
  });
});
