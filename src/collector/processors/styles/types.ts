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
}

export interface StyleReading {
  /** Provider as the span spells it; canonicalized later. */
  provider: string;
  requestModel: string;
  responseModel: string;
  usage: UsageReading;
}
