// The trace buffer's types (trace-buffer.ts): what goes in, what comes out, its options.
import type { LlmCall, OutcomeRecord } from './call.js';
import type { SpanRecord } from './span.js';

export interface Hint {
  route?: string;
  feature?: string;
  tenant?: string;
  /** Dimensions read from an inferred key (not finops.*): any explicit value outranks them. */
  inferred?: { route?: boolean; feature?: boolean; tenant?: boolean };
}

export type PendingItem =
  | { type: 'call'; call: LlmCall; ownResource: Hint; seq: number; span?: SpanRecord }
  | {
      type: 'outcome';
      outcome: OutcomeRecord;
      ownResource: Hint;
      seq: number;
      spanId: string;
      parentSpanId: string;
      span?: SpanRecord;
    };

export interface IncomingSpan {
  /** The sender's tenant partition (absent or '' for requests without a tenant-bound key). */
  partition?: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  hint: Hint;
  item?: PendingItem;
}

export interface ResolvedItem {
  item: PendingItem;
  /** Attribution merged from the span, its ancestors, then its own resource. */
  hint: Hint;
}

export interface TraceBufferOptions {
  waitMs: number;
  rootGraceMs: number;
  maxPendingSpans: number;
  rememberMs: number;
  /** Bound on the estimated bytes of trace state (default 64 MiB). */
  maxBytes?: number;
  /** Called once, the first time a trace is forgotten before rememberMs to stay within maxBytes. */
  onFirstEviction?: (eviction: TraceEviction) => void;
}

export interface TraceEviction {
  maxBytes: number;
  /** How long the forgotten trace had been remembered since it was last touched. */
  rememberedMs: number;
}
