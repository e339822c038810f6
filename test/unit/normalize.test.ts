// Table-driven normalization: one realistic payload per instrumentation style, asserting the
// fields that drive cost, latency and attribution.
import { describe, expect, it } from 'vitest';
import type { LlmCall } from '../../src/collector/call.js';
import type { SpanRecord } from '../../src/collector/span.js';
import { normalizeSpan } from '../../src/collector/processors/normalize.js';
import { MS, T0, TRACE_ID } from '../fixtures/spans/build.js';
import { anthropicRawAmbiguous, anthropicRawExclusive } from '../fixtures/spans/anthropic-raw.js';
import { httpServerSpan, traceloopWorkflow } from '../fixtures/spans/misc.js';
import {
  openaiJs429,
  openaiJsAzure,
  openaiJsChat,
  openaiJsEmbeddings,
  openaiJsResponses,
} from '../fixtures/spans/openai-js.js';
import {
  openinferenceBedrockAnthropic,
  openinferenceChain,
  openinferenceEmbedding,
  openinferenceLlm,
} from '../fixtures/spans/openinference.js';
import { openlitChat, openlitVertex } from '../fixtures/spans/openlit.js';
import {
  openllmetryAnthropic,
  openllmetryCurrentChat,
  openllmetryLegacyChat,
} from '../fixtures/spans/openllmetry.js';
import {
  finopsWrapperAnthropic,
  finopsWrapperChat,
  legacyAzureNoOperation,
  legacySemconvChat,
} from '../fixtures/spans/semconv.js';
import { v7Chat, v7ExecuteTool, v7InvokeAgent } from '../fixtures/spans/vercel-v7.js';
import {
  vercelAnthropicV4Generate,
  vercelAnthropicV5Stream,
  vercelDoEmbed,
  vercelDoGenerate,
  vercelDoStream,
  vercelEmbedMany,
  vercelGenerateText,
  vercelStreamText,
  vercelToolCall,
} from '../fixtures/spans/vercel.js';

function call(span: SpanRecord, captureContent = false): LlmCall {
  const r = normalizeSpan(span, { captureContent });
  if (r.type !== 'call') throw new Error(`expected a call, got ${JSON.stringify(r)}`);
  return r.call;
}

const tokens = (
  input: number,
  cacheRead: number,
  cacheCreation: number,
  output: number,
  reasoning: number,
) => ({
  input_tokens: input,
  cache_read_tokens: cacheRead,
  cache_creation_tokens: cacheCreation,
  output_tokens: output,
  reasoning_tokens: reasoning,
});
const ZERO = tokens(0, 0, 0, 0, 0);

