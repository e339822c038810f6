// Express (or plain node:http) middleware: continues the caller's trace and baggage from the
// incoming W3C headers, then sets route / feature / tenant derived from the request. Typed
// structurally on node:http so importing it never loads express.
import { context, diag, propagation } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FINOPS_BAGGAGE } from '../shared/semconv.js';
import { setAttribution } from './attribution.js';
import type { Attribution } from './attribution.js';

type Derive<Req> = string | ((req: Req) => string | undefined);

export interface AttributionMiddlewareOptions<Req extends IncomingMessage = IncomingMessage> {
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
    route: derive(o.route, req),
    feature: derive(o.feature, req),
    tenant: o.tenant !== undefined ? derive(o.tenant, req) : defaultTenant(req),
  };
  return setAttribution(ctx, attribution);
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
