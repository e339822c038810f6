// Per-source count semantics: each producer's usage, read into the canonical counts (input
// INCLUDES cache, output INCLUDES reasoning; audio, image and 1-hour writes are parts of those
// totals), then priced. One reconstructed span per row of the README's source table.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LlmCall } from '../../src/collector/call.js';
import type { SpanRecord } from '../../src/collector/span.js';
import { normalizeSpan } from '../../src/collector/processors/normalize.js';
import { createCatalog, priceCall } from '../../src/pricing/index.js';
import { finopsWrapperAnthropic } from '../fixtures/spans/semconv.js';
import { openaiJsChat } from '../fixtures/spans/openai-js.js';
import { openllmetryAnthropic } from '../fixtures/spans/openllmetry.js';
import {
  finopsWrapperAnthropic1h,
  finopsWrapperOpenAiAudio,
  openlitAnthropicCached,
  openlitAnthropicTsNoCache,
  vercelAnthropicV5Cache1h,
  vercelGoogleV5Generate,
  vercelGoogleV5StreamNoMeta,
  vercelGoogleV6Generate,
} from '../fixtures/spans/usage-semantics.js';
import { times, usd } from '../fixtures/pricing/exact.js';
import { SOURCE_TABLE } from '../fixtures/spans/source-table.js';
import { noticeIncompleteUsage } from '../../src/collector/usage-notice.js';
import type { Logger } from '../../src/shared/logger.js';

const GENAI = JSON.parse(
  readFileSync(new URL('../fixtures/pricing/genai-sample.json', import.meta.url), 'utf8'),
) as unknown[];
const db = createCatalog({
  label: 'genai-sample',
  database: {
    data: GENAI,
    info: { name: 'genai-sample', version: 'test', asOf: '2026-09-23', from: 'fixture' },
  },
});

function normalized(span: SpanRecord): LlmCall {
  const r = normalizeSpan(span, { captureContent: false });
  if (r.type !== 'call') throw new Error(`expected a call, got ${JSON.stringify(r)}`);
  return r.call;
}

const counts = (c: LlmCall) => ({
  input: c.input_tokens,
  cacheRead: c.cache_read_tokens,
  cacheCreation: c.cache_creation_tokens,
  cacheCreation1h: c.cache_creation_1h_tokens,
  output: c.output_tokens,
  reasoning: c.reasoning_tokens,
});

describe('OpenLIT Anthropic: input reported WITHOUT cache tokens', () => {
  it('reads 5,000 uncached + 2,000 read + 1,000 written as 8,000 input', () => {
    const c = normalized(openlitAnthropicCached);
    expect(c.source).toBe('openlit');
    expect(counts(c)).toMatchObject({ input: 8000, cacheRead: 2000, cacheCreation: 1000 });
    expect(c.warnings).toContain('input_cache_added:openlit_anthropic_input_exclusive');
  });

  it('prices exactly like the same usage from our wrapper (semconv, inclusive)', () => {
    const viaOpenLit = priceCall(db, normalized(openlitAnthropicCached));
    const viaWrapper = priceCall(db, {
      ...normalized(finopsWrapperAnthropic),
      input_tokens: 8000,
      cache_read_tokens: 2000,
      cache_creation_tokens: 1000,
      output_tokens: 400,
    });
    // 5000*3e-6 + 2000*3e-7 + 1000*3.75e-6 + 400*1.5e-5
    const expected = usd(
      times(5000, '3e-6') + times(2000, '3e-7') + times(1000, '3.75e-6') + times(400, '1.5e-5'),
    );
    expect(viaOpenLit.cost_total).toBe(expected);
    expect(viaWrapper.cost_total).toBe(expected);
  });

  it('the TypeScript SDK without cache: nothing to add, no warning', () => {
    const c = normalized(openlitAnthropicTsNoCache);
    expect(c.source).toBe('openlit');
    expect(counts(c)).toMatchObject({ input: 900, cacheRead: 0, output: 120 });
    expect(c.warnings).toEqual([]);
  });

  it('OpenLLMetry Anthropic already adds the cache in: not added twice', () => {
    const c = normalized(openllmetryAnthropic);
    expect(c.warnings.some((w) => w.startsWith('input_cache_added'))).toBe(false);
  });
});

describe('AI SDK Google provider: thoughts reported OUTSIDE output tokens up to ai 5.x', () => {
  it('ai 5.x: 300 candidates + 900 thoughts read as 1,200 output, 900 of them reasoning', () => {
    const c = normalized(vercelGoogleV5Generate);
    expect(counts(c)).toMatchObject({ input: 1200, output: 1200, reasoning: 900 });
    expect(c.warnings).toContain('output_reasoning_added:vercel_google_output_without_thoughts');
    const priced = priceCall(db, c);
    expect(priced.cost_output).toBe(usd(times(1200, '1e-5')));
  });

  it('ai 5.x stream without provider metadata: the total decides (thoughts counted apart)', () => {
    const c = normalized(vercelGoogleV5StreamNoMeta);
    expect(counts(c)).toMatchObject({ input: 800, output: 350, reasoning: 250 });
    expect(c.warnings).toContain(
      'output_reasoning_added:vercel_google_total_counts_thoughts_apart',
    );
  });

  it('ai 6.x (LanguageModelV3): output already includes thoughts, nothing added', () => {
    const c = normalized(vercelGoogleV6Generate);
    expect(counts(c)).toMatchObject({ output: 1200, reasoning: 900 });
    expect(c.warnings.some((w) => w.startsWith('output_reasoning_added'))).toBe(false);
  });
});

