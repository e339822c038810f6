// Picks the style module for a span's source. Only three token dialects exist on the wire:
// gen_ai.* (most sources), OpenInference llm.token_count.*, and Vercel legacy ai.usage.*.
import type { SpanRecord } from '../../span.js';
import { GEN_AI } from '../../../shared/semconv.js';
import { str } from '../normalize-attrs.js';
import type { Source } from '../normalize-classify.js';
import { readGenAi } from './genai.js';
import { readOpenInference } from './openinference.js';
import { readOpenLit } from './openlit.js';
import { isVercelLegacy, providerMetadata, readVercel } from './vercel.js';
import type { CacheAccounting, StyleReading, UsageReading } from './types.js';

export type { CacheAccounting, StyleReading, UsageReading };
export { providerMetadata };

/** Provider, models and usage as the span's instrumentation reports them (throws on bad counts). */
export function readStyle(span: SpanRecord, source: Source): StyleReading {
  if (source === 'vercel_ai' && isVercelLegacy(span)) return readVercel(span);
  if (source === 'openinference') return readOpenInference(span);
  if (source === 'openlit') return readOpenLit(span);
  const reading = readGenAi(span);
  // @opentelemetry/instrumentation-openai records input and output totals only: cached tokens
  // are billed at a discount but never reported, so the cost is an upper estimate.
  if (source === 'openai_js' && str(span.attributes, GEN_AI.OPERATION_NAME) !== 'embeddings')
    reading.usage = { ...reading.usage, incomplete: 'no_cache_tokens' };
  return reading;
}
