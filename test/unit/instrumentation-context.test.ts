// Attribution, gateway facts, cache hits, outcomes, traceLlmCall, host safety and concurrency.
import { diag, DiagLogLevel, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Tracer, TracerProvider } from '@opentelemetry/api';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  getAttribution,
  instrumentOpenAI,
  recordCacheHit,
  recordOutcome,
  traceLlmCall,
  withAttribution,
  withGateway,
} from '../../src/instrumentation/index.js';
import { FINOPS, FINOPS_STREAM, GEN_AI, GENERAL } from '../../src/shared/semconv.js';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { only, startTestTelemetry } from '../fixtures/instrumentation/spans.js';
import type { TestTelemetry } from '../fixtures/instrumentation/spans.js';

let server: MockLlmServer;
let t: TestTelemetry;
let client: OpenAI;

beforeAll(async () => {
  server = await startMockLlmServer();
  t = startTestTelemetry();
  client = instrumentOpenAI(
    new OpenAI({ apiKey: 'sk', baseURL: server.openaiBaseURL, maxRetries: 0 }),
  );
});
afterAll(async () => {
  await t.telemetry.shutdown();
  await server.close();
});
beforeEach(() => t.reset());

const ask = (content: string) =>
  client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

describe('attribution and gateway facts', () => {
  it('withAttribution (nested, across awaits) and withGateway land on the span', async () => {
    await withAttribution({ route: '/chat', feature: 'support', tenant: 'acme' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      await withAttribution(
        { feature: 'summarize', promptVersion: 'v7', conversationId: 'conv-1' },
        async () => {
          expect(getAttribution()).toEqual({
            route: '/chat',
            feature: 'summarize',
            tenant: 'acme',
            promptVersion: 'v7',
            conversationId: 'conv-1',
          });
          await withGateway(
            {
              deployment: 'ptu-eu-1',
              capacityTier: 'provisioned',
              region: 'westeurope',
              attempt: 2,
              fallbackFrom: 'ptu-us-1',
              hedged: true,
              degraded: false,
            },
            () => ask('g'),
          );
        },
      );
    });
    const a = only(t.spans()).attributes;
    expect(a[FINOPS.ROUTE]).toBe('/chat');
    expect(a[FINOPS.FEATURE]).toBe('summarize');
    expect(a[FINOPS.TENANT]).toBe('acme');
    expect(a[FINOPS.PROMPT_VERSION]).toBe('v7');
    expect(a[GEN_AI.CONVERSATION_ID]).toBe('conv-1');
    expect(a[FINOPS.DEPLOYMENT]).toBe('ptu-eu-1');
    expect(a[FINOPS.CAPACITY_TIER]).toBe('provisioned');
    expect(a[GENERAL.CLOUD_REGION]).toBe('westeurope');
    expect(a[FINOPS.ATTEMPT]).toBe(2);
    expect(a[FINOPS.FALLBACK_FROM]).toBe('ptu-us-1');
    expect(a[FINOPS.HEDGED]).toBe(true);
    expect(a[FINOPS.DEGRADED]).toBe(false);
  });

  it('an unknown capacity tier is dropped, not written', async () => {
    await withGateway({ capacityTier: 'gold' as never }, () => ask('tier'));
    expect(only(t.spans()).attributes[FINOPS.CAPACITY_TIER]).toBeUndefined();
  });

  it('recordCacheHit: a GenAI span with no tokens', () => {
    withAttribution({ tenant: 't1' }, () =>
      recordCacheHit({ layer: 'semantic', provider: 'openai', model: 'gpt-4o-mini' }),
    );
    const span = only(t.spans());
    expect(span.name).toBe('chat gpt-4o-mini');
    const a = span.attributes;
    expect(a[FINOPS.CACHE_HIT]).toBe(true);
    expect(a[FINOPS.CACHE_LAYER]).toBe('semantic');
    expect(a[GEN_AI.OPERATION_NAME]).toBe('chat');
    expect(a[FINOPS.TENANT]).toBe('t1');
    expect(Object.keys(a).some((k) => k.startsWith('gen_ai.usage.'))).toBe(false);
  });

  it('recordOutcome: finops.outcome span in the same trace, with conversation id', async () => {
    const tracer = trace.getTracer('test');
    let traceId = '';
    await tracer.startActiveSpan('request', async (root) => {
      traceId = root.spanContext().traceId;
      await withAttribution({ tenant: 'acme', conversationId: 'conv-9' }, async () => {
        await ask('o');
        const ids = recordOutcome({ name: 'ticket_resolved', success: true, value: 12.5 });
        expect(ids?.traceId).toBe(traceId);
      });
      root.end();
    });
    const outcome = only(t.spans(), FINOPS.OUTCOME_SPAN_NAME);
    expect(outcome.spanContext().traceId).toBe(traceId);
    expect(outcome.attributes[FINOPS.OUTCOME_NAME]).toBe('ticket_resolved');
    expect(outcome.attributes[FINOPS.OUTCOME_SUCCESS]).toBe(true);
    expect(outcome.attributes[FINOPS.OUTCOME_VALUE]).toBe(12.5);
    expect(outcome.attributes[GEN_AI.CONVERSATION_ID]).toBe('conv-9');
    expect(outcome.attributes[FINOPS.TENANT]).toBe('acme');
    expect(only(t.spans(), 'chat gpt-4o-mini').spanContext().traceId).toBe(traceId);
  });
});