const cases: Array<[string, SpanRecord, Partial<LlmCall>]> = [
  [
    'semconv: our wrapper, every field',
    finopsWrapperChat,
    {
      call_id: `${TRACE_ID}-00f067aa0ba902b7`,
      trace_id: TRACE_ID,
      span_id: '00f067aa0ba902b7',
      parent_span_id: 'a1b2c3d4e5f60718',
      start_time_ns: T0,
      end_time_ns: T0 + 2_350_500_000n,
      duration_ms: 2350.5,
      span_name: 'chat gpt-4o',
      scope_name: 'llm-finops',
      source: 'llm_finops',
      kind: 'inference',
      service: 'support-bot',
      environment: 'prod',
      route: '/v1/support/answer',
      feature: 'order-status',
      tenant: 'acme',
      provider: 'openai',
      operation: 'chat',
      request_model: 'gpt-4o',
      response_model: 'gpt-4o-2024-08-06',
      model: '',
      deployment: 'gpt4o-ptu-weu',
      capacity_tier: 'provisioned',
      region: 'westeurope',
      server_address: 'api.openai.com',
      service_tier: 'default',
      streaming: true,
      status: 'ok',
      error_type: '',
      http_status: 0,
      finish_reason: 'stop',
      ...tokens(1200, 1024, 0, 85, 0),
      ttft_ms: 412,
      itl_ms: 18.25,
      itl_p95_ms: 41.5,
      attempt: 2,
      fallback_from: 'gpt4o-ptu-eus',
      hedged: true,
      degraded: false,
      cache_layer: 'semantic',
      cache_hit: false,
      prompt_version: 'support-answer@v7',
      conversation_id: 'conv_5f1c2a',
      warnings: [],
      input_content: '',
      output_content: '',
      priced: false,
      cost_total: '0',
    },
  ],
  [
    'semconv: our wrapper on Anthropic is already inclusive',
    finopsWrapperAnthropic,
    {
      source: 'llm_finops',
      provider: 'anthropic',
      finish_reason: 'end_turn',
      ...tokens(2572, 2048, 512, 410, 0),
      warnings: [],
    },
  ],
  [
    'semconv legacy: gen_ai.system + prompt/completion tokens',
    legacySemconvChat,
    {
      source: 'semconv_legacy',
      provider: 'openai',
      operation: 'chat',
      service: 'reco-worker',
      environment: 'staging',
      ...tokens(512, 0, 0, 128, 0),
      finish_reason: 'length',
      service_tier: 'flex',
      capacity_tier: 'flex',
    },
  ],
  [
    'semconv legacy: az.ai.openai, operation from span name',
    legacyAzureNoOperation,
    {
      source: 'semconv_legacy',
      provider: 'azure.ai.openai',
      operation: 'chat',
      kind: 'inference',
      ...tokens(90, 0, 0, 12, 0),
    },
  ],
  [
    'openai-js: chat completions',
    openaiJsChat,
    {
      source: 'openai_js',
      provider: 'openai',
      kind: 'inference',
      operation: 'chat',
      request_model: 'gpt-4o-mini',
      response_model: 'gpt-4o-mini-2024-07-18',
      service: 'search-api',
      duration_ms: 812,
      ...tokens(341, 0, 0, 57, 0),
      finish_reason: 'stop',
      streaming: false,
      ttft_ms: null,
      server_address: 'api.openai.com',
      // The instrumentation never reports cached tokens: the row says its cost is an estimate.
      usage_incomplete: true,
      warnings: ['usage_incomplete:no_cache_tokens'],
    },
  ],
  [
    'openai-js: embeddings',
    openaiJsEmbeddings,
    {
      source: 'openai_js',
      kind: 'embeddings',
      operation: 'embeddings',
      request_model: 'text-embedding-3-small',
      ...tokens(8, 0, 0, 0, 0),
      usage_incomplete: false,
    },
  ],
  [
    'openai-js: responses API',
    openaiJsResponses,
    {
      source: 'openai_js',
      provider: 'openai',
      response_model: 'o4-mini-2025-04-16',
      conversation_id: 'conv_689667905b048191b4740501625afd940c7533ace33a2dab',
      ...tokens(1532, 0, 0, 911, 0),
    },
  ],
  [
    'openai-js: failed 429 attempt is a call with its error and no tokens',
    openaiJs429,
    {
      kind: 'inference',
      status: 'error',
      error_type: 'RateLimitError',
      http_status: 429,
      request_model: 'gpt-4o',
      attempt: 1,
      ...ZERO,
    },
  ],
  [
    'openai-js: Azure base URL corrects provider openai',
    openaiJsAzure,
    { provider: 'azure.ai.openai', request_model: 'prod-gpt4o' },
  ],
  [
    'openllmetry legacy: openai.chat, llm.request.type',
    openllmetryLegacyChat,
    {
      source: 'openllmetry',
      provider: 'openai',
      operation: 'chat',
      kind: 'inference',
      request_model: 'gpt-4o',
      ...tokens(231, 0, 0, 29, 0),
      finish_reason: 'stop',
      conversation_id: 'sess-8841',
    },
  ],
  [
    'openllmetry current: 1.40 names, JSON-string finish reasons',
    openllmetryCurrentChat,
    {
      source: 'openllmetry',
      ...tokens(3050, 2944, 0, 44, 0),
      finish_reason: 'tool_call',
      warnings: [],
    },
  ],
  [
    'openllmetry anthropic: cache already added into input',
    openllmetryAnthropic,
    {
      source: 'openllmetry',
      provider: 'anthropic',
      ...tokens(5130, 4096, 1000, 300, 0),
      warnings: [],
    },
  ],
  [
    'openlit: span-level TTFT/TPOT seconds, env and service on the span',
    openlitChat,
    {
      source: 'openlit',
      provider: 'openai',
      service: 'research-agent',
      environment: 'production',
      streaming: true,
      ttft_ms: 1250,
      itl_ms: 12.5,
      itl_p95_ms: null,
      ...tokens(820, 0, 0, 1900, 1408),
      service_tier: 'priority',
      capacity_tier: 'priority',
      finish_reason: 'stop',
    },
  ],
  [
    'openlit: vertex_ai provider value',
    openlitVertex,
    { source: 'openlit', provider: 'gcp.vertex_ai', streaming: false },
  ],
  [
    'openinference: LLM span with llm.token_count.* and cache_read',
    openinferenceLlm,
    {
      source: 'openinference',
      kind: 'inference',
      operation: 'chat',
      provider: 'openai',
      request_model: 'gpt-4o-2024-08-06',
      response_model: 'gpt-4o-2024-08-06',
      ...tokens(2000, 1536, 0, 150, 0),
      conversation_id: 'kb-sess-77',
      ttft_ms: null,
    },
  ],
  [
    'openinference: Anthropic on Bedrock, inclusive prompt',
    openinferenceBedrockAnthropic,
    {
      provider: 'aws.bedrock',
      ...tokens(6050, 4000, 2000, 220, 0),
      finish_reason: 'end_turn',
      warnings: [],
    },
  ],
  [
    'openinference: EMBEDDING',
    openinferenceEmbedding,
    { kind: 'embeddings', operation: 'embeddings', ...tokens(42, 0, 0, 0, 0) },
  ],
  [
    'vercel: ai.generateText wrapper is zeroed',
    vercelGenerateText,
    {
      source: 'vercel_ai',
      kind: 'wrapper',
      operation: 'chat',
      provider: 'openai',
      request_model: 'gpt-4o-mini',
      ...ZERO,
      conversation_id: 'chat-4412',
    },
  ],
  [
    'vercel: doGenerate with promptTokens',
    vercelDoGenerate,
    {
      source: 'vercel_ai',
      kind: 'inference',
      provider: 'openai',
      request_model: 'gpt-4o-mini',
      response_model: 'gpt-4o-mini-2024-07-18',
      ...tokens(14, 0, 0, 5, 0),
      finish_reason: 'stop',
      streaming: false,
      conversation_id: 'chat-4412',
      warnings: [],
    },
  ],
  ['vercel: ai.streamText wrapper is zeroed', vercelStreamText, { kind: 'wrapper', ...ZERO }],
  [
    'vercel: doStream with inputTokens, cachedInputTokens, msToFirstChunk',
    vercelDoStream,
    {
      kind: 'inference',
      provider: 'openai',
      ...tokens(1800, 1024, 0, 240, 128),
      ttft_ms: 287.4,
      streaming: true,
      service_tier: 'flex',
      capacity_tier: 'flex',
      finish_reason: 'stop',
      response_model: 'gpt-5-mini-2025-08-07',
    },
  ],
  [
    'vercel: Anthropic ai 5.x raw input is exclusive (raw usage in providerMetadata)',
    vercelAnthropicV5Stream,
    {
      provider: 'anthropic',
      ...tokens(2572, 2048, 512, 410, 0),
      ttft_ms: 640,
      service_tier: 'standard',
      warnings: ['input_cache_added:vercel_anthropic_raw_input_exclusive'],
    },
  ],
  [
    'vercel: Anthropic ai 4.x cache only in providerMetadata',
    vercelAnthropicV4Generate,
    {
      provider: 'anthropic',
      ...tokens(2572, 2048, 512, 410, 0),
      warnings: ['input_cache_added:vercel_anthropic_legacy_input_exclusive'],
    },
  ],
  ['vercel: ai.toolCall', vercelToolCall, { kind: 'tool', operation: 'execute_tool', ...ZERO }],
  [
    'vercel: ai.embedMany wrapper',
    vercelEmbedMany,
    { kind: 'wrapper', operation: 'embeddings', ...ZERO },
  ],
  [
    'vercel: doEmbed with ai.usage.tokens',
    vercelDoEmbed,
    {
      kind: 'embeddings',
      operation: 'embeddings',
      provider: 'openai',
      ...tokens(64, 0, 0, 0, 0),
    },
  ],
  [
    'ai sdk v7: invoke_agent is zeroed',
    v7InvokeAgent,
    {
      source: 'vercel_ai',
      kind: 'agent',
      operation: 'invoke_agent',
      provider: 'anthropic',
      ...ZERO,
      conversation_id: 'trip-991',
    },
  ],
  [
    'ai sdk v7: chat with seconds-valued metric attributes',
    v7Chat,
    {
      source: 'vercel_ai',
      kind: 'inference',
      provider: 'anthropic',
      ...tokens(2572, 2048, 512, 410, 0),
      ttft_ms: 520,
      itl_ms: 30.1,
      itl_p95_ms: 90,
      streaming: true,
      finish_reason: 'tool_call',
      warnings: [],
    },
  ],
  ['ai sdk v7: execute_tool', v7ExecuteTool, { kind: 'tool', operation: 'execute_tool', ...ZERO }],
  [
    'anthropic raw: input below cache is exclusive (safety rule)',
    anthropicRawExclusive,
    {
      source: 'semconv_legacy',
      provider: 'anthropic',
      ...tokens(2572, 2048, 512, 77, 0),
      warnings: ['input_cache_added:input_below_cache'],
    },
  ],
  [
    'anthropic raw: input above cache is taken as inclusive (documented limit)',
    anthropicRawAmbiguous,
    {
      ...tokens(3000, 2048, 0, 10, 0),
      warnings: [],
    },
  ],
];

