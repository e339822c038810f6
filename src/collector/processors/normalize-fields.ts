// Fields every style shares: identity and timing, resource, errors and HTTP status, finish
// reason, tiers, our finops.* gateway attributes, conversation and prompt version. Keys are read
// with fallbacks across styles; the namespaces do not overlap, so precedence only orders synonyms.
// The set* helpers write into the one call object normalize builds per span: no partial objects
// to spread (this runs for every span the collector receives).
import type { LlmCall } from '../call.js';
import { STATUS_CODE, type AttrValue, type Attributes, type SpanRecord } from '../span.js';
import {
  CACHE_LAYERS,
  CAPACITY_TIERS,
  FINOPS,
  GENERAL,
  GENERAL_EXTRA,
  GEN_AI,
  GEN_AI_DEPRECATED,
  GEN_AI_EXTRA,
  OPENAI,
  type CapacityTier,
} from '../../shared/semconv.js';
import {
  LANGFUSE,
  OPENINFERENCE,
  OPENLLMETRY_EXTRA,
  VERCEL_AI,
  VERCEL_AI_EXTRA,
} from '../../shared/semconv-peers.js';
import { bool, dig, int, str, stringList } from './normalize-attrs.js';
import { providerMetadata } from './styles/index.js';

/** Ids, names and timing. duration_ms keeps sub-millisecond precision (ns / 1e6). */
export function setIdentity(call: LlmCall, span: SpanRecord): void {
  let durationNs = span.endTimeUnixNano - span.startTimeUnixNano;
  if (durationNs < 0n) {
    call.warnings.push('end_before_start');
    durationNs = 0n;
  }
  call.call_id = `${span.traceId}-${span.spanId}`;
  call.trace_id = span.traceId;
  call.span_id = span.spanId;
  call.parent_span_id = span.parentSpanId;
  call.start_time_ns = span.startTimeUnixNano;
  call.end_time_ns = span.endTimeUnixNano;
  call.duration_ms = Number(durationNs) / 1e6;
  call.span_name = span.name;
  call.scope_name = span.scopeName;
}

/**
 * Service and environment: resource first; OpenLIT also writes them as span attributes. The
 * SDK default `unknown_service[:<process>]` means "not configured", so a span value beats it.
 */
export function setResource(call: LlmCall, span: SpanRecord): void {
  const fromResource = str(span.resource, GENERAL.SERVICE_NAME);
  const defaulted = fromResource === '' || fromResource.startsWith('unknown_service');
  call.service = (defaulted ? str(span.attributes, GENERAL.SERVICE_NAME) : '') || fromResource;
  call.environment = environment(span.resource) || environment(span.attributes);
}

function environment(a: Attributes): string {
  return str(a, GENERAL.DEPLOYMENT_ENVIRONMENT_NAME, GENERAL.DEPLOYMENT_ENVIRONMENT);
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

/**
 * status / error_type / http_status. Error = status ERROR or an error.type present. A span
 * without exception events (nearly all) allocates nothing here.
 */
export function setErrors(call: LlmCall, span: SpanRecord): void {
  const a = span.attributes;
  let errorType = str(a, GENERAL.ERROR_TYPE);
  const failed = span.statusCode === STATUS_CODE.ERROR || errorType !== '';
  const direct = int(a, GENERAL.HTTP_RESPONSE_STATUS_CODE, GENERAL_EXTRA.HTTP_STATUS_CODE_OLD) ?? 0;
  if (!failed) {
    call.status = 'ok';
    call.error_type = '';
    call.http_status = direct;
    return;
  }
  const exceptions = span.events.filter((e) => e.name === GENERAL_EXTRA.EXCEPTION_EVENT);
  const excType =
    exceptions.map((e) => str(e.attributes, GENERAL.EXCEPTION_TYPE)).find((t) => t !== '') ?? '';
  if (errorType === '') errorType = excType || '_OTHER';
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
  call.status = 'error';
  call.error_type = errorType;
  call.http_status = http;
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
  const list = firstString(a[GEN_AI.RESPONSE_FINISH_REASONS]);
  if (list !== '') return list;
  return str(
    a,
    `${GEN_AI_EXTRA.COMPLETION_PREFIX}0.finish_reason`,
    OPENINFERENCE.FINISH_REASON,
    VERCEL_AI.RESPONSE_FINISH_REASON,
  );
}

/** The first non-empty string of a list attribute; a real array is read without copying it. */
function firstString(v: AttrValue | undefined): string {
  if (Array.isArray(v)) {
    for (const x of v) if (typeof x === 'string' && x !== '') return x;
    return '';
  }
  return stringList(v).find((r) => r !== '') ?? '';
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
  if ((CAPACITY_TIERS as readonly string[]).includes(raw)) return raw as CapacityTier;
  if (raw !== '') warnings.push(`invalid_capacity_tier:${raw}`);
  return TIER_FROM_SERVICE[tier.toLowerCase()] ?? '';
}

/** Our finops.* attributes. route/feature/tenant come ONLY from finops.* here: mappings and
 * ancestor inheritance are the attribution processor's job. */
export function setFinops(call: LlmCall, span: SpanRecord): void {
  const a = span.attributes;
  const layer = str(a, FINOPS.CACHE_LAYER);
  const layerOk = layer === '' || (CACHE_LAYERS as readonly string[]).includes(layer);
  if (!layerOk) call.warnings.push(`invalid_cache_layer:${layer}`);
  const attempt = int(a, FINOPS.ATTEMPT);
  call.route = str(a, FINOPS.ROUTE);
  call.feature = str(a, FINOPS.FEATURE);
  call.tenant = str(a, FINOPS.TENANT);
  call.deployment = str(a, FINOPS.DEPLOYMENT);
  call.attempt = attempt !== null && attempt >= 1 ? attempt : 1;
  call.fallback_from = str(a, FINOPS.FALLBACK_FROM);
  call.hedged = bool(a, FINOPS.HEDGED) ?? false;
  call.degraded = bool(a, FINOPS.DEGRADED) ?? false;
  call.cache_layer = layerOk ? layer : '';
  call.cache_hit = bool(a, FINOPS.CACHE_HIT) ?? false;
  call.prompt_version = str(
    a,
    FINOPS.PROMPT_VERSION,
    GEN_AI.PROMPT_VERSION,
    LANGFUSE.PROMPT_VERSION,
    OPENLLMETRY_EXTRA.PROMPT_VERSION,
  );
  call.conversation_id = conversationId(span);
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
