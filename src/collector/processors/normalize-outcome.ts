// `finops.outcome` spans: business outcomes (a resolved ticket, a checkout) to divide spend by.
import { Money, storedDecimalProblem, type MoneyValue } from '../../shared/money.js';
import type { OutcomeRecord } from '../call.js';
import type { SpanRecord } from '../span.js';
import { FINOPS } from '../../shared/semconv.js';
import { InvalidFieldError, bool, str } from './normalize-attrs.js';
import { conversationId } from './normalize-fields.js';

export function isOutcomeSpan(span: SpanRecord): boolean {
  return span.name === FINOPS.OUTCOME_SPAN_NAME;
}

/**
 * An outcome record. The id defaults to `<trace>-<span>` so a re-sent span stays one outcome.
 * `success` defaults to true: a span that records an outcome without a flag reports that it
 * happened. The time is the span's end (when the outcome was known).
 */
export function outcomeFromSpan(span: SpanRecord): OutcomeRecord {
  const a = span.attributes;
  const name = str(a, FINOPS.OUTCOME_NAME);
  if (name === '') throw new InvalidFieldError(FINOPS.OUTCOME_NAME, 'is missing');
  const success = bool(a, FINOPS.OUTCOME_SUCCESS);
  if (
    success === null &&
    a[FINOPS.OUTCOME_SUCCESS] !== undefined &&
    a[FINOPS.OUTCOME_SUCCESS] !== null
  ) {
    throw new InvalidFieldError(
      FINOPS.OUTCOME_SUCCESS,
      `is not a boolean (${JSON.stringify(a[FINOPS.OUTCOME_SUCCESS])})`,
    );
  }
  return {
    outcome_id: str(a, FINOPS.OUTCOME_ID) || `${span.traceId}-${span.spanId}`,
    time_ns: span.endTimeUnixNano > 0n ? span.endTimeUnixNano : span.startTimeUnixNano,
    name,
    success: success ?? true,
    value: decimalValue(a[FINOPS.OUTCOME_VALUE]),
    trace_id: span.traceId,
    conversation_id: conversationId(span),
    tenant: str(a, FINOPS.TENANT),
    route: str(a, FINOPS.ROUTE),
    feature: str(a, FINOPS.FEATURE),
    source: 'span',
  };
}

const DECIMAL_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/**
 * Exact decimal text. A number is written in plain notation from its shortest round-trip form
 * (19.99 stays "19.99", 1e21 becomes "1000000000000000000000"); a string must already be a
 * plain decimal and is kept digit for digit (no float round trip).
 */
export function decimalValue(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v === 'number') {
    if (!Number.isFinite(v))
      throw new InvalidFieldError(FINOPS.OUTCOME_VALUE, `is not finite (${v})`);
    return fitting(new Money(v));
  }
  if (typeof v === 'string' && DECIMAL_RE.test(v.trim())) return fitting(new Money(v.trim()));
  throw new InvalidFieldError(FINOPS.OUTCOME_VALUE, `is not a decimal (${JSON.stringify(v)})`);
}

/** The `outcomes.value` column is Decimal(38, 18): what it cannot hold exactly is refused. */
function fitting(value: MoneyValue): string {
  const problem = storedDecimalProblem(value);
  if (problem !== undefined) throw new InvalidFieldError(FINOPS.OUTCOME_VALUE, problem);
  return value.toFixed();
}
