// Normalize processor: one canonical LlmCall per GenAI span, whatever instrumentation wrote it
// (README "Span styles understood" lists each source and how its token counts are read).
// Pure: no I/O, no clock, no config beyond the options passed in.
import { emptyCall, type LlmCall, type OutcomeRecord } from '../call.js';
import type { SpanRecord } from '../span.js';
import { GENERAL } from '../../shared/semconv.js';
import { InvalidFieldError, str } from './normalize-attrs.js';
import { classify, detectSource, type Classification, type Source } from './normalize-classify.js';
import { setContent } from './normalize-content.js';
import {
  capacityTier,
  finishReason,
  regionField,
  serviceTier,
  setErrors,
  setFinops,
  setIdentity,
  setResource,
} from './normalize-fields.js';
import { setLatency } from './normalize-latency.js';
import { isOutcomeSpan, outcomeFromSpan } from './normalize-outcome.js';
import { regionFromHost, resolveProvider } from '../../shared/provider-identity.js';
import { finalizeTokens, isBillableKind, withUsageParts } from './normalize-tokens.js';
import { readStyle } from './styles/index.js';

export interface NormalizeOptions {
  /** Keep prompt/completion text (input_content / output_content); off by default in config. */
  captureContent: boolean;
}

export type NormalizeResult =
  | { type: 'call'; call: LlmCall }
  | { type: 'outcome'; outcome: OutcomeRecord }
  | { type: 'other' }
  | { type: 'invalid'; reason: string };

export interface NormalizedBatch {
  calls: LlmCall[];
  outcomes: OutcomeRecord[];
  /** Non-GenAI spans, kept by the pipeline only to resolve attribution from ancestors. */
  others: SpanRecord[];
  invalid: { span: SpanRecord; reason: string }[];
}

/** Normalize one span. Never throws: bad data becomes `invalid` with a reason naming span and field. */
export function normalizeSpan(span: SpanRecord, opts: NormalizeOptions): NormalizeResult {
  try {
    if (isOutcomeSpan(span)) return { type: 'outcome', outcome: outcomeFromSpan(span) };
    const cls = classify(span);
    if (cls === null) return { type: 'other' };
    return buildCall(span, cls, detectSource(span), opts);
  } catch (err) {
    if (err instanceof InvalidFieldError)
      return { type: 'invalid', reason: `span ${span.spanId}: ${err.message}` };
    // A bug or a shape nobody anticipated must cost one span, not the whole request.
    return {
      type: 'invalid',
      reason: `span ${span.spanId}: normalizer failed (${err instanceof Error ? err.message : String(err)})`,
    };
  }
}

/** Normalize a batch, preserving input order within each bucket. */
export function normalizeBatch(
  spans: readonly SpanRecord[],
  opts: NormalizeOptions,
): NormalizedBatch {
  const out: NormalizedBatch = { calls: [], outcomes: [], others: [], invalid: [] };
  for (const span of spans) {
    const r = normalizeSpan(span, opts);
    if (r.type === 'call') out.calls.push(r.call);
    else if (r.type === 'outcome') out.outcomes.push(r.outcome);
    else if (r.type === 'other') out.others.push(span);
    else out.invalid.push({ span, reason: r.reason });
  }
  return out;
}

/**
 * The call is built once and filled in place: this runs for every span the collector receives,
 * and a record assembled from spread partial objects cost a dozen allocations and copies of its
 * sixty fields. The fields are written in the order the spread wrote them, so the warnings come
 * out in the same order too.
 */
function buildCall(
  span: SpanRecord,
  cls: Classification,
  source: Source,
  opts: NormalizeOptions,
): NormalizeResult {
  const billable = isBillableKind(cls.kind);
  // Usage on wrappers, agents and tools is discarded, so bad counts there are not worth a
  // rejection; only billable rows are validated strictly.
  const style = readStyleFor(span, source, billable);
  const call = emptyCall();
  setErrors(call, span);
  if (billable && call.status === 'ok' && style.requestModel === '' && style.responseModel === '') {
    throw new InvalidFieldError(
      'model',
      'is missing (no request or response model: gen_ai.request.model, gen_ai.response.model or an equivalent)',
    );
  }
  const warnings = call.warnings;
  setIdentity(call, span);
  setResource(call, span);
  setFinops(call, span);
  setLatency(call, span);
  setContent(call, span, opts.captureContent);
  const host = str(span.attributes, GENERAL.SERVER_ADDRESS);
  const tier = serviceTier(span);
  call.source = source;
  call.kind = cls.kind;
  call.operation = cls.operation;
  call.provider = resolveProvider(style.provider, host);
  call.request_model = style.requestModel;
  call.response_model = style.responseModel;
  call.server_address = host;
  call.region = regionField(span, regionFromHost(host));
  call.service_tier = tier;
  call.capacity_tier = capacityTier(span, tier, warnings);
  call.finish_reason = finishReason(span);
  const rejected = call.status === 'error' ? call.http_status : 0;
  const usage = billable ? withUsageParts(style.usage, span) : style.usage;
  finalizeTokens(call, usage, cls.kind, rejected, warnings);
  return { type: 'call', call };
}

function readStyleFor(
  span: SpanRecord,
  source: Source,
  strict: boolean,
): ReturnType<typeof readStyle> {
  if (strict) return readStyle(span, source);
  try {
    return readStyle(span, source);
  } catch (err) {
    if (!(err instanceof InvalidFieldError)) throw err;
    // Names still matter for a non-billable row; read them without the usage.
    const { provider, requestModel, responseModel } = readStyle(
      { ...span, attributes: withoutUsage(span) },
      source,
    );
    return { provider, requestModel, responseModel, usage: emptyUsage() };
  }
}

function withoutUsage(span: SpanRecord): SpanRecord['attributes'] {
  return Object.fromEntries(
    Object.entries(span.attributes).filter(([k]) => !/usage|token_count|providerMetadata/i.test(k)),
  );
}

function emptyUsage(): ReturnType<typeof readStyle>['usage'] {
  return {
    input: null,
    output: null,
    cacheRead: null,
    cacheCreation: null,
    reasoning: null,
    inputCache: 'inclusive',
  };
}