describe('normalizeSpan: one payload per instrumentation style', () => {
  it.each(cases)('%s', (_name, span, expected) => {
    expect(call(span)).toMatchObject(expected);
  });

  it('never lets a non-billable row carry tokens', () => {
    for (const [, span] of cases) {
      const c = call(span);
      if (c.kind !== 'inference' && c.kind !== 'embeddings') expect(c).toMatchObject(ZERO);
    }
  });

  it('classifies non-GenAI spans as other', () => {
    for (const span of [openinferenceChain, httpServerSpan, traceloopWorkflow]) {
      expect(normalizeSpan(span, { captureContent: true })).toEqual({ type: 'other' });
    }
  });

  it('adds reasoning into output when the source reported it separately (reasoning > output)', () => {
    const span = {
      ...openlitVertex,
      attributes: { ...openlitVertex.attributes, 'gen_ai.usage.reasoning_tokens': 80 },
    };
    expect(call(span)).toMatchObject({
      output_tokens: 130,
      reasoning_tokens: 80,
      warnings: ['output_reasoning_added:output_below_reasoning'],
    });
  });

  it('reads the AI SDK firstChunk event when the attribute is missing', () => {
    const { 'ai.response.msToFirstChunk': _drop, ...attributes } = vercelDoStream.attributes;
    const events = [{ name: 'ai.stream.firstChunk', timeUnixNano: T0 + 300n * MS, attributes: {} }];
    expect(call({ ...vercelDoStream, attributes, events })).toMatchObject({
      ttft_ms: 300,
      streaming: true,
    });
  });
});