describe('traceLlmCall', () => {
  it('wraps any client; extractUsage with inputExcludesCache sums cache tokens', async () => {
    const out = await traceLlmCall(
      {
        provider: 'aws.bedrock',
        model: 'anthropic.claude-3-haiku',
        serverAddress: 'bedrock-runtime.eu-west-1.amazonaws.com',
      },
      async () => ({ usage: { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 90 } }),
      (r) => ({ ...r.usage, inputExcludesCache: true, finishReasons: ['end_turn'] }),
    );
    expect(out.usage.inputTokens).toBe(10);
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.PROVIDER_NAME]).toBe('aws.bedrock');
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBe(100);
    expect(a[GEN_AI.USAGE_CACHE_READ_INPUT_TOKENS]).toBe(90);
    expect(a[GEN_AI.RESPONSE_FINISH_REASONS]).toEqual(['end_turn']);
  });

  it('streams: chunk() gives TTFT; errors set error.type and rethrow', async () => {
    await traceLlmCall(
      { provider: 'gcp.vertex_ai', model: 'gemini-2.5-flash', stream: true },
      async (call) => {
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, 2));
          call.chunk();
        }
        call.record({ inputTokens: 3, outputTokens: 3 });
      },
    );
    const a = only(t.spans()).attributes;
    expect(a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(3);
    t.reset();
    class QuotaError extends Error {}
    await expect(
      traceLlmCall({ provider: 'x', model: 'm' }, () => Promise.reject(new QuotaError('no'))),
    ).rejects.toThrow('no');
    const s = only(t.spans());
    expect(s.status.code).toBe(SpanStatusCode.ERROR);
    expect(s.attributes[GENERAL.ERROR_TYPE]).toBe('QuotaError');
  });
});

