// Baggage attribution crossing two real HTTP services: a plain node:http front service derives
// the tenant from a header and calls an express back service with fetch (W3C traceparent +
// baggage injected); the back service's LLM span carries the front's tenant/route/feature and
// belongs to the same trace.
import { trace } from '@opentelemetry/api';
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
let frontUrl = '';

const listen = (s: Server) =>
  new Promise<string>((r) =>
    s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)),
  );

beforeAll(async () => {
  llm = await startMockLlmServer();
  t = startTestTelemetry();
  const client = instrumentOpenAI(new OpenAI({ apiKey: 'sk', baseURL: llm.openaiBaseURL }));

  const app = express();
  // Back service: no tenant header of its own; attribution arrives in baggage.
  app.use(attributionMiddleware());
  app.get('/summarize', async (_req, res) => {
    const r = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'back' }],
    });
    res.json({ id: r.id });
  });
  back = createServer(app);
  const backUrl = await listen(back);

  const mw = attributionMiddleware({ route: (req) => req.url?.split('?')[0] });
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
});

afterAll(async () => {
  front.closeAllConnections();
  back.closeAllConnections();
  await new Promise((r) => front.close(r));
  await new Promise((r) => back.close(r));
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
