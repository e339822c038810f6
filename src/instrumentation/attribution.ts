// Attribution (route / feature / tenant) lives in OTel baggage so it crosses service boundaries
// with the W3C `baggage` header; extras that should stay in-process (prompt version,
// conversation id) live in a private context key. Every span we start reads both.
import { context, createContextKey, diag, propagation } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import { FINOPS, FINOPS_BAGGAGE, GEN_AI } from '../shared/semconv.js';

export interface Attribution {
  route?: string;
  feature?: string;
  tenant?: string;
  /** Prompt template version (`finops.prompt.version`); in-process only. */
  promptVersion?: string;
  /** `gen_ai.conversation.id`; in-process only. */
  conversationId?: string;
}

type LocalAttribution = Pick<Attribution, 'promptVersion' | 'conversationId'>;

const LOCAL_KEY = createContextKey('llm-finops.attribution');

const BAGGAGE_FIELDS = [
  ['route', FINOPS_BAGGAGE.ROUTE],
  ['feature', FINOPS_BAGGAGE.FEATURE],
  ['tenant', FINOPS_BAGGAGE.TENANT],
] as const;

/** Returns `ctx` with `attribution` merged over what it already carries (new values win). */
export function setAttribution(ctx: Context, attribution: Attribution): Context {
  let bag = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  let changed = false;
  for (const [field, key] of BAGGAGE_FIELDS) {
    const value = attribution[field];
    if (typeof value === 'string' && value !== '') {
      bag = bag.setEntry(key, { value });
      changed = true;
    }
  }
  let next = changed ? propagation.setBaggage(ctx, bag) : ctx;
  if (attribution.promptVersion !== undefined || attribution.conversationId !== undefined) {
    const prev = ctx.getValue(LOCAL_KEY) as LocalAttribution | undefined;
    const local: LocalAttribution = { ...prev };
    if (attribution.promptVersion !== undefined) local.promptVersion = attribution.promptVersion;
    if (attribution.conversationId !== undefined) local.conversationId = attribution.conversationId;
    next = next.setValue(LOCAL_KEY, local);
  }
  return next;
}

/**
 * Runs `fn` with `attribution` in context: every LLM span started inside (also after awaits,
 * through AsyncLocalStorage) carries it, and outgoing requests that inject context carry it in
 * W3C baggage. Never throws because of telemetry: on failure `fn` simply runs.
 */
export function withAttribution<T>(attribution: Attribution, fn: () => T): T {
  let ctx: Context;
  try {
    ctx = setAttribution(context.active(), attribution);
  } catch (err) {
    diag.warn('llm-finops: could not set attribution; running without it', err);
    return fn();
  }
  return context.with(ctx, fn);
}

/** The attribution visible in `ctx` (default: the active context). */
export function getAttribution(ctx: Context = context.active()): Attribution {
  const out: Attribution = {};
  const bag = propagation.getBaggage(ctx);
  if (bag) {
    for (const [field, key] of BAGGAGE_FIELDS) {
      const entry = bag.getEntry(key);
      if (entry) out[field] = entry.value;
    }
  }
  const local = ctx.getValue(LOCAL_KEY) as LocalAttribution | undefined;
  if (local?.promptVersion !== undefined) out.promptVersion = local.promptVersion;
  if (local?.conversationId !== undefined) out.conversationId = local.conversationId;
  return out;
}

/** Writes the attribution of `ctx` into `attrs` (span attributes at span start). */
export function addAttributionAttributes(ctx: Context, attrs: Attributes): void {
  const bag = propagation.getBaggage(ctx);
  if (bag) {
    for (const [, key] of BAGGAGE_FIELDS) {
      const entry = bag.getEntry(key);
      if (entry) attrs[key] = entry.value;
    }
  }
  const local = ctx.getValue(LOCAL_KEY) as LocalAttribution | undefined;
  if (local?.promptVersion !== undefined) attrs[FINOPS.PROMPT_VERSION] = local.promptVersion;
  if (local?.conversationId !== undefined) attrs[GEN_AI.CONVERSATION_ID] = local.conversationId;
}

/**
 * Headers carrying the active trace context and baggage, for outgoing HTTP calls made without
 * an HTTP client instrumentation (e.g. plain `fetch`). Merges into `headers` when given.
 */
export function injectTraceHeaders(headers: Record<string, string> = {}): Record<string, string> {
  try {
    propagation.inject(context.active(), headers);
  } catch (err) {
    // Telemetry must never break the caller's request.
    diag.warn('llm-finops: could not inject trace headers', err);
  }
  return headers;
}
