// The pipeline's first step for one span: normalize it, apply the ingest key's tenant binding,
// and queue it (with its attribution hints) for its trace; once the request is spooled,
// settleStep drops calls already seen and stamps the rest with the spool record. Rejected
// and non-GenAI spans still enter the trace as links in their descendants' ancestor chains.
import type { LlmCall } from './call.js';
import type { TenantBinding } from './receiver/ingest-auth.js';
import { capCall, capOutcome, withSpanWarnings, type FieldCaps } from './processors/cap-fields.js';
import { applyBinding } from './processors/tenant-binding.js';
import { extractHint, SPAN_KIND_SERVER, type AttributionKeys } from './processors/attribute.js';
import { normalizeSpan } from './processors/normalize.js';
import type { SeenSet } from './seen.js';
import type { SpanRecord } from './span.js';
import type { IncomingSpan } from './trace-buffer.js';

export interface IngestResult {
  accepted: number;
  rejected: number;
  /** One line per rejected span (position, id and reason). */
  messages: string[];
  duplicates: number;
}

/** One request on its way in. */
export interface IngestStep {
  seq: number;
  binding: TenantBinding | undefined;
  /** Trace state and the duplicate filter are per tenant binding ('' when unbound). */
  partition: string;
  incoming: IncomingSpan[];
  /** Non-GenAI spans to forward. */
  others: SpanRecord[];
  result: IngestResult;
  /** Calls and outcomes accepted (the pipeline's stats). */
  calls: number;
  outcomes: number;
}

/** What accepting a span reads: fixed for the pipeline's life. */
export interface AcceptContext {
  captureContent: boolean;
  keys: AttributionKeys;
  caps: FieldCaps;
  /** Spans are kept on their entries for a sink (the forwarder). */
  forward: boolean;
}

/** One span: normalize, apply the key's tenant binding, queue for its trace. */
export function acceptSpan(span: SpanRecord, step: IngestStep, ctx: AcceptContext): void {
  const { result, binding } = step;
  const normalized = normalizeSpan(span, { captureContent: ctx.captureContent });
  const hint = extractHint(span.attributes, ctx.keys, span.kind === SPAN_KIND_SERVER);
  const ownResource = extractHint(span.resource, ctx.keys);
  // One entry per span; a call or outcome is set on it below rather than spread into a copy.
  const base: IncomingSpan = {
    partition: step.partition,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    hint,
  };
  const billable = normalized.type === 'call' || normalized.type === 'outcome';
  const refused =
    binding !== undefined ? applyBinding(binding, hint, ownResource, span, billable) : undefined;
  if (normalized.type === 'invalid' || refused !== undefined) {
    result.rejected += 1;
    result.messages.push(refused ?? (normalized.type === 'invalid' ? normalized.reason : ''));
    step.incoming.push(base); // still a link in its trace's ancestor chain
    return;
  }
  result.accepted += 1;
  if (normalized.type === 'other') {
    step.incoming.push(base);
    if (ctx.forward) step.others.push(span);
    return;
  }
  if (normalized.type === 'outcome') {
    const source = ctx.forward ? { span } : {};
    const outcome = capOutcome(normalized.outcome, ctx.caps);
    const item = { type: 'outcome' as const, outcome, ownResource, seq: step.seq };
    step.incoming.push({
      ...base,
      item: { ...item, spanId: span.spanId, parentSpanId: span.parentSpanId, ...source },
    });
    step.outcomes += 1;
    return;
  }
  const call: LlmCall = capCall(withSpanWarnings(normalized.call, span), ctx.caps);
  // The duplicate filter is asked in settleStep, once the request is spooled: a call id marked
  // seen for a request that then fails would drop the client's retry of it.
  base.item = ctx.forward
    ? { type: 'call', call, ownResource, seq: step.seq, span }
    : { type: 'call', call, ownResource, seq: step.seq };
  step.incoming.push(base);
}

/**
 * The request is spooled as record `seq`: stamp its items with it and drop calls already seen
 * (a retried request, or a call repeated within it). Returns the spans to enter the trace buffer.
 */
export function settleStep(step: IngestStep, seq: number, seen: SeenSet): IncomingSpan[] {
  step.seq = seq;
  const kept: IncomingSpan[] = [];
  for (const entry of step.incoming) {
    const { item } = entry;
    if (item?.type === 'call') {
      if (!seen.add(seenKey(step.partition, item.call.call_id))) {
        step.result.duplicates += 1;
        continue;
      }
      step.calls += 1;
    }
    if (item !== undefined) item.seq = seq;
    kept.push(entry);
  }
  step.incoming = kept;
  return kept;
}

/** The duplicate filter's key: a call id within its sender's tenant partition. */
export function seenKey(partition: string, callId: string): string {
  return partition === '' ? callId : `${partition}\u0000${callId}`;
}
