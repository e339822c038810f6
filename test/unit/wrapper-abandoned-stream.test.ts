// A stream the caller stops: before its first chunk (a gateway's TTFT deadline) or by aborting
// mid-stream, the span ends as a failure naming how; a `break` after output began stays ok. The
// real `openai` client against the local mock server, spans captured in memory.
import { SpanStatusCode } from '@opentelemetry/api';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrumentOpenAI } from '../../src/instrumentation/index.js';
import { FINOPS_STREAM, GEN_AI, GENERAL, STREAM_ERROR_TYPE } from '../../src/shared/semconv.js';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { only, startTestTelemetry, waitFor } from '../fixtures/instrumentation/spans.js';
import type { TestTelemetry } from '../fixtures/instrumentation/spans.js';

let server: MockLlmServer;
let t: TestTelemetry;
let client: OpenAI;

beforeAll(async () => {
  server = await startMockLlmServer();
  t = startTestTelemetry();
  client = instrumentOpenAI(
    new OpenAI({ apiKey: 'sk-test', baseURL: server.openaiBaseURL, maxRetries: 0 }),
  );
});
afterAll(async () => {
  await t.telemetry.shutdown();
  await server.close();
});
beforeEach(() => t.reset());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ask = (model: string, content: string, signal?: AbortSignal) =>
  client.chat.completions.create(
    { model, messages: [{ role: 'user', content }], stream: true },
    signal ? { signal } : undefined,
  );

/** Reads the stream to its end (an aborted openai stream ends quietly or throws). */
async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  try {
    for await (const _ of stream) n++;
  } catch {
    // the caller's own abort may surface as an error: what matters is the span
  }
  return n;
}

async function ended() {
  await waitFor(() => t.spans().length === 1);
  return only(t.spans());
}

describe('a stream stopped by its caller', () => {
  it('aborted through the request signal before its first chunk: failed, named, no TTFT', async () => {
    const abort = new AbortController();
    const stream = await ask('late-model', 'ttft', abort.signal);
    const reading = drain(stream);
    await sleep(50);
    abort.abort();
    expect(await reading).toBe(0);
    const span = await ended();
    const a = span.attributes;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toMatch(/before its first chunk/);
    expect(a[GENERAL.ERROR_TYPE]).toBe(STREAM_ERROR_TYPE.NO_FIRST_CHUNK);
    expect(a[FINOPS_STREAM.ABANDONED]).toBe(true);
    expect(a[FINOPS_STREAM.USAGE_REPORTED]).toBe(false);
    expect(a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeUndefined();
    expect(a[GEN_AI.USAGE_INPUT_TOKENS]).toBeUndefined();
  });

  it('aborted with a TimeoutError reason before the first chunk: error.type timeout', async () => {
    const abort = new AbortController();
    const stream = await ask('late-model', 'deadline', abort.signal);
    const reading = drain(stream);
    abort.abort(new DOMException('TTFT deadline', 'TimeoutError'));
    expect(await reading).toBe(0);
    const span = await ended();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[GENERAL.ERROR_TYPE]).toBe(STREAM_ERROR_TYPE.TIMEOUT);
  });

  it('its controller aborted before it is read at all: failed, named', async () => {
    const stream = await ask('late-model', 'unread');
    stream.controller.abort();
    const span = await ended();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes[GENERAL.ERROR_TYPE]).toBe(STREAM_ERROR_TYPE.NO_FIRST_CHUNK);
    expect(span.attributes[FINOPS_STREAM.CHUNKS]).toBeUndefined();
  });

  it('aborted through its controller mid-stream: failed as stream_aborted, chunks kept', async () => {
    const stream = await ask('slow-model', 'mid');
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    stream.controller.abort();
    const span = await ended();
    const a = span.attributes;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toMatch(/aborted mid-stream/);
    expect(a[GENERAL.ERROR_TYPE]).toBe(STREAM_ERROR_TYPE.ABORTED);
    expect(a[FINOPS_STREAM.CHUNKS]).toBe(2);
    expect(a[FINOPS_STREAM.ABANDONED]).toBe(true);
    expect(a[GEN_AI.RESPONSE_TIME_TO_FIRST_CHUNK]).toBeGreaterThan(0);
    expect(a[GEN_AI.RESPONSE_ID]).toBe('chatcmpl-mid');
  });

  it('a break after output began is the caller having read enough: ok, flagged abandoned', async () => {
    const stream = await ask('slow-model', 'enough');
    let n = 0;
    for await (const _ of stream) if (++n === 2) break;
    const span = await ended();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes[GENERAL.ERROR_TYPE]).toBeUndefined();
    expect(span.attributes[FINOPS_STREAM.ABANDONED]).toBe(true);
  });

  it('a stream read to its end is unaffected: ok, not abandoned', async () => {
    const stream = await ask('gpt-4o-mini', 'whole');
    expect(await drain(stream)).toBeGreaterThan(0);
    const span = await ended();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes[FINOPS_STREAM.ABANDONED]).toBeUndefined();
  });
});