describe('@opentelemetry/instrumentation-openai: no cached-token counts at all', () => {
  it('marks the call usage_incomplete, so later layers count it apart', () => {
    const c = normalized(openaiJsChat);
    expect(c).toMatchObject({ source: 'openai_js', usage_incomplete: true });
    expect(c.warnings).toContain('usage_incomplete:no_cache_tokens');
    const priced = priceCall(db, c);
    expect(priced).toMatchObject({ priced: true, usage_incomplete: true });
  });
});

describe('usage parts: 1-hour cache writes, web searches, audio', () => {
  it('our wrapper (finops.usage.*) and the AI SDK (raw Anthropic usage) agree', () => {
    const expected = usd(
      times(20, '3e-6') +
        times(1000, '3.75e-6') +
        times(2000, '6e-6') +
        times(90, '1.5e-5') +
        times(1, '0.01'),
    );
    for (const span of [finopsWrapperAnthropic1h, vercelAnthropicV5Cache1h]) {
      const c = normalized(span);
      expect(counts(c)).toMatchObject({ input: 3020, cacheCreation: 3000, cacheCreation1h: 2000 });
      expect(c.web_search_requests).toBe(1);
      const priced = priceCall(db, c);
      expect(priced).toMatchObject({
        cost_cache_creation: usd(times(1000, '3.75e-6')),
        cost_cache_creation_1h: usd(times(2000, '6e-6')),
        cost_request: '0.01',
        cost_total: expected,
      });
    }
  });

  it('audio parts kept, and a part larger than its total is clamped and flagged', () => {
    const c = normalized(finopsWrapperOpenAiAudio);
    expect([c.audio_input_tokens, c.audio_output_tokens, c.image_output_tokens]).toEqual([
      600, 200, 100,
    ]);
    expect(c.warnings).toContain('image_output_exceeds_total');
  });

  it('a bad part count rejects the span, naming the attribute', () => {
    const bad = {
      ...finopsWrapperAnthropic1h,
      attributes: { ...finopsWrapperAnthropic1h.attributes, 'finops.usage.audio.input_tokens': -3 },
    };
    const r = normalizeSpan(bad, { captureContent: false });
    expect(r).toMatchObject({ type: 'invalid' });
    expect(r.type === 'invalid' && r.reason).toMatch(
      /finops\.usage\.audio\.input_tokens is negative/,
    );
  });
});

describe("the README's source table: one fixture per row", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf("### What each source's counts mean"));
  const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| source |')));
  const rows = table
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| source |'))
    .map((l) => l.slice(2, l.indexOf(' | ')));

  it('lists exactly the rows SOURCE_TABLE backs, in order', () => {
    expect(rows).toEqual(SOURCE_TABLE.map((r) => r.row));
  });

  for (const r of SOURCE_TABLE)
    it(`${r.row}: reads as ${r.counts.join('/')}${r.incomplete ? ', usage incomplete' : ''}`, () => {
      const c = normalized(r.span);
      expect(c.source).toBe(r.source);
      expect([
        c.input_tokens,
        c.cache_read_tokens,
        c.cache_creation_tokens,
        c.output_tokens,
        c.reasoning_tokens,
      ]).toEqual(r.counts);
      expect(c.usage_incomplete).toBe(r.incomplete);
      const readings = c.warnings.filter((w) =>
        /^(input_cache_added|output_reasoning_added|usage_incomplete):/.test(w),
      );
      expect(readings).toEqual(r.warning === '' ? [] : [r.warning]);
    });
});

describe('the collector log says once that a source cannot report cached tokens', () => {
  it('warns on the first incomplete call of a source, not on later ones or complete calls', () => {
    const warned: Record<string, unknown>[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (_msg, fields) => warned.push(fields ?? {}),
      error: () => undefined,
      child: () => logger,
    };
    const step = noticeIncompleteUsage((calls) => calls.map((c) => priceCall(db, c)), logger);
    const incomplete = normalized(openaiJsChat);
    const complete = normalized(finopsWrapperAnthropic);
    expect(step([complete])).toHaveLength(1);
    expect(warned).toEqual([]);
    step([incomplete, incomplete]);
    step([incomplete]);
    expect(warned).toEqual([
      expect.objectContaining({
        source: 'openai_js',
        scope: '@opentelemetry/instrumentation-openai',
        reason: 'no_cache_tokens',
      }),
    ]);
  });
});
