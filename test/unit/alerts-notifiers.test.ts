// Notifiers against real local HTTP receivers: a signed generic webhook, a Slack incoming
// webhook, an Alertmanager /api/v2/alerts endpoint, a receiver that fails twice then recovers
// (retries with backoff) and one that always fails (it must not block the others).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notify, signWebhook } from '../../src/analytics/alerts/notifiers.js';
import { fingerprint, type Alert } from '../../src/analytics/alerts/state.js';
import { notifierSchema, type NotifierConfig } from '../../src/shared/config-notifiers.js';

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

function receiver(
  status: (n: number) => number,
  delayMs = 0,
): { server: Server; hits: Hit[]; url: () => string } {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers, body, at: Date.now() });
      setTimeout(() => res.writeHead(status(hits.length)).end(), delayMs);
    });
  });
  return { server, hits, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const webhook = receiver(() => 200);
const slack = receiver(() => 200);
const am = receiver(() => 200);
const flaky = receiver((n) => (n <= 2 ? 503 : 200));
const broken = receiver(() => 500);
const slow = receiver(() => 200, 2_000);

beforeAll(async () => {
  await Promise.all(
    [webhook, slack, am, flaky, broken, slow].map(
      (r) => new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve)),
    ),
  );
});
afterAll(() => {
  for (const r of [webhook, slack, am, flaky, broken, slow]) {
    r.server.closeAllConnections();
    r.server.close();
  }
});

const SECRET = 'test-secret-0123456789';
const labels = { provider: 'openai', tenant: 'acme' };
const alert = (state: Alert['state']): Alert => ({
  fingerprint: fingerprint('errors', labels),
  rule: 'errors',
  kind: 'error_rate',
  severity: 'critical',
  labels,
  state,
  startedAt: Date.UTC(2026, 0, 1, 12),
  firingAt: Date.UTC(2026, 0, 1, 12, 1),
  value: 0.2,
  threshold: 0.05,
  summary: 'error rate 20%',
  ...(state === 'resolved' ? { endedAt: Date.UTC(2026, 0, 1, 12, 5) } : {}),
});

function notifiers(): Record<string, NotifierConfig> {
  const n = (raw: Record<string, unknown>): NotifierConfig =>
    notifierSchema.parse({ backoff_ms: 50, timeout_ms: 500, ...raw });
  return {
    hook: n({ type: 'webhook', url: `${webhook.url()}/hook`, secret: SECRET }),
    slack: n({ type: 'slack', url: `${slack.url()}/services/T/B/X`, channel: '#llm' }),
    am: n({ type: 'alertmanager', url: am.url() }),
    flaky: n({ type: 'webhook', url: `${flaky.url()}/`, retries: 3 }),
    broken: n({ type: 'webhook', url: `${broken.url()}/`, retries: 2 }),
    slow: n({ type: 'webhook', url: `${slow.url()}/`, retries: 0, timeout_ms: 200 }),
  };
}

