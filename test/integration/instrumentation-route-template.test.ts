// attributionMiddleware attributes calls to the matched express route template, after routing
// (`/tickets/101` and `/tickets/102` are one route, `/tickets/:id`), including a router's mount
// path; the template also travels in outgoing baggage; an explicit route still wins.
import express from 'express';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import {
  attributionMiddleware,
  injectTraceHeaders,
  instrumentOpenAI,
  withAttribution,
} from '../../src/instrumentation/index.js';
import { FINOPS } from '../../src/shared/semconv.js';
import { startMockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import type { MockLlmServer } from '../fixtures/instrumentation/mock-llm-server.js';
import { startTestTelemetry } from '../fixtures/instrumentation/spans.js';
import type { TestTelemetry } from '../fixtures/instrumentation/spans.js';

let llm: MockLlmServer;
let t: TestTelemetry;
let server: Server;
let url = '';

beforeAll(async () => {
  llm = await startMockLlmServer();
  t = startTestTelemetry();
  const client = instrumentOpenAI(new OpenAI({ apiKey: 'sk', baseURL: llm.openaiBaseURL }));
  const ask = (content: string) =>
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

  const app = express();
  app.use(attributionMiddleware());
  app.get('/tickets/:id', async (req, res) => {
    await ask(`t${req.params.id}`);
    res.json({ baggage: injectTraceHeaders()['baggage'] ?? '' });
  });
  const api = express.Router();
  api.get('/orders/:orderId', async (req, res) => {
    await ask(`o${req.params.orderId}`);
    res.json({});
  });
  app.use('/api', api);
  app.get('/explicit/:id', async (_req, res) => {
    await withAttribution({ route: 'summarize-flow' }, () => ask('explicit'));
    res.json({});
  });
  // No route matches: a fallback handler's call has no route rather than the raw URL.
  app.use(async (_req, res) => {
    await ask('fallback');
    res.status(404).json({});
  });
  server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await t.telemetry.shutdown();
  await llm.close();
});
beforeEach(() => t.reset());

const routes = () => t.spans().map((s) => s.attributes[FINOPS.ROUTE]);

it('/tickets/101 and /tickets/102 are one route, /tickets/:id', async () => {
  const a = (await (await fetch(`${url}/tickets/101`)).json()) as { baggage: string };
  await fetch(`${url}/tickets/102`);
  expect(routes()).toEqual(['/tickets/:id', '/tickets/:id']);
  // Outgoing calls made in the handler carry the template too.
  expect(decodeURIComponent(a.baggage)).toContain('finops.route=/tickets/:id');
});

it("a mounted router's path is part of the template", async () => {
  await fetch(`${url}/api/orders/7`);
  expect(routes()).toEqual(['/api/orders/:orderId']);
});

it('an explicit route wins over the template; an unmatched URL gives no route', async () => {
  await fetch(`${url}/explicit/1`);
  await fetch(`${url}/nothing/here/42`);
  expect(routes()).toEqual(['summarize-flow', undefined]);
});
