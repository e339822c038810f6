// Express (or plain node:http) middleware: continues the caller's trace and baggage from the
// incoming W3C headers, then sets route / feature / tenant derived from the request. Typed
// structurally on node:http so importing it never loads express.
// Nothing the caller sends picks the tenant it is billed to unless the service says so: an
// `x-tenant-id` header counts only with `trustTenantHeader`, and finops.* entries arriving in
// baggage only with `trustIncomingBaggage` (internal services behind one that set them).
import { context, diag, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FINOPS_BAGGAGE } from '../shared/semconv.js';
import { setAttribution } from './attribution.js';
import type { Attribution } from './attribution.js';
import { LazyEntryBaggage, matchedRoute } from './route-template.js';

type Derive<Req> = string | ((req: Req) => string | undefined);

export interface AttributionMiddlewareOptions<Req extends IncomingMessage = IncomingMessage> {
  /**
   * Default: the matched route template (`req.baseUrl` + `req.route.path`, e.g. `/tickets/:id`),
   * unless a route arrived in baggage. A function is called after routing, when a span starts.
   */
  route?: Derive<Req>;
  feature?: Derive<Req>;
  /** The tenant, e.g. from the authenticated principal. Outranks `trustTenantHeader`. */
  tenant?: Derive<Req>;
  /**
   * Take the tenant from a request header when `tenant` is not given: `true` reads
   * `x-tenant-id`, a string names another header. Default false: a client could otherwise
   * choose the tenant it is billed to. Turn on only behind something that sets the header.
   */
  trustTenantHeader?: boolean | string;
  /** Continue trace context and baggage from incoming headers (default true). */
  extract?: boolean;
  /**
   * Keep finops.* attribution (route, feature, tenant) arriving in W3C baggage. Default false;
   * set true on internal services whose callers are trusted services that set it. Other
   * baggage entries and the trace context are continued either way.
   */
  trustIncomingBaggage?: boolean;
}

function derive<Req>(d: Derive<Req> | undefined, req: Req): string | undefined {
  return typeof d === 'function' ? d(req) : d;
}

function headerTenant(
  req: IncomingMessage,
  trust: boolean | string | undefined,
): string | undefined {
  if (trust === undefined || trust === false) return undefined;
  const h = req.headers[trust === true ? 'x-tenant-id' : trust.toLowerCase()];
  return typeof h === 'string' && h !== '' ? h : undefined;
}

const ATTRIBUTION_KEYS = [FINOPS_BAGGAGE.ROUTE, FINOPS_BAGGAGE.FEATURE, FINOPS_BAGGAGE.TENANT];

/** Whether the request's own headers carry finops.* baggage (not the service's context). */
function carriesAttribution(req: IncomingMessage): boolean {
  const bag = propagation.getBaggage(propagation.extract(ROOT_CONTEXT, req.headers));
  return bag !== undefined && ATTRIBUTION_KEYS.some((k) => bag.getEntry(k) !== undefined);
}

function dropIncomingAttribution(ctx: Context): Context {
  const bag = propagation.getBaggage(ctx);
  if (!bag) return ctx;
  const cleaned = bag
    .removeEntry(FINOPS_BAGGAGE.ROUTE)
    .removeEntry(FINOPS_BAGGAGE.FEATURE)
    .removeEntry(FINOPS_BAGGAGE.TENANT);
  return propagation.setBaggage(ctx, cleaned);
}

function requestContext<Req extends IncomingMessage>(
  req: Req,
  o: AttributionMiddlewareOptions<Req>,
): Context {
  let ctx = context.active();
  if (o.extract !== false) {
    ctx = propagation.extract(ctx, req.headers);
    if (o.trustIncomingBaggage !== true && carriesAttribution(req))
      ctx = dropIncomingAttribution(ctx);
  }
  const attribution: Attribution = {
    route: typeof o.route === 'string' ? o.route : undefined,
    feature: derive(o.feature, req),
    tenant: o.tenant !== undefined ? derive(o.tenant, req) : headerTenant(req, o.trustTenantHeader),
  };
  return withLazyRoute(setAttribution(ctx, attribution), req, o.route);
}

/** The route resolved after routing (template by default); see route-template.ts. */
function withLazyRoute<Req>(ctx: Context, req: Req, route: Derive<Req> | undefined): Context {
  if (typeof route === 'string') return ctx;
  const bag = propagation.getBaggage(ctx) ?? propagation.createBaggage();
  const resolve = route ? () => route(req) : () => matchedRoute(req);
  const lazy = new LazyEntryBaggage(bag, FINOPS_BAGGAGE.ROUTE, resolve, route !== undefined);
  return propagation.setBaggage(ctx, lazy);
}

export function attributionMiddleware<Req extends IncomingMessage = IncomingMessage>(
  options: AttributionMiddlewareOptions<Req> = {},
): (req: Req, res: ServerResponse, next: (err?: unknown) => void) => void {
  return (req, _res, next) => {
    let ctx: Context;
    try {
      ctx = requestContext(req, options);
    } catch (err) {
      diag.warn('llm-finops: could not read attribution from the request; continuing without', err);
      next();
      return;
    }
    context.with(ctx, next);
  };
}
