// Validation (bad token counts, missing model), error attempts, outcomes, content capture and
// the batch processor.
import { describe, expect, it } from 'vitest';
import type { Attributes, SpanRecord } from '../../src/collector/span.js';
import { STATUS_CODE } from '../../src/collector/span.js';
import { normalizeBatch, normalizeSpan } from '../../src/collector/processors/normalize.js';
import { T0, TRACE_ID, withAttrs } from '../fixtures/spans/build.js';
import { httpServerSpan, outcomeSpan } from '../fixtures/spans/misc.js';
import { openaiJs429, openaiJsChat } from '../fixtures/spans/openai-js.js';
import { openinferenceLlm } from '../fixtures/spans/openinference.js';
import { legacySemconvChat, finopsWrapperChat } from '../fixtures/spans/semconv.js';
import { openllmetryLegacyChat } from '../fixtures/spans/openllmetry.js';
import { vercelDoGenerate, vercelDoStream, vercelGenerateText } from '../fixtures/spans/vercel.js';

const opts = { captureContent: false };
const id = openaiJsChat.spanId;

const invalid: Array<[string, SpanRecord, string]> = [
  [
    'negative',
    withAttrs(openaiJsChat, { 'gen_ai.usage.input_tokens': -5 }),
    `span ${id}: gen_ai.usage.input_tokens is negative (-5)`,
  ],
  [
    'negative string',
    withAttrs(openaiJsChat, { 'gen_ai.usage.output_tokens': '-5' }),
    `span ${id}: gen_ai.usage.output_tokens is negative (-5)`,
  ],
  [
    'NaN',
    withAttrs(openaiJsChat, { 'gen_ai.usage.input_tokens': NaN }),
    `span ${id}: gen_ai.usage.input_tokens is NaN`,
  ],
  [
    'Infinity',
    withAttrs(openaiJsChat, { 'gen_ai.usage.input_tokens': Infinity }),
    `span ${id}: gen_ai.usage.input_tokens is not finite (Infinity)`,
  ],
  [
    '"abc"',
    withAttrs(openaiJsChat, { 'gen_ai.usage.input_tokens': 'abc' }),
    `span ${id}: gen_ai.usage.input_tokens is not an integer ("abc")`,
  ],
  [
    'fraction',
    withAttrs(openaiJsChat, { 'gen_ai.usage.output_tokens': 12.5 }),
    `span ${id}: gen_ai.usage.output_tokens is not an integer (12.5)`,
  ],
  [
    'boolean',
    withAttrs(openaiJsChat, { 'gen_ai.usage.input_tokens': true }),
    `span ${id}: gen_ai.usage.input_tokens is not a number (true)`,
  ],
  [
    'absurd',
    withAttrs(openaiJsChat, { 'gen_ai.usage.input_tokens': 2e12 }),
    `span ${id}: gen_ai.usage.input_tokens is absurdly large (2000000000000)`,
  ],
  [
    'missing model',
    withAttrs(openaiJsChat, {
      'gen_ai.request.model': undefined,
      'gen_ai.response.model': undefined,
    }),
    `span ${id}: model is missing (no request or response model: gen_ai.request.model, gen_ai.response.model or an equivalent)`,
  ],
  [
    'openinference "abc"',
    withAttrs(openinferenceLlm, { 'llm.token_count.prompt': 'abc' }),
    `span ${openinferenceLlm.spanId}: llm.token_count.prompt is not an integer ("abc")`,
  ],
  [
    'vercel NaN',
    withAttrs(vercelDoStream, { 'ai.usage.inputTokens': NaN }),
    `span ${vercelDoStream.spanId}: ai.usage.inputTokens is NaN`,
  ],
  [
    'vercel providerMetadata',
    withAttrs(vercelDoGenerate, {
      'ai.response.providerMetadata': '{"openai":{"cachedPromptTokens":-3}}',
    }),
    `span ${vercelDoGenerate.spanId}: ai.response.providerMetadata.openai.cachedPromptTokens is not a token count (-3)`,
  ],
];

describe('normalizeSpan: invalid GenAI spans', () => {
  it.each(invalid)('%s', (_name, span, reason) => {
    expect(normalizeSpan(span, opts)).toEqual({ type: 'invalid', reason });
  });

  it('accepts integer strings ("42"), as stringifying pipelines send them', () => {
    const r = normalizeSpan(
      withAttrs(openaiJsChat, {
        'gen_ai.usage.input_tokens': '42',
        'gen_ai.usage.output_tokens': '7.0',
      }),
      opts,
    );
    expect(r).toMatchObject({ type: 'call', call: { input_tokens: 42, output_tokens: 7 } });
  });

  it('does not reject a wrapper over bad usage it would discard anyway', () => {
    const r = normalizeSpan(withAttrs(vercelGenerateText, { 'ai.usage.promptTokens': -1 }), opts);
    expect(r).toMatchObject({
      type: 'call',
      call: { kind: 'wrapper', input_tokens: 0, request_model: 'gpt-4o-mini' },
    });
  });

  it('accepts an error span without a model', () => {
    const span = withAttrs(openaiJs429, { 'gen_ai.request.model': undefined });
    expect(normalizeSpan(span, opts)).toMatchObject({
      type: 'call',
      call: { status: 'error', http_status: 429 },
    });
  });
});

