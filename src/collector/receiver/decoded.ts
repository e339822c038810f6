// What a decoder returns: the spans it could read and the ones it rejected, with a reason that
// names the span (its position and id) and the field, for the partial_success message.
import type { SpanLocator, SpanRecord } from '../span.js';
import type { Admission } from './admission.js';

export interface RejectedSpan {
  locator: SpanLocator;
  spanId: string;
  reason: string;
}

export interface DecodedBatch {
  spans: SpanRecord[];
  rejected: RejectedSpan[];
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * Check the fields every span needs (ids, times) and, given `admission`, what the store can
 * hold; return the span or why it is rejected.
 */
export function makeSpanRecord(
  span: SpanRecord,
  locator: SpanLocator,
  admission?: Admission,
): SpanRecord | RejectedSpan {
  const where = `span ${locator.resourceIndex}/${locator.scopeIndex}/${locator.spanIndex}${span.spanId ? ` (${span.spanId})` : ''}`;
  const reject = (reason: string): RejectedSpan => ({
    locator,
    spanId: span.spanId,
    reason: `${where}: ${reason}`,
  });
  if (!TRACE_ID.test(span.traceId) || span.traceId === ZERO_TRACE)
    return reject('traceId must be 16 non-zero bytes');
  if (!SPAN_ID.test(span.spanId) || span.spanId === ZERO_SPAN)
    return reject('spanId must be 8 non-zero bytes');
  if (span.parentSpanId !== '' && !SPAN_ID.test(span.parentSpanId))
    return reject('parentSpanId must be empty or 8 bytes');
  if (span.parentSpanId === ZERO_SPAN) span.parentSpanId = '';
  if (span.startTimeUnixNano <= 0n) return reject('startTimeUnixNano is missing');
  if (span.endTimeUnixNano < span.startTimeUnixNano)
    return reject('endTimeUnixNano is before startTimeUnixNano');
  const refused = admission?.check(span);
  return refused !== undefined ? reject(refused) : span;
}
