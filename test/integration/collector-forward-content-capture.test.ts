// With collector.capture_content on, forwarded content is what storage keeps: the text goes
// downstream with secret-looking substrings redacted, exactly as the stored row has it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GEN_AI } from '../../src/shared/semconv.js';
import { newSpanId, newTraceId, postJson, requestJson, spanJson } from '../helpers/otlp.js';
import { sinkAttr, startOtlpSink, type OtlpSink } from '../helpers/otlp-sink.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

let sink: OtlpSink;
let t: TestRuntime;

beforeAll(async () => {
  sink = await startOtlpSink();
  t = await startTestRuntime({
    collector: { capture_content: true, forward: { endpoint: sink.url } },
  });
});
afterAll(async () => {
  await t.runtime.stop();
  await sink.close();
});

const SECRET = 'sk-proj-abcdefghijklmnopqrstuvwx';

describe('forwarding with capture_content on', () => {
  it('forwards content with secrets redacted, as storage keeps it', async () => {
    const traceId = newTraceId();
    const llmId = newSpanId();
    const input = `use key ${SECRET} to summarise`;
    const llm = spanJson({
      traceId,
      spanId: llmId,
      attributes: {
        [GEN_AI.OPERATION_NAME]: 'chat',
        [GEN_AI.PROVIDER_NAME]: 'openai',
        [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
        [GEN_AI.USAGE_INPUT_TOKENS]: 10,
        [GEN_AI.USAGE_OUTPUT_TOKENS]: 5,
        [GEN_AI.INPUT_MESSAGES]: input,
        'gen_ai.prompt.0.content': input,
        'test.not_content': SECRET,
      },
    });
    const res = await postJson(t.otlpUrl, requestJson([llm]));
    expect(res.status).toBe(200);
    const got = await eventually(
      async () => sink.span(llmId),
      (s) => s !== undefined,
    );
    const attrs = got?.attributes ?? [];
    const redacted = 'use key [REDACTED:openai_key] to summarise';
    expect(sinkAttr(attrs, GEN_AI.INPUT_MESSAGES)).toEqual({ stringValue: redacted });
    expect(sinkAttr(attrs, 'gen_ai.prompt.0.content')).toEqual({ stringValue: redacted });
    // Only content is rewritten; other attributes are the sender's business.
    expect(sinkAttr(attrs, 'test.not_content')).toEqual({ stringValue: SECRET });

    const stored = await eventually(
      async () => {
        const rows = await t.runtime.storage.query<{ input_content: string }>(
          `SELECT input_content FROM llm_call_content
           WHERE call_id IN (SELECT call_id FROM llm_calls WHERE span_id = {id:String})`,
          { id: llmId },
        );
        return rows[0]?.input_content;
      },
      (v) => v !== undefined,
    );
    expect(stored).toBe(redacted);
  });
});
