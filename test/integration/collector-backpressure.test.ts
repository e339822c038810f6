// Memory under overload: requests in flight are bounded by count and by bytes. Requests held
// open (headers sent, body still arriving) fill the slots; the next one gets 429 + Retry-After
// before its body is read, and the held ones still complete and are stored once they finish.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { requestJson, spanJson } from '../helpers/otlp.js';

let t: TestRuntime;
beforeAll(async () => {
  t = await startTestRuntime({
    collector: {
      max_inflight_requests: 2,
      max_inflight_bytes: 96 * 1024,
      max_body_bytes: 64 * 1024,
      // Every request here comes from one address: this file tests the global bounds, so one
      // peer may hold every slot (the per-peer share has its own test in chaos-fairness).
      max_inflight_share_per_peer: 1,
    },
  });
});
afterAll(async () => t.runtime.stop());

function body(tenant: string, padTo: number): Buffer {
  const span = spanJson({
    attributes: {
      [GEN_AI.OPERATION_NAME]: 'chat',
      [GEN_AI.PROVIDER_NAME]: 'openai',
      [GEN_AI.REQUEST_MODEL]: 'gpt-4o',
      [GEN_AI.USAGE_INPUT_TOKENS]: 10,
      [GEN_AI.USAGE_OUTPUT_TOKENS]: 5,
      [FINOPS.TENANT]: tenant,
    },
  });
  const text = JSON.stringify(requestJson([span]));
  // JSON allows trailing whitespace: pad the body to the size the test needs.
  return Buffer.from(text.padEnd(padTo, ' '));
}

interface Held {
  req: ClientRequest;
  response: Promise<IncomingMessage & { text: string }>;
}

/** Send the headers and the first `sent` bytes, and keep the request open. */
function hold(payload: Buffer, sent: number): Held {
  const url = new URL(t.otlpUrl);
  const req = httpRequest({
    host: url.hostname,
    port: url.port,
    path: url.pathname,
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': String(payload.length) },
  });
  const response = new Promise<IncomingMessage & { text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Object.assign(res, { text: Buffer.concat(chunks).toString() })));
    });
    req.on('error', reject);
  });
  req.write(payload.subarray(0, sent));
  return { req, response };
}

const storedTenants = async (): Promise<string[]> => {
  return (
    await t.runtime.storage.query<{ tenant: string }>(
      'SELECT tenant FROM llm_calls ORDER BY tenant',
    )
  ).map((r) => r.tenant);
};

describe('requests in flight are bounded', () => {
  it('refuses a request past max_inflight_requests with 429 + Retry-After, and the held ones still land', async () => {
    const a = body('held-a', 1024);
    const b = body('held-b', 1024);
    const first = hold(a, 100);
    const second = hold(b, 100);
    await new Promise((r) => setTimeout(r, 200)); // both are being read now
    const refused = await fetch(t.otlpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('refused', 512),
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.text()).toMatch(/max_inflight_requests/);
    first.req.end(a.subarray(100));
    second.req.end(b.subarray(100));
    expect((await first.response).statusCode).toBe(200);
    expect((await second.response).statusCode).toBe(200);
    // The slots are free again.
    const after = await fetch(t.otlpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('after', 512),
    });
    expect(after.status).toBe(200);
    expect(await eventually(storedTenants, (v) => v.length >= 3)).toEqual([
      'after',
      'held-a',
      'held-b',
    ]);
  });

  it('refuses past max_inflight_bytes while another body is still arriving', async () => {
    const big = body('big', 60 * 1024);
    const held = hold(big, 50 * 1024);
    await new Promise((r) => setTimeout(r, 200));
    const refused = await fetch(t.otlpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body('over-budget', 60 * 1024),
    });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/max_inflight_bytes/);
    held.req.end(big.subarray(50 * 1024));
    expect((await held.response).statusCode).toBe(200);
    expect(await eventually(storedTenants, (v) => v.includes('big'))).not.toContain('over-budget');
  });

  it('rejects a config whose byte budget is below one request', async () => {
    const { parseConfig } = await import('../../src/shared/config.js');
    expect(() =>
      parseConfig({ collector: { max_body_bytes: 4096, max_inflight_bytes: 2048 } }),
    ).toThrow(/max_inflight_bytes/);
  });
});
