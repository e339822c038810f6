// Fields every style shares: identity and timing, resource, errors and HTTP status, finish
// reason, tiers, our finops.* gateway attributes, conversation and prompt version. Keys are read
// with fallbacks across styles; the namespaces do not overlap, so precedence only orders synonyms.
import type { LlmCall } from '../call.js';
import { STATUS_CODE, type SpanRecord } from '../span.js';
import {
  CACHE_LAYERS,
  CAPACITY_TIERS,
  FINOPS,
  GENERAL,
  GENERAL_EXTRA,
  GEN_AI,
  GEN_AI_DEPRECATED,
  GEN_AI_EXTRA,
  LANGFUSE,
  OPENAI,
  OPENINFERENCE,
  OPENLLMETRY_EXTRA,
  VERCEL_AI,
  VERCEL_AI_EXTRA,
  type CapacityTier,
} from '../../shared/semconv.js';
import { bool, dig, int, str, stringList } from './normalize-attrs.js';
import { providerMetadata } from './styles/index.js';

/** Ids, names and timing. duration_ms keeps sub-millisecond precision (ns / 1e6). */
export function identityFields(span: SpanRecord, warnings: string[]): Partial<LlmCall> {
  let durationNs = span.endTimeUnixNano - span.startTimeUnixNano;
  if (durationNs < 0n) {
    warnings.push('end_before_start');
    durationNs = 0n;
  }
  return {
    call_id: `${span.traceId}-${span.spanId}`,
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    start_time_ns: span.startTimeUnixNano,
    end_time_ns: span.endTimeUnixNano,
    duration_ms: Number(durationNs) / 1e6,
    span_name: span.name,
    scope_name: span.scopeName,
  };
}

/**
 * Service and environment: resource first; OpenLIT also writes them as span attributes. The
 * SDK default `unknown_service[:<process>]` means "not configured", so a span value beats it.
 */
export function resourceFields(span: SpanRecord): Pick<LlmCall, 'service' | 'environment'> {
  const envKeys = [GENERAL.DEPLOYMENT_ENVIRONMENT_NAME, GENERAL.DEPLOYMENT_ENVIRONMENT];
  const fromResource = str(span.resource, GENERAL.SERVICE_NAME);
  const defaulted = fromResource === '' || fromResource.startsWith('unknown_service');
  return {
    service: (defaulted ? str(span.attributes, GENERAL.SERVICE_NAME) : '') || fromResource,
    environment: str(span.resource, ...envKeys) || str(span.attributes, ...envKeys),
  };
}

/** Error class name -> HTTP status, for SDK errors that do not carry the code as an attribute. */
const ERROR_CLASS_STATUS: Readonly<Record<string, number>> = {
  BadRequestError: 400,
  AuthenticationError: 401,
  PermissionDeniedError: 403,
  NotFoundError: 404,
  ConflictError: 409,
  UnprocessableEntityError: 422,
  RateLimitError: 429,
  InternalServerError: 500,
  OverloadedError: 529,
  ThrottlingException: 429,
  TooManyRequestsException: 429,
  ServiceUnavailableException: 503,
  ServiceUnavailableError: 503,
};

/** status / error_type / http_status. Error = status ERROR or an error.type present. */
export function errorFields(
  span: SpanRecord,
): Pick<LlmCall, 'status' | 'error_type' | 'http_status'> {
  const a = span.attributes;
  const exceptions = span.events.filter((e) => e.name === GENERAL_EXTRA.EXCEPTION_EVENT);
  const excType =
    exceptions.map((e) => str(e.attributes, GENERAL.EXCEPTION_TYPE)).find((t) => t !== '') ?? '';
  let errorType = str(a, GENERAL.ERROR_TYPE);
  const failed = span.statusCode === STATUS_CODE.ERROR || errorType !== '';
  if (failed && errorType === '') errorType = excType || '_OTHER';
  const direct = int(a, GENERAL.HTTP_RESPONSE_STATUS_CODE, GENERAL_EXTRA.HTTP_STATUS_CODE_OLD) ?? 0;
  if (!failed) return { status: 'ok', error_type: '', http_status: direct };
  const texts = [
    span.statusMessage,
    ...exceptions.map((e) => str(e.attributes, GENERAL.EXCEPTION_MESSAGE)),
  ];
  const http =
    direct ||
    statusFromText([errorType, ...texts]) ||
    ERROR_CLASS_STATUS[errorType] ||
    ERROR_CLASS_STATUS[excType] ||
    0;
  return { status: 'error', error_type: errorType, http_status: http };
}

/**
 * An HTTP status stated plainly in an error text: the whole text ("429", error.type may be the
 * code), a leading code (the OpenAI and Anthropic SDKs prefix messages with it: "429 Rate limit
 * reached"), or "status code 503" / "status: 503" / "HTTP 502".
 */
function statusFromText(texts: string[]): number {
  for (const t of texts) {
    const m =
      /^\s*(\d{3})\b/.exec(t) ?? /\b(?:status(?:[ _]?code)?|http)\s*[:=]?\s*(\d{3})\b/i.exec(t);
    const n = m?.[1] === undefined ? 0 : Number(m[1]);
    if (n >= 400 && n <= 599) return n;
  }
  return 0;
}

