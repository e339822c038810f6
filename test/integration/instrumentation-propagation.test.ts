// Baggage attribution crossing two real HTTP services: a plain node:http front service derives
// the tenant from a header and calls an express back service with fetch (W3C traceparent +
// baggage injected); the back service's LLM span carries the front's tenant/route/feature and
// belongs to the same trace. Both trust their callers only because they are told to: an edge
// service with the default middleware ignores a client's x-tenant-id header and finops baggage.
import { context, propagation, trace } from '@opentelemetry/api';
import express from 'express';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  attributionMiddleware,
  injectTraceHeaders,
  instrumentOpenAI,
  withAttribution,
} from '../../src/instrumentation/index.js';
import { FINOPS } from '../../src/shared/semconv.js';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { only, startTestTelemetry } from '../fixtures/instrumentation/spans.js';
import type { TestTelemetry } from '../fixtures/instrumentation/spans.js';

let llm: MockLlmServer;
let t: TestTelemetry;
let front: Server;
let back: Server;
let edge: Server;
let frontUrl = '';
let edgeUrl = '';

const listen = (s: Server) =>
  new Promise<string>((r) =>
    s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
  );

beforeAll(async () => {
  llm = await startMockLlmServer();
  t = startTestTelemetry();
  const client = instrumentOpenAI(new OpenAI({ apiKey: 'sk', baseURL: llm.openaiBaseURL }));

  const app = express();
  // Back service: no tenant header of its own; attribution arrives in baggage from the front,
  // a service it trusts.
  app.use(attributionMiddleware({ trustIncomingBaggage: true }));
  app.get('/summarize', async (_req, res) => {
    const r = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'back' }],
    });
    res.json({ id: r.id });
  });
  back = createServer(app);
  const backUrl = await listen(back);

  const mw = attributionMiddleware({
    route: (req) => req.url?.split('?')[0],
    trustTenantHeader: true,
  });
  front = createServer((req, res) => {
    mw(req, res, () => {
      const tracer = trace.getTracer('front');
      void tracer.startActiveSpan('GET /ticket', async (span) => {
        const body = await withAttribution({ feature: 'ticket-summary' }, async () => {
          const r = await fetch(`${backUrl}/summarize`, { headers: injectTraceHeaders() });
          return r.text();
        });
        span.end();
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      });
    });
  });
  frontUrl = await listen(front);

  // Edge service: the defaults, facing clients.
  const edgeApp = express();
  edgeApp.use(attributionMiddleware());
  edgeApp.get('/chat', async (_req, res) => {
    const other = propagation.getBaggage(context.active())?.getEntry('other')?.value;
    const r = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'edge' }],
    });
    res.json({ id: r.id, other });
  });
  edge = createServer(edgeApp);
  edgeUrl = await listen(edge);
});

afterAll(async () => {
  for (const s of [front, back, edge]) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  await t.telemetry.shutdown();
  await llm.close();
});

it('route, feature and tenant travel in W3C baggage to the downstream LLM span', async () => {
  const res = await fetch(`${frontUrl}/ticket`, { headers: { 'x-tenant-id': 'acme-corp' } });
  expect(await res.json()).toEqual({ id: 'chatcmpl-back' });
  const llmSpan = only(t.spans(), 'chat gpt-4o-mini');
  const frontSpan = only(t.spans(), 'GET /ticket');
  expect(llmSpan.attributes[FINOPS.TENANT]).toBe('acme-corp');
  expect(llmSpan.attributes[FINOPS.ROUTE]).toBe('/ticket');
  expect(llmSpan.attributes[FINOPS.FEATURE]).toBe('ticket-summary');
  expect(llmSpan.spanContext().traceId).toBe(frontSpan.spanContext().traceId);
  // The back span's parent is the front span (traceparent crossed the HTTP hop).
  expect(llmSpan.parentSpanContext?.spanId).toBe(frontSpan.spanContext().spanId);
});

it('an edge service can refuse attribution arriving in baggage', async () => {
  t.reset();
  const mw = attributionMiddleware({ trustIncomingBaggage: false, tenant: () => 'from-auth' });
  const req = Object.assign(Object.create(null), {
    headers: { baggage: 'finops.tenant=spoofed,finops.route=%2Fx' },
    url: '/',
  });
  let seen: Record<string, unknown> = {};
  const { getAttribution } = await import('../../src/instrumentation/index.js');
  mw(req, {} as never, () => {
    seen = { ...getAttribution() };
  });
  expect(seen).toEqual({ tenant: 'from-auth' });
});

it('by default a client picks no tenant: x-tenant-id and finops baggage are ignored, other baggage kept', async () => {
  t.reset();
  const res = await fetch(`${edgeUrl}/chat`, {
    headers: {
      'x-tenant-id': 'victim-corp',
      baggage: 'finops.tenant=victim-corp,finops.route=%2Fforged,finops.feature=free,other=kept',
    },
  });
  expect(await res.json()).toEqual({ id: 'chatcmpl-edge', other: 'kept' });
  const llmSpan = only(t.spans(), 'chat gpt-4o-mini');
  expect(llmSpan.attributes[FINOPS.TENANT]).toBeUndefined();
  // The route is the service's own matched template, never the forged one from baggage.
  expect(llmSpan.attributes[FINOPS.ROUTE]).toBe('/chat');
  expect(llmSpan.attributes[FINOPS.FEATURE]).toBeUndefined();
});

it('trustTenantHeader can name another header; an explicit tenant outranks it', async () => {
  const { getAttribution } = await import('../../src/instrumentation/index.js');
  const seen = (mw: ReturnType<typeof attributionMiddleware>, headers: Record<string, string>) => {
    let out: Record<string, unknown> = {};
    mw(Object.assign(Object.create(null), { headers, url: '/' }), {} as never, () => {
      out = { ...getAttribution() };
    });
    return out;
  };
  const headers = { 'x-org': 'org-7', 'x-tenant-id': 'other' };
  expect(seen(attributionMiddleware({ trustTenantHeader: 'X-Org' }), headers)).toEqual({
    tenant: 'org-7',
  });
  expect(seen(attributionMiddleware({ trustTenantHeader: true }), headers)).toEqual({
    tenant: 'other',
  });
  expect(seen(attributionMiddleware(), headers)).toEqual({});
  expect(
    seen(attributionMiddleware({ trustTenantHeader: true, tenant: () => 'from-auth' }), headers),
  ).toEqual({ tenant: 'from-auth' });
});
