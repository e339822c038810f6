// What a style module reads from a span: the fields whose keys or meaning differ per
// instrumentation (provider, models, usage). Everything else is read generically.

/** How a source reports input tokens relative to provider-cache tokens. */
export type CacheAccounting = 'inclusive' | 'exclusive';

export interface UsageReading {
  input: number | null;
  output: number | null;
  cacheRead: number | null;
  cacheCreation: number | null;
  reasoning: number | null;
  /** 'inclusive' is semconv (input counts cached tokens); 'exclusive' is raw Anthropic. */
  inputCache: CacheAccounting;
  /** Why the style chose `inputCache`, recorded in the call's warnings when not inclusive. */
  note?: string;
  /** Parts of the totals priced on their own (null or absent: not reported). */
  cacheCreation1h?: number | null;
  audioInput?: number | null;
  audioOutput?: number | null;
  imageOutput?: number | null;
  webSearch?: number | null;
  /** 'exclusive': the reported output does not include reasoning (the AI SDK's Google <= 5.x). */
  outputReasoning?: CacheAccounting;
  /** Why the style chose `outputReasoning`, recorded in the call's warnings when exclusive. */
  outputNote?: string;
  /** Set when the source cannot report a count pricing needs (e.g. cached tokens). */
  incomplete?: string;
}

export interface StyleReading {
  /** Provider as the span spells it; canonicalized later. */
  provider: string;
  requestModel: string;
  responseModel: string;
  usage: UsageReading;
}
