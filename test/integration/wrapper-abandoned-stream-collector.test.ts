// A stream the caller gave up on before its first chunk (a gateway's TTFT deadline) or aborted
// mid-stream reaches llm_calls as a failed call with the wrapper's error.type, and the routing
// feed's health query counts it against that target. Real parts: the real openai client wrapped
// by our instrumentation, the local mock LLM server, OTLP/HTTP into the real collector, chDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryTargetStats } from '../../src/analytics/routing/health-query.js';
import { parseConfig } from '../../src/shared/config.js';
import { STREAM_ERROR_TYPE } from '../../src/shared/semconv.js';
import { createE2EClients, type E2EClients } from '../fixtures/instrumentation/e2e.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

let t: TestRuntime;
let clients: E2EClients;

beforeAll(async () => {
  t = await startTestRuntime();
  clients = await createE2EClients(t.otlpUrl, 'abandoned-streams');
});
afterAll(async () => {
  await clients.close();
  await t.runtime.stop();
});

const ask = (model: string, content: string, signal?: AbortSignal) =>
  clients.openai.chat.completions.create(
    { model, messages: [{ role: 'user', content }], stream: true },
    signal ? { signal } : undefined,
  );

async function giveUpBeforeFirstChunk(content: string): Promise<void> {
  const abort = new AbortController();
  const stream = await ask('late-model', content, abort.signal);
  const reading = (async () => {
    for await (const _ of stream) void _;
  })().catch(() => undefined);
  abort.abort();
  await reading;
}

function targets() {
  const config = parseConfig({
    routing: {
      pools: [
        {
          pool: 'chat',
          targets: ['late-model', 'slow-model', 'gpt-4o-mini'].map((model) => ({
            id: model,
            provider: 'openai',
            model,
            kind: 'on_demand',
          })),
        },
      ],
    },
  });
  return config.routing.pools.flatMap((p) => p.targets);
}

describe('abandoned streams in llm_calls and the feed', () => {
  it('count as failures of their target, with the wrapper error.type', async () => {
    await giveUpBeforeFirstChunk('late-1');
    await giveUpBeforeFirstChunk('late-2');
    const mid = await ask('slow-model', 'mid');
    const it = mid[Symbol.asyncIterator]();
    await it.next();
    mid.controller.abort();
    for await (const _ of await ask('gpt-4o-mini', 'whole')) void _;
    await clients.telemetry.forceFlush();

    type Row = { model: string; status: string; error_type: string };
    const rows = await eventually(
      () =>
        t.runtime.storage.query<Row>(
          'SELECT request_model AS model, status, error_type FROM llm_calls ORDER BY model, error_type',
        ),
      (r) => r.length >= 4,
    );
    expect(rows).toEqual([
      { model: 'gpt-4o-mini', status: 'ok', error_type: '' },
      { model: 'late-model', status: 'error', error_type: STREAM_ERROR_TYPE.NO_FIRST_CHUNK },
      { model: 'late-model', status: 'error', error_type: STREAM_ERROR_TYPE.NO_FIRST_CHUNK },
      { model: 'slow-model', status: 'error', error_type: STREAM_ERROR_TYPE.ABORTED },
    ]);

    const stats = await queryTargetStats(t.runtime.storage, targets(), {
      nowMs: Date.now(),
      windowS: 300,
      errorWindowS: 300,
      latencyWindowS: 300,
      baselineS: 600,
      since: {},
    });
    const seen = Object.fromEntries(
      [...stats].map(([id, s]) => [id, { calls: s.calls, errors: s.errors }]),
    );
    expect(seen).toEqual({
      'late-model': { calls: 2, errors: 2 },
      'slow-model': { calls: 1, errors: 1 },
      'gpt-4o-mini': { calls: 1, errors: 0 },
    });
  });
});
