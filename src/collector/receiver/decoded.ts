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

/** `id` is `length` lowercase hex digits (a loop: the regex was ~2 % of the collector's path). */
function isHexId(id: string, length: number): boolean {
  if (id.length !== length) return false;
  for (let i = 0; i < length; i += 1) {
    const c = id.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}
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
  const problem = spanProblem(span) ?? admission?.check(span);
  return problem === undefined ? span : rejectSpan(span, locator, problem);
}

/** What is wrong with the fields every span needs, or undefined (checked on every span). */
function spanProblem(span: SpanRecord): string | undefined {
  if (!isHexId(span.traceId, 32) || span.traceId === ZERO_TRACE)
    return 'traceId must be 16 non-zero bytes';
  if (!isHexId(span.spanId, 16) || span.spanId === ZERO_SPAN)
    return 'spanId must be 8 non-zero bytes';
  if (span.parentSpanId !== '' && !isHexId(span.parentSpanId, 16))
    return 'parentSpanId must be empty or 8 bytes';
  if (span.parentSpanId === ZERO_SPAN) span.parentSpanId = '';
  if (span.startTimeUnixNano <= 0n) return 'startTimeUnixNano is missing';
  if (span.endTimeUnixNano < span.startTimeUnixNano)
    return 'endTimeUnixNano is before startTimeUnixNano';
  return undefined;
}

/** The rejection, naming the span by position and id (built only for a rejected span). */
function rejectSpan(span: SpanRecord, locator: SpanLocator, reason: string): RejectedSpan {
  const where = `span ${locator.resourceIndex}/${locator.scopeIndex}/${locator.spanIndex}${span.spanId ? ` (${span.spanId})` : ''}`;
  return { locator, spanId: span.spanId, reason: `${where}: ${reason}` };
}
