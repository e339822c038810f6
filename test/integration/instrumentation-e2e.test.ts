// The whole path on real parts: the real openai and @anthropic-ai/sdk clients wrapped by our
// instrumentation, against the local mock LLM server, exporting OTLP/HTTP to the real collector,
// priced and attributed in embedded ClickHouse, read back from /v1/costs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { withAttribution } from '../../src/instrumentation/index.js';
import { createE2EClients, type E2EClients } from '../fixtures/instrumentation/e2e.js';
import { MOCK_USAGE } from '../fixtures/instrumentation/mock-payloads.js';
import { eventually, getJson, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

let t: TestRuntime;
let clients: E2EClients;
const from = new Date(Date.now() - 3_600_000).toISOString();
const to = new Date(Date.now() + 3_600_000).toISOString();

beforeAll(async () => {
  t = await startTestRuntime();
  clients = await createE2EClients(t.otlpUrl);
});
afterAll(async () => {
  await clients.close();
  await t.runtime.stop();
});

describe('wrapper -> collector -> /v1/costs', () => {
  it('prices and attributes wrapped OpenAI (plain and stream) and Anthropic calls', async () => {
    await withAttribution(
      { tenant: 'wrapped-co', route: '/support', feature: 'answer' },
      async () => {
        await clients.openai.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'hi' }],
        });
        const stream = await clients.openai.chat.completions.create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'stream' }],
          stream: true,
        });
        for await (const _chunk of stream) {
          // consume
        }
        await clients.anthropic.messages.create({
          model: 'claude-sonnet-4-5',
          max_tokens: 50,
          messages: [{ role: 'user', content: 'hello' }],
        });
      },
    );
    await clients.telemetry.forceFlush();

    const o = MOCK_USAGE.openai;
    const a = MOCK_USAGE.anthropic;
    // Prices from test/fixtures/e2e/prices.json, written out independently of src/pricing.
    const openaiCost = new Decimal('0.0000025')
      .mul(o.input - o.cached)
      .add(new Decimal('0.00000125').mul(o.cached))
      .add(new Decimal('0.00001').mul(o.output));
    const anthropicCost = new Decimal('0.000003')
      .mul(a.uncachedInput)
      .add(new Decimal('0.0000003').mul(a.cacheRead))
      .add(new Decimal('0.00000375').mul(a.cacheCreation))
      .add(new Decimal('0.000015').mul(a.output));

    const res = await eventually(
      () =>
        getJson<{ rows: Record<string, string | number>[] }>(
          `${t.apiUrl}/v1/costs?from=${from}&to=${to}&group_by=tenant,route,feature,model&tenant=wrapped-co`,
        ),
      (r) => r.body.rows.reduce((n, row) => n + Number(row.calls), 0) >= 3,
    );
    const byModel = Object.fromEntries(res.body.rows.map((r) => [r.model, r]));
    expect(byModel['gpt-4o']).toMatchObject({
      tenant: 'wrapped-co',
      route: '/support',
      feature: 'answer',
      calls: 2,
      input_tokens: 2 * o.input,
      cache_read_tokens: 2 * o.cached,
      output_tokens: 2 * o.output,
      reasoning_tokens: 2 * o.reasoning,
      cost_usd: openaiCost.mul(2).toString(),
      unpriced_calls: 0,
    });
    expect(byModel['claude-sonnet-4-5']).toMatchObject({
      calls: 1,
      input_tokens: a.uncachedInput + a.cacheRead + a.cacheCreation,
      cache_read_tokens: a.cacheRead,
      cache_creation_tokens: a.cacheCreation,
      output_tokens: a.output,
      cost_usd: anthropicCost.toString(),
    });
  });
});