describe('notifiers', () => {
  it('deliver firing to every receiver; failures are isolated and retried with backoff', async () => {
    const started = Date.now();
    const out = await notify({
      notifiers: notifiers(),
      names: ['hook', 'slack', 'am', 'flaky', 'broken', 'slow'],
      alert: alert('firing'),
      repeat: false,
      nowMs: Date.now(),
    });
    expect(out.ok.sort()).toEqual(['am', 'flaky', 'hook', 'slack']);
    expect(out.failed.sort()).toEqual(['broken', 'slow']);
    expect(out.results.flaky?.attempts).toBe(3);
    expect(out.results.broken).toMatchObject({ ok: false, attempts: 3, status: 500 });
    expect(out.results.slow?.error).toMatch(/timeout/);
    // Backoff doubles, 50 ms then 100 ms, each jittered down by up to half (src/shared/retry.ts):
    // the waits between the three flaky attempts are at least 25 ms and 50 ms (1 ms of clock slack).
    const [a, b, c] = flaky.hits.map((h) => h.at);
    expect((b as number) - (a as number)).toBeGreaterThanOrEqual(24);
    expect((c as number) - (b as number)).toBeGreaterThanOrEqual(49);
    // The healthy receivers were not held back by the broken one's retries (sent in parallel).
    expect(webhook.hits[0]?.at ?? Infinity).toBeLessThanOrEqual(broken.hits.at(-1)?.at ?? 0);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('signs the generic webhook with HMAC-SHA256 over timestamp.body', () => {
    const hit = webhook.hits[0] as Hit;
    const ts = hit.headers['x-finops-timestamp'] as string;
    expect(hit.headers['x-finops-signature']).toBe(signWebhook(SECRET, ts, hit.body));
    expect(JSON.parse(hit.body)).toMatchObject({
      schema: 'llm-finops-alert/v1',
      status: 'firing',
      alert: { rule: 'errors', labels, severity: 'critical' },
    });
  });

  it('speaks Slack incoming-webhook and Alertmanager v2 formats', () => {
    const s = JSON.parse(slack.hits[0]?.body ?? '{}') as { text: string; channel: string };
    expect(s.text).toContain('[FIRING] errors');
    expect(s.channel).toBe('#llm');
    const m = am.hits[0] as Hit;
    expect(m.path).toBe('/api/v2/alerts');
    const [amAlert] = JSON.parse(m.body) as Record<string, unknown>[];
    expect(amAlert).toMatchObject({
      labels: { alertname: 'errors', severity: 'critical', provider: 'openai', tenant: 'acme' },
      startsAt: '2026-01-01T12:01:00.000Z',
    });
    expect(amAlert).not.toHaveProperty('endsAt');
  });

  it('sends resolved notifications (Alertmanager gets endsAt)', async () => {
    const out = await notify({
      notifiers: notifiers(),
      names: ['hook', 'slack', 'am'],
      alert: alert('resolved'),
      repeat: false,
      nowMs: Date.now(),
    });
    expect(out.failed).toEqual([]);
    expect(JSON.parse(webhook.hits.at(-1)?.body ?? '{}')).toMatchObject({
      status: 'resolved',
      alert: { ends_at: '2026-01-01T12:05:00.000Z' },
    });
    expect(JSON.parse(slack.hits.at(-1)?.body ?? '{}').text).toContain('[RESOLVED]');
    expect(JSON.parse(am.hits.at(-1)?.body ?? '[]')[0]).toMatchObject({
      endsAt: '2026-01-01T12:05:00.000Z',
    });
  });

  it('does not retry a 4xx refusal', async () => {
    const refusing = receiver(() => 400);
    await new Promise<void>((resolve) => refusing.server.listen(0, '127.0.0.1', resolve));
    const n = notifierSchema.parse({
      type: 'webhook',
      url: refusing.url(),
      retries: 3,
      backoff_ms: 10,
    });
    const out = await notify({
      notifiers: { r: n },
      names: ['r'],
      alert: alert('firing'),
      repeat: false,
      nowMs: Date.now(),
    });
    expect(out.results.r).toMatchObject({ ok: false, attempts: 1, status: 400 });
    refusing.server.close();
  });

  it("waits out a receiver's Retry-After (an HTTP-date too) before retrying", async () => {
    let n = 0;
    const hits: number[] = [];
    const throttling = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits.push(Date.now());
        n += 1;
        if (n === 1) res.writeHead(429, { 'retry-after': '1' }).end();
        else if (n === 2)
          res.writeHead(503, { 'retry-after': new Date(Date.now() + 2_000).toUTCString() }).end();
        else res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => throttling.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(throttling.address() as AddressInfo).port}`;
    const out = await notify({
      notifiers: { t: notifierSchema.parse({ type: 'webhook', url, retries: 3, backoff_ms: 10 }) },
      names: ['t'],
      alert: alert('firing'),
      repeat: false,
      nowMs: Date.now(),
    });
    throttling.close();
    expect(out.results.t).toMatchObject({ ok: true, attempts: 3, status: 200 });
    // 10 ms and 20 ms of backoff would do without the header; the receiver asked for 1 s, then
    // for a date about 2 s ahead (whole seconds: at least 1 s after rounding).
    expect((hits[1] ?? 0) - (hits[0] ?? 0)).toBeGreaterThanOrEqual(950);
    expect((hits[2] ?? 0) - (hits[1] ?? 0)).toBeGreaterThanOrEqual(950);
  });
});