/** First finish reason: semconv array (real or JSON text), legacy indexed, OpenInference, AI SDK. */
export function finishReason(span: SpanRecord): string {
  const a = span.attributes;
  const list = stringList(a[GEN_AI.RESPONSE_FINISH_REASONS]).find((r) => r !== '');
  if (list !== undefined) return list;
  return str(
    a,
    `${GEN_AI_EXTRA.COMPLETION_PREFIX}0.finish_reason`,
    OPENINFERENCE.FINISH_REASON,
    VERCEL_AI.RESPONSE_FINISH_REASON,
  );
}

/** The tier the provider says it served; the requested tier only when it is not `auto`. */
export function serviceTier(span: SpanRecord): string {
  const a = span.attributes;
  const served = str(
    a,
    OPENAI.RESPONSE_SERVICE_TIER,
    GEN_AI_DEPRECATED.OPENAI_RESPONSE_SERVICE_TIER,
  );
  if (served !== '') return served;
  const meta = providerMetadata(span) ?? undefined;
  const fromMeta =
    dig(meta, 'openai', 'serviceTier') ?? dig(meta, 'anthropic', 'usage', 'service_tier');
  if (typeof fromMeta === 'string' && fromMeta !== '') return fromMeta;
  const requested = str(
    a,
    OPENAI.REQUEST_SERVICE_TIER,
    GEN_AI_DEPRECATED.OPENAI_REQUEST_SERVICE_TIER,
    GEN_AI_EXTRA.REQUEST_SERVICE_TIER,
  );
  return requested === 'auto' ? '' : requested;
}

/** Provider service tiers that name a capacity tier unambiguously (OpenAI scale = reserved). */
const TIER_FROM_SERVICE: Readonly<Record<string, CapacityTier>> = {
  flex: 'flex',
  priority: 'priority',
  scale: 'provisioned',
  batch: 'batch',
};

/** finops.capacity_tier when valid, else derived from an unambiguous service tier, else ''. */
export function capacityTier(
  span: SpanRecord,
  tier: string,
  warnings: string[],
): CapacityTier | '' {
  const raw = str(span.attributes, FINOPS.CAPACITY_TIER);
  const valid = (CAPACITY_TIERS as readonly string[]).find((t) => t === raw) as
    CapacityTier | undefined;
  if (valid !== undefined) return valid;
  if (raw !== '') warnings.push(`invalid_capacity_tier:${raw}`);
  return TIER_FROM_SERVICE[tier.toLowerCase()] ?? '';
}

/** Our finops.* attributes. route/feature/tenant come ONLY from finops.* here: mappings and
 * ancestor inheritance are the attribution processor's job. */
export function finopsFields(span: SpanRecord, warnings: string[]): Partial<LlmCall> {
  const a = span.attributes;
  const layer = str(a, FINOPS.CACHE_LAYER);
  const layerOk = layer === '' || (CACHE_LAYERS as readonly string[]).includes(layer);
  if (!layerOk) warnings.push(`invalid_cache_layer:${layer}`);
  const attempt = int(a, FINOPS.ATTEMPT);
  return {
    route: str(a, FINOPS.ROUTE),
    feature: str(a, FINOPS.FEATURE),
    tenant: str(a, FINOPS.TENANT),
    deployment: str(a, FINOPS.DEPLOYMENT),
    attempt: attempt !== null && attempt >= 1 ? attempt : 1,
    fallback_from: str(a, FINOPS.FALLBACK_FROM),
    hedged: bool(a, FINOPS.HEDGED) ?? false,
    degraded: bool(a, FINOPS.DEGRADED) ?? false,
    cache_layer: layerOk ? layer : '',
    cache_hit: bool(a, FINOPS.CACHE_HIT) ?? false,
    prompt_version: str(
      a,
      FINOPS.PROMPT_VERSION,
      GEN_AI.PROMPT_VERSION,
      LANGFUSE.PROMPT_VERSION,
      OPENLLMETRY_EXTRA.PROMPT_VERSION,
    ),
    conversation_id: conversationId(span),
  };
}

/** Conversation / session id, in the spellings of semconv, OpenInference, Langfuse, AI SDK, Traceloop. */
export function conversationId(span: SpanRecord): string {
  return str(
    span.attributes,
    GEN_AI.CONVERSATION_ID,
    GENERAL.SESSION_ID,
    LANGFUSE.SESSION_ID,
    VERCEL_AI_EXTRA.METADATA_SESSION_ID,
    OPENLLMETRY_EXTRA.SESSION_ID,
  );
}

/** cloud.region (span, then resource), else the region in a Bedrock endpoint. */
export function regionField(span: SpanRecord, fromHost: string): string {
  return (
    str(span.attributes, GENERAL.CLOUD_REGION) ||
    str(span.resource, GENERAL.CLOUD_REGION) ||
    fromHost
  );
}
