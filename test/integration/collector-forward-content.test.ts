// Forwarded spans carry no more prompt and completion text than storage keeps: with
// collector.capture_content off (the default) every content attribute and content event is
// dropped on the way to a real OTLP/HTTP downstream, from LLM spans and plain spans alike, while
// the rest of the span (and the computed cost) still arrives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { newSpanId, newTraceId, postJson, requestJson, spanJson } from '../helpers/otlp.js';
import { sinkAttr, startOtlpSink, type OtlpSink } from '../helpers/otlp-sink.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

let sink: OtlpSink;
let t: TestRuntime;

beforeAll(async () => {
  sink = await startOtlpSink();
  t = await startTestRuntime({ collector: { forward: { endpoint: sink.url } } });
});
afterAll(async () => {
  await t.runtime.stop();
  await sink.close();
});

const PROMPT = 'summarise the merger memo for ACME';
const CONTENT = {
  [GEN_AI.INPUT_MESSAGES]: JSON.stringify([{ role: 'user', content: PROMPT }]),
  [GEN_AI.OUTPUT_MESSAGES]: '[{"role":"assistant","content":"the memo says"}]',
  [GEN_AI.SYSTEM_INSTRUCTIONS]: 'you are a lawyer',
  'gen_ai.prompt.0.role': 'user',
  'gen_ai.prompt.0.content': PROMPT,
  'gen_ai.completion.0.content': 'the memo says',
  'gen_ai.tool.call.arguments': '{"q":"merger"}',
  'input.value': PROMPT,
  'llm.input_messages.0.message.content': PROMPT,
  'ai.prompt.messages': PROMPT,
};

describe('forwarding with capture_content off', () => {
  it('drops every content attribute and content event, keeps the rest', async () => {
    const traceId = newTraceId();
    const llmId = newSpanId();
    const toolId = newSpanId();
    const llm = {
      ...spanJson({
        traceId,
        spanId: llmId,
        attributes: {
          [GEN_AI.OPERATION_NAME]: 'chat',
          [GEN_AI.PROVIDER_NAME]: 'openai',
          [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
          [GEN_AI.USAGE_INPUT_TOKENS]: 1000,
          [GEN_AI.USAGE_OUTPUT_TOKENS]: 100,
          [GEN_AI.PROMPT_VERSION]: 'v7',
          ...CONTENT,
        },
      }),
      events: [
        {
          name: 'gen_ai.content.prompt',
          timeUnixNano: '1',
          attributes: [{ key: 'gen_ai.prompt', value: { stringValue: PROMPT } }],
        },
        {
          name: 'gen_ai.client.inference.operation.details',
          timeUnixNano: '2',
          attributes: [
            { key: GEN_AI.INPUT_MESSAGES, value: { stringValue: PROMPT } },
            { key: 'detail.kept', value: { stringValue: 'yes' } },
          ],
        },
      ],
    };
    const tool = spanJson({
      traceId,
      spanId: toolId,
      parentSpanId: llmId,
      name: 'workflow step',
      kind: 1,
      attributes: { 'traceloop.entity.input': PROMPT, 'http.route': '/memo' },
    });
    const res = await postJson(t.otlpUrl, requestJson([llm, tool]));
    expect(res.status).toBe(200);

    const gotLlm = await eventually(
      async () => sink.span(llmId),
      (s) => s !== undefined,
    );
    const gotTool = await eventually(
      async () => sink.span(toolId),
      (s) => s !== undefined,
    );
    const attrs = gotLlm?.attributes ?? [];
    for (const key of Object.keys(CONTENT)) expect(sinkAttr(attrs, key), key).toBeUndefined();
    // What is not content still arrives: the prompt version is not gen_ai.prompt.{i}.
    expect(sinkAttr(attrs, GEN_AI.PROMPT_VERSION)).toEqual({ stringValue: 'v7' });
    expect(sinkAttr(attrs, FINOPS.COST_TOTAL)).toEqual({ stringValue: '0.0035' });
    expect(gotLlm?.events?.map((e) => e.name)).toEqual([
      'gen_ai.client.inference.operation.details',
    ]);
    expect(gotLlm?.events?.[0]?.attributes?.map((a) => a.key)).toEqual(['detail.kept']);
    expect(sinkAttr(gotTool?.attributes ?? [], 'traceloop.entity.input')).toBeUndefined();
    expect(sinkAttr(gotTool?.attributes ?? [], 'http.route')).toEqual({ stringValue: '/memo' });
    // Not anywhere in what went over the wire, under any key.
    for (const body of sink.bodies) expect(body).not.toContain('merger');
  });
});
