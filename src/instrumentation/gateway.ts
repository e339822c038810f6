// Gateway facts: which deployment / capacity tier / region a call used, and retry, fallback,
// hedge and degraded-path behaviour. A gateway wraps each provider attempt in `withGateway`;
// the LLM span started inside picks the facts up. App-cache hits become spans with no tokens.
import { context, createContextKey, diag, SpanKind, trace } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import {
  CACHE_LAYERS,
  CAPACITY_TIERS,
  FINOPS,
  GEN_AI,
  GEN_AI_OPERATION,
  GENERAL,
} from '../shared/semconv.js';
import type { CapacityTier } from '../shared/semconv.js';
import { addAttributionAttributes } from './attribution.js';
import { TRACER_NAME, TRACER_VERSION } from './tracer.js';

export type CacheLayer = (typeof CACHE_LAYERS)[number];

export interface GatewayFacts {
  deployment?: string;
  capacityTier?: CapacityTier;
  region?: string;
  /** 1 for the first attempt, 2 for the first retry, ... */
  attempt?: number;
  /** The deployment or model this call falls back from. */
  fallbackFrom?: string;
  hedged?: boolean;
  degraded?: boolean;
  /** An application cache consulted before this call (a miss, since a call is made). */
  cacheLayer?: CacheLayer;
  cacheHit?: boolean;
}

const GATEWAY_KEY = createContextKey('llm-finops.gateway');

/** Runs `fn` with `facts` merged over any outer facts; LLM spans started inside carry them. */
export function withGateway<T>(facts: GatewayFacts, fn: () => T): T {
  let ctx: Context;
  try {
    const outer = context.active().getValue(GATEWAY_KEY) as GatewayFacts | undefined;
    ctx = context.active().setValue(GATEWAY_KEY, { ...outer, ...facts });
  } catch (err) {
    diag.warn('llm-finops: could not set gateway facts; running without them', err);
    return fn();
  }
  return context.with(ctx, fn);
}

export function getGatewayFacts(ctx: Context = context.active()): GatewayFacts | undefined {
  return ctx.getValue(GATEWAY_KEY) as GatewayFacts | undefined;
}

/** Writes the gateway facts of `ctx` into `attrs`; values outside the enums are dropped. */
export function addGatewayAttributes(ctx: Context, attrs: Attributes): void {
  const f = ctx.getValue(GATEWAY_KEY) as GatewayFacts | undefined;
  if (f) writeFacts(f, attrs);
}

function writeFacts(f: GatewayFacts, attrs: Attributes): void {
  if (f.deployment !== undefined) attrs[FINOPS.DEPLOYMENT] = f.deployment;
  if (
    f.capacityTier !== undefined &&
    (CAPACITY_TIERS as readonly string[]).includes(f.capacityTier)
  ) {
    attrs[FINOPS.CAPACITY_TIER] = f.capacityTier;
  }
  if (f.region !== undefined) attrs[GENERAL.CLOUD_REGION] = f.region;
  if (f.attempt !== undefined) attrs[FINOPS.ATTEMPT] = f.attempt;
  if (f.fallbackFrom !== undefined) attrs[FINOPS.FALLBACK_FROM] = f.fallbackFrom;
  if (f.hedged !== undefined) attrs[FINOPS.HEDGED] = f.hedged;
  if (f.degraded !== undefined) attrs[FINOPS.DEGRADED] = f.degraded;
  if (f.cacheLayer !== undefined && (CACHE_LAYERS as readonly string[]).includes(f.cacheLayer)) {
    attrs[FINOPS.CACHE_LAYER] = f.cacheLayer;
  }
  if (f.cacheHit !== undefined) attrs[FINOPS.CACHE_HIT] = f.cacheHit;
}

export interface CacheHit extends Omit<GatewayFacts, 'cacheLayer' | 'cacheHit'> {
  layer: CacheLayer;
  /** What the cached answer stands in for; defaults to `chat`. */
  operation?: string;
  provider?: string;
  model?: string;
}

/**
 * Records an application-cache hit as a GenAI span without tokens: the collector counts the
 * call (for hit rates and avoided spend) but prices it at zero.
 */
export function recordCacheHit(hit: CacheHit): void {
  try {
    const ctx = context.active();
    const operation = hit.operation ?? GEN_AI_OPERATION.CHAT;
    const attrs: Attributes = { [GEN_AI.OPERATION_NAME]: operation };
    if (hit.provider !== undefined) attrs[GEN_AI.PROVIDER_NAME] = hit.provider;
    if (hit.model !== undefined) attrs[GEN_AI.REQUEST_MODEL] = hit.model;
    addAttributionAttributes(ctx, attrs);
    addGatewayAttributes(ctx, attrs);
    writeFacts({ ...hit, cacheLayer: hit.layer, cacheHit: true }, attrs);
    const name = hit.model !== undefined ? `${operation} ${hit.model}` : operation;
    const tracer = trace.getTracer(TRACER_NAME, TRACER_VERSION);
    tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes: attrs }, ctx).end();
  } catch (err) {
    // Never break the host.
    diag.warn('llm-finops: could not record the cache hit span', err);
  }
}
