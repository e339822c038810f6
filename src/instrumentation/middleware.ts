// Express (or plain node:http) middleware: continues the caller's trace and baggage from the
// incoming W3C headers, then sets route / feature / tenant derived from the request. Typed
// structurally on node:http so importing it never loads express.
import { context, propagation } from '@opentelemetry/api';
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
  /** Default: the `x-tenant-id` request header, if present. */
  tenant?: Derive<Req>;
  /** Continue trace context and baggage from incoming headers (default true). */
  extract?: boolean;
  /**
   * Keep finops.* attribution arriving in baggage (default true: internal services). Set false
   * on an edge service, where clients could otherwise pick the tenant they are billed to.
   */
  trustIncomingBaggage?: boolean;
}

function derive<Req>(d: Derive<Req> | undefined, req: Req): string | undefined {
  return typeof d === 'function' ? d(req) : d;
}

function defaultTenant(req: IncomingMessage): string | undefined {
  const h = req.headers['x-tenant-id'];
  return typeof h === 'string' && h !== '' ? h : undefined;
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
  if (o.extract !== false) ctx = propagation.extract(ctx, req.headers);
  if (o.trustIncomingBaggage === false) ctx = dropIncomingAttribution(ctx);
  const attribution: Attribution = {
    route: typeof o.route === 'string' ? o.route : undefined,
    feature: derive(o.feature, req),
    tenant: o.tenant !== undefined ? derive(o.tenant, req) : defaultTenant(req),
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
    } catch {
      next();
      return;
    }
    context.with(ctx, next);
  };
}
