// Business outcomes as `finops.outcome` spans, linked to LLM calls by trace id (same trace when
// recorded inside the request) or by gen_ai.conversation.id, for spend per successful outcome.
import { context, diag, SpanKind } from '@opentelemetry/api';
import type { Attributes, TracerProvider } from '@opentelemetry/api';
import { FINOPS, GEN_AI } from '../shared/semconv.js';
import { addAttributionAttributes } from './attribution.js';
import { getTracer } from './tracer.js';

export interface Outcome {
  name: string;
  success: boolean;
  value?: number;
  /** Default: the conversation id set with `withAttribution`. */
  conversationId?: string;
  attributes?: Attributes;
  tracerProvider?: TracerProvider;
}

/** Records the outcome; returns the trace and span id for a later `POST /v1/outcomes` link. */
export function recordOutcome(outcome: Outcome): { traceId: string; spanId: string } | undefined {
  try {
    const ctx = context.active();
    const attrs: Attributes = { ...outcome.attributes };
    addAttributionAttributes(ctx, attrs);
    attrs[FINOPS.OUTCOME_NAME] = outcome.name;
    attrs[FINOPS.OUTCOME_SUCCESS] = outcome.success;
    if (outcome.value !== undefined) attrs[FINOPS.OUTCOME_VALUE] = outcome.value;
    if (outcome.conversationId !== undefined)
      attrs[GEN_AI.CONVERSATION_ID] = outcome.conversationId;
    const span = getTracer(outcome.tracerProvider).startSpan(
      FINOPS.OUTCOME_SPAN_NAME,
      { kind: SpanKind.INTERNAL, attributes: attrs },
      ctx,
    );
    span.end();
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId };
  } catch (err) {
    diag.warn('llm-finops: could not record the outcome span', err);
    return undefined;
  }
}