describe('normalizeSpan: failed attempts', () => {
  const errored = (
    attrs: Attributes,
    statusMessage = '',
    events: SpanRecord['events'] = [],
  ): SpanRecord => ({
    ...withAttrs(openaiJsChat, attrs),
    statusCode: STATUS_CODE.ERROR,
    statusMessage,
    events,
  });

  it('zeroes usage on a provider-rejected (5xx) call and says so', () => {
    const r = normalizeSpan(
      errored({ 'error.type': 'InternalServerError' }, '503 upstream overloaded'),
      opts,
    );
    expect(r).toMatchObject({
      type: 'call',
      call: {
        status: 'error',
        http_status: 503,
        input_tokens: 0,
        output_tokens: 0,
        warnings: ['tokens_zeroed_http_error'],
      },
    });
  });

  it('keeps usage on an error without an HTTP status (stream aborted after usage)', () => {
    const r = normalizeSpan(errored({ 'error.type': 'AbortError' }), opts);
    expect(r).toMatchObject({
      type: 'call',
      call: { status: 'error', http_status: 0, input_tokens: 341 },
    });
  });

  it.each([
    ['http.response.status_code attribute', { 'http.response.status_code': 502 }, '', 502],
    ['error.type is the code', { 'error.type': '504' }, '', 504],
    ['axios-style message', {}, 'Request failed with status code 503', 503],
    ['error class only', { 'error.type': 'RateLimitError' }, 'Too many requests', 429],
  ] as const)('reads the HTTP status from %s', (_n, attrs, message, status) => {
    expect(normalizeSpan(errored({ ...attrs }, message), opts)).toMatchObject({
      call: { status: 'error', http_status: status },
    });
  });

  it('takes error type and status from an exception event', () => {
    const events = [
      {
        name: 'exception',
        timeUnixNano: T0,
        attributes: { 'exception.type': 'OverloadedError', 'exception.message': 'Overloaded' },
      },
    ];
    expect(normalizeSpan(errored({}, '', events), opts)).toMatchObject({
      call: { error_type: 'OverloadedError', http_status: 529 },
    });
  });
});

describe('normalizeSpan: outcomes', () => {
  it('builds an outcome with an exact decimal value', () => {
    expect(normalizeSpan(outcomeSpan, opts)).toEqual({
      type: 'outcome',
      outcome: {
        outcome_id: 'ticket-5521',
        time_ns: outcomeSpan.endTimeUnixNano,
        name: 'ticket_resolved',
        success: true,
        value: '19.99',
        trace_id: TRACE_ID,
        conversation_id: 'conv_5f1c2a',
        tenant: 'acme',
        route: '/v1/support/answer',
        feature: 'order-status',
        source: 'span',
      },
    });
  });

  it('keeps string values digit for digit and defaults the id to trace-span', () => {
    const span = withAttrs(outcomeSpan, {
      'finops.outcome.value': '1234.567890123456789012',
      'finops.outcome.id': undefined,
      'finops.outcome.success': 'false',
    });
    expect(normalizeSpan(span, opts)).toMatchObject({
      outcome: {
        value: '1234.567890123456789012',
        outcome_id: `${TRACE_ID}-${outcomeSpan.spanId}`,
        success: false,
      },
    });
  });

  it.each([
    [{ 'finops.outcome.value': 'ten' }, 'finops.outcome.value is not a decimal ("ten")'],
    [
      { 'finops.outcome.value': '100000000000000000000' },
      'finops.outcome.value does not fit Decimal(38, 18): at most 20 integer digits',
    ],
    [
      { 'finops.outcome.value': '0.0000000000000000001' },
      'finops.outcome.value has more than 18 decimal places (Decimal(38, 18) would truncate it)',
    ],
    [{ 'finops.outcome.name': undefined }, 'finops.outcome.name is missing'],
    [{ 'finops.outcome.success': 'maybe' }, 'finops.outcome.success is not a boolean ("maybe")'],
  ])('rejects bad outcome data %#', (patch, reason) => {
    expect(normalizeSpan(withAttrs(outcomeSpan, patch), opts)).toEqual({
      type: 'invalid',
      reason: `span ${outcomeSpan.spanId}: ${reason}`,
    });
  });
});

describe('content capture', () => {
  it('drops content unless enabled', () => {
    expect(normalizeSpan(finopsWrapperChat, opts)).toMatchObject({
      call: { input_content: '', output_content: '' },
    });
  });

  it('reads semconv messages, legacy indexed prompts and old content events when enabled', () => {
    const on = { captureContent: true };
    expect(normalizeSpan(finopsWrapperChat, on)).toMatchObject({
      call: {
        input_content: finopsWrapperChat.attributes['gen_ai.input.messages'],
        output_content: finopsWrapperChat.attributes['gen_ai.output.messages'],
      },
    });
    expect(normalizeSpan(openllmetryLegacyChat, on)).toMatchObject({
      call: {
        input_content:
          '[{"role":"system","content":"You answer FAQs."},{"role":"user","content":"How do refunds work?"}]',
        output_content: '[{"role":"assistant","content":"Refunds take 5 days."}]',
      },
    });
    expect(normalizeSpan(legacySemconvChat, on)).toMatchObject({
      call: { input_content: 'Suggest three books.', output_content: 'Dune, Emma, Ulysses' },
    });
    expect(normalizeSpan(vercelDoGenerate, on)).toMatchObject({
      call: { output_content: 'A protocol.' },
    });
  });
});

describe('normalizeBatch', () => {
  it('buckets calls, outcomes, others and invalid spans in order', () => {
    const bad = withAttrs(openaiJsChat, { 'gen_ai.usage.input_tokens': -5 });
    const out = normalizeBatch([httpServerSpan, openaiJsChat, outcomeSpan, bad, openaiJs429], opts);
    expect(out.calls.map((c) => c.span_id)).toEqual([openaiJsChat.spanId, openaiJs429.spanId]);
    expect(out.outcomes.map((o) => o.outcome_id)).toEqual(['ticket-5521']);
    expect(out.others).toEqual([httpServerSpan]);
    expect(out.invalid).toEqual([
      { span: bad, reason: `span ${id}: gen_ai.usage.input_tokens is negative (-5)` },
    ]);
  });
});
