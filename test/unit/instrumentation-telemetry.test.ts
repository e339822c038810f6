// startTelemetry: resource attributes, OTLP/HTTP export to an arbitrary URL (a local sink
// standing in for the collector), W3C propagators, shutdown unregisters globals.
import { propagation, trace } from '@opentelemetry/api';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { tracesUrl, withAttribution, injectTraceHeaders } from '../../src/instrumentation/index.js';
import { createE2EClients } from '../fixtures/instrumentation/e2e.js';

it('tracesUrl appends /v1/traces to a base URL only', () => {
  expect(tracesUrl('http://c:4318')).toBe('http://c:4318/v1/traces');
  expect(tracesUrl('http://c:4318/')).toBe('http://c:4318/v1/traces');
  expect(tracesUrl('http://c:4318/v1/traces')).toBe('http://c:4318/v1/traces');
});

it('exports OTLP/HTTP with service.name and deployment.environment.name; propagators registered', async () => {
  const bodies: { path: string; type: string; body: Buffer }[] = [];
  const sink = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push({
        path: req.url ?? '',
        type: String(req.headers['content-type']),
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const e2e = await createE2EClients(url, 'checkout-api');
  await withAttribution({ tenant: 'acme' }, async () => {
    expect(injectTraceHeaders()['baggage']).toBe('finops.tenant=acme');
    await e2e.openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'e2e' }],
    });
  });
  await e2e.close();
  sink.close();
  expect(bodies.length).toBeGreaterThan(0);
  expect(bodies[0]?.path).toBe('/v1/traces');
  const all = Buffer.concat(bodies.map((b) => b.body)).toString('latin1');
  for (const s of [
    'checkout-api',
    'deployment.environment.name',
    'test',
    'gen_ai.usage.input_tokens',
    'finops.tenant',
    'acme',
  ]) {
    expect(all).toContain(s);
  }
  // shutdown() unregistered what it registered.
  expect(trace.getTracerProvider().constructor.name).toBe('ProxyTracerProvider');
  expect(propagation.fields()).toEqual([]);
});