describe('never break the host', () => {
  it('a tracer that throws: the original call still runs and returns', async () => {
    const broken: TracerProvider = {
      getTracer: () =>
        ({
          startSpan: () => {
            throw new Error('boom');
          },
        }) as unknown as Tracer,
    };
    const c = instrumentOpenAI(new OpenAI({ apiKey: 'sk', baseURL: server.openaiBaseURL }), {
      tracerProvider: broken,
    });
    const res = await c.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'safe' }],
    });
    expect(res.id).toBe('chatcmpl-safe');
    const stream = await c.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 's' }],
      stream: true,
    });
    let n = 0;
    for await (const _ of stream) n++;
    expect(n).toBe(4); // untouched: no usage chunk was requested
  });

  const brokenTracer: TracerProvider = {
    getTracer: () => {
      throw new Error('no tracer');
    },
  };

  /** Messages the wrapper sends to the OTel diag logger while `fn` runs. */
  async function diagDuring(fn: () => Promise<unknown> | unknown): Promise<string[]> {
    const seen: string[] = [];
    const log = (m: string): void => void seen.push(m);
    diag.setLogger(
      { error: log, warn: log, info: log, debug: log, verbose: log },
      { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true },
    );
    try {
      await fn();
    } finally {
      diag.disable();
    }
    return seen;
  }

  it('traceLlmCall without a span hands user code a usable, non-recording span', async () => {
    let recording: boolean | undefined;
    const logged = await diagDuring(async () => {
      const out = await traceLlmCall(
        { provider: 'x', model: 'm', tracerProvider: brokenTracer },
        (call) => {
          // What callers do unconditionally; it threw on `undefined` before.
          call.span.setAttribute('app.step', 'retrieve').addEvent('e').end();
          recording = call.span.isRecording();
          call.chunk();
          call.record({ inputTokens: 1 });
          return 'result';
        },
      );
      expect(out).toBe('result');
    });
    expect(recording).toBe(false);
    expect(logged.filter((m) => m.startsWith('llm-finops:'))).toEqual([
      expect.stringMatching(/could not start the LLM span/),
    ]);
    expect(t.spans()).toEqual([]);
  });

  it('a throwing extractUsage is logged through diag; the call returns and the span ends', async () => {
    const logged = await diagDuring(async () => {
      const out = await traceLlmCall(
        { provider: 'x', model: 'm' },
        async () => 42,
        () => {
          throw new Error('bad extractor');
        },
      );
      expect(out).toBe(42);
    });
    expect(logged.filter((m) => m.startsWith('llm-finops:'))).toEqual([
      expect.stringMatching(/extractUsage threw/),
    ]);
    expect(only(t.spans()).attributes[GEN_AI.USAGE_INPUT_TOKENS]).toBeUndefined();
  });

  it('failures the host never sees are logged, not swallowed: instrumenting, attribution', async () => {
    const hostile = {
      baseURL: 'https://api.openai.com/v1',
      get chat(): never {
        throw new Error('getter explodes');
      },
    } as unknown as OpenAI;
    const hostileAttribution = {
      get tenant(): never {
        throw new Error('getter explodes');
      },
    };
    const logged = await diagDuring(() => {
      expect(instrumentOpenAI(hostile)).toBe(hostile);
      expect(withAttribution(hostileAttribution, () => 'ran')).toBe('ran');
    });
    expect(logged.filter((m) => m.startsWith('llm-finops:'))).toEqual([
      expect.stringMatching(/could not instrument the OpenAI client/),
      expect.stringMatching(/could not set attribution/),
    ]);
  });

  it('a client without the expected shape is returned untouched', () => {
    const odd = { baseURL: 42, chat: null } as unknown as OpenAI;
    expect(instrumentOpenAI(odd)).toBe(odd);
  });
});

describe('concurrency', () => {
  it('1,000 concurrent calls under different tenants: each span carries its own tenant', async () => {
    const N = 1000;
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        withAttribution({ tenant: `tenant${i}` }, async () => {
          await new Promise((r) => setTimeout(r, i % 7));
          const stream = i % 2 === 0;
          if (!stream) return ask(`tenant${i}`);
          const s = await client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [{ role: 'user', content: `tenant${i}` }],
            stream: true,
          });
          for await (const _ of s) void _;
          return undefined;
        }),
      ),
    );
    const spans = t.spans();
    expect(spans).toHaveLength(N);
    for (const s of spans) {
      // The mock echoes the user message (the tenant) in the response id.
      expect(s.attributes[GEN_AI.RESPONSE_ID]).toBe(
        `chatcmpl-${String(s.attributes[FINOPS.TENANT])}`,
      );
    }
    expect(new Set(spans.map((s) => s.attributes[FINOPS.TENANT])).size).toBe(N);
  }, 60_000);
});
