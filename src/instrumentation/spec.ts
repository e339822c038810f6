// What differs between the wrapped methods (chat, responses, embeddings, anthropic messages):
// how to read the request, the plain result and the stream items. `wrap.ts` does the rest.
import type { Attributes } from '@opentelemetry/api';
import type { LlmCall } from './call.js';

export interface StreamAccumulator {
  /** One stream item (chunk or event); calls `call.chunk()` for output-bearing ones. */
  onItem(item: unknown): void;
  /** Writes what was accumulated to the span (also for an abandoned stream). */
  flush(): void;
}

export interface MethodSpec {
  operation: string;
  isStream(params: unknown): boolean;
  model(params: unknown): string | undefined;
  requestAttributes(params: unknown): Attributes;
  /** Rewrites streaming params (on a copy), e.g. to request usage. */
  prepareStreamParams?(params: unknown): unknown;
  onResult(call: LlmCall, data: unknown): void;
  /** `response` is what the call resolved to (for most SDKs the stream itself). */
  newStream?(call: LlmCall, response: unknown): StreamAccumulator;
  /** Where the stream items come from in `response` (default: `response` itself). */
  streamOf?(response: unknown): unknown;
}

export type Rec = Record<string, unknown>;

export function rec(v: unknown): Rec {
  return v !== null && typeof v === 'object' ? (v as Rec) : {};
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
