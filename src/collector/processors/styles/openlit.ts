// OpenLIT: current gen_ai.* names, read like semconv, with one exception. Its Anthropic
// instrumentation (Python and TypeScript SDKs alike) writes Anthropic's raw usage.input_tokens,
// which EXCLUDES cache reads and writes, as gen_ai.usage.input_tokens, with the cache counts in
// their own attributes beside it. Read the standard way, that would bill cached tokens twice as
// cheap and never as input: so its Anthropic input is read as exclusive and the cache added.
import type { SpanRecord } from '../../span.js';
import { GEN_AI_PROVIDER } from '../../../shared/semconv.js';
import { readGenAi } from './genai.js';
import type { StyleReading } from './types.js';

export function readOpenLit(span: SpanRecord): StyleReading {
  const reading = readGenAi(span);
  if (reading.provider.toLowerCase() !== GEN_AI_PROVIDER.ANTHROPIC) return reading;
  return {
    ...reading,
    usage: { ...reading.usage, inputCache: 'exclusive', note: 'openlit_anthropic_input_exclusive' },
  };
}
