// Alert rules on real chDB with an injected clock: every kind fires on seeded data; the
// lifecycle goes pending -> firing -> resolved with exactly one firing and one resolved
// notification; history and the active set are served by GET /v1/alerts (tenant-scoped).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/analytics/http/app.js';
import { createAnalyticsServices, type AnalyticsServices } from '../../src/analytics/services.js';
import { evaluateRule } from '../../src/analytics/alerts/rules.js';
import { alertRuleSchema } from '../../src/shared/config-alerts.js';
import { parseConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import type { QueryRunner } from '../../src/storage/runner.js';
import { seed, spread, startStore } from './alerts-routing-seed.js';

const DAY = Date.UTC(
  new Date().getUTCFullYear(),
  new Date().getUTCMonth(),
  new Date().getUTCDate(),
);
const T = DAY + 12 * 3_600_000;
const MIN = 60_000;

let t: { runtime: { storage: QueryRunner }; dataDir: string };
let hook: Server;
const received: Record<string, unknown>[] = [];

beforeAll(async () => {
  const store = await startStore();
  t = { runtime: { storage: store.storage }, dataDir: store.dataDir };
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const s = t.runtime.storage;
  // Baseline hour: openai healthy at 300 ms TTFT; acme spends steadily.
  await seed(
    s,
    spread(120, T - 70 * MIN, T - 10 * MIN, {
      ttftMs: 300,
      costUsd: '0.001',
      cacheReadTokens: 800,
    }),
  );
  // Anthropic: a slow, rate-limited, retried, falling-back, unpriced last ten minutes.
  await seed(
    s,
    spread(60, T - 70 * MIN, T - 10 * MIN, {
      provider: 'anthropic',
      model: 'claude-x',
      ttftMs: 400,
      durationMs: 900,
      route: '/slow',
      tenant: 'beta',
      cacheReadTokens: 800,
    }),
  );
  await seed(
    s,
    spread(40, T - 5 * MIN, T, (i) => ({
      provider: 'anthropic',
      model: 'claude-x',
      route: '/slow',
      tenant: 'beta',
      ttftMs: 1_200,
      durationMs: 9_000,
      httpStatus: i % 4 === 0 ? 429 : 200,
      error: i % 4 === 0,
      attempt: i % 2 === 0 ? 2 : 1,
      fallbackFrom: i % 3 === 0 ? 'openai' : '',
      priced: false,
      costUsd: '0',
      inputTokens: 50_000,
      cacheReadTokens: 0,
      // A source that cannot report cached tokens: half of these calls' costs are estimates.
      usageIncomplete: i % 2 === 1,
    })),
  );
  // Budget: acme spent $3 today; cost anomaly: acme's last hour is far above its baseline.
  await seed(s, spread(30, T - 30 * MIN, T, { tenant: 'acme', route: '/big', costUsd: '0.1' }));
});

afterAll(async () => {
  hook?.close();
  await t?.runtime.storage.close();
});

const rule = (r: Record<string, unknown>) =>
  alertRuleSchema.parse({ name: `r-${String(r.kind)}`, min_calls: 5, ...r });

describe('every rule kind fires on seeded data', () => {
  const cases: [Record<string, unknown>, Record<string, string>][] = [
    [
      { kind: 'ttft_drift', stat: 'p50', ratio: 1.2, window_s: 600, baseline_s: 3_600 },
      { provider: 'anthropic', model: 'claude-x' },
    ],
    [
      { kind: 'ttft_drift', stat: 'p95', ratio: 1.5, window_s: 600, baseline_s: 3_600 },
      { provider: 'anthropic', model: 'claude-x' },
    ],
    [
      { kind: 'latency_p95', threshold_ms: 5_000 },
      { provider: 'anthropic', model: 'claude-x' },
    ],
    [{ kind: 'error_rate', threshold: 0.05, window_s: 300 }, { provider: 'anthropic' }],
    [{ kind: 'rate_429', threshold: 0.05 }, { provider: 'anthropic' }],
    [
      { kind: 'cache_hit_regression', window_s: 600, baseline_s: 3_600 },
      { route: '/slow', model: 'claude-x' },
    ],
    [{ kind: 'budget', ceiling_usd: '2', period: 'day', mode: 'hard' }, { tenant: 'acme' }],
    [{ kind: 'budget', ceiling_usd: '4', period: 'day', mode: 'forecast' }, { tenant: 'acme' }],
    [
      { kind: 'budget', ceiling_usd: '3.5', period: 'day', mode: 'soft', soft_pct: 80 },
      { tenant: 'acme' },
    ],
    [
      {
        kind: 'tenant_cost_anomaly',
        window_s: 1_800,
        baseline_s: 3_600,
        ratio: 3,
        min_cost_usd: 1,
      },
      { tenant: 'acme' },
    ],
    [
      { kind: 'route_token_budget', max_tokens_per_call: 10_000, window_s: 600 },
      { route: '/slow' },
    ],
    [{ kind: 'fallback_rate', threshold: 0.1 }, { route: '/slow' }],
    [{ kind: 'retry_amplification', threshold: 1.3 }, { route: '/slow' }],
    [{ kind: 'unpriced_model' }, { provider: 'anthropic', model: 'claude-x' }],
    [
      { kind: 'usage_incomplete', threshold: 0.1 },
      { route: '/slow', model: 'claude-x' },
    ],
  ];
  it.each(cases)('%o', async (spec, labels) => {
    const obs = await evaluateRule(rule(spec), {
      storage: t.runtime.storage,
      now: new Date(T),
      finopsBudgets: [],
    });
    const hit = obs.find((o) => Object.entries(labels).every(([k, v]) => o.labels[k] === v));
    expect(hit, JSON.stringify(obs)).toBeDefined();
    expect(hit?.breached, hit?.summary).toBe(true);
    // Healthy groups are observed but not breached.
    expect(
      obs
        .filter((o) => o.breached)
        .every((o) => o.labels.provider !== 'openai' || spec.kind === 'budget'),
    ).toBe(true);
  });

  it('usage_incomplete: a group whose usage is complete is observed at 0 and not breached', async () => {
    const obs = await evaluateRule(rule({ kind: 'usage_incomplete', threshold: 0.1 }), {
      storage: t.runtime.storage,
      now: new Date(T),
      finopsBudgets: [],
    });
    const complete = obs.find((o) => o.labels.route === '/chat' && o.labels.model === 'gpt-4o');
    expect(complete?.value).toBe(0);
    expect(complete?.breached).toBe(false);
    const slow = obs.find((o) => o.labels.route === '/slow');
    expect(slow?.summary).toContain('incomplete usage');
  });

  it('judges the finops budgets (the config shape) when a budget rule has no ceiling', async () => {
    const { finops } = parseConfig({
      finops: {
        budgets: [
          { name: 'acme-day', scope: { tenant: 'acme' }, period: 'day', ceiling_usd: '1' },
          { name: 'acme-month', scope: { tenant: 'acme' }, period: 'month', ceiling_usd: '1000' },
          { name: 'beta-day', scope: { tenant: 'beta' }, period: 'day', ceiling_usd: '1' },
        ],
      },
    });
    const ctx = { storage: t.runtime.storage, now: new Date(T), finopsBudgets: finops.budgets };
    const all = await evaluateRule(rule({ kind: 'budget' }), ctx);
    expect(all.map((o) => [o.labels, o.breached])).toEqual([
      [{ budget: 'acme-day', tenant: 'acme' }, true],
      [{ budget: 'acme-month', tenant: 'acme' }, false],
      // beta's calls are unpriced ($0): never a breach.
      [{ budget: 'beta-day', tenant: 'beta' }, false],
    ]);
    const daily = await evaluateRule(rule({ kind: 'budget', period: 'day' }), ctx);
    expect(daily.map((o) => o.labels.budget)).toEqual(['acme-day', 'beta-day']);
    const named = await evaluateRule(rule({ kind: 'budget', budgets: ['beta-day'] }), ctx);
    expect(named.map((o) => o.labels.budget)).toEqual(['beta-day']);
    const scoped = await evaluateRule(rule({ kind: 'budget', scope: { tenant: 'acme' } }), ctx);
    expect(scoped.map((o) => o.labels.budget)).toEqual(['acme-day', 'acme-month']);
  });
});

describe('lifecycle with an injected clock', () => {
  let now = T;
  const config = () =>
    parseConfig({
      storage: { data_dir: t.dataDir },
      alerts: {
        notifiers: {
          hook: {
            type: 'webhook',
            url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`,
            secret: 'a-very-secret-key-123',
            retries: 0,
          },
        },
        rules: [
          {
            name: 'gw-errors',
            kind: 'error_rate',
            threshold: 0.05,
            window_s: 60,
            group_by: ['provider'],
            for_s: 60,
            min_calls: 10,
            severity: 'critical',
            notifiers: ['hook'],
            scope: { provider: 'openai' },
          },
        ],
      },
    });
  let deps: AnalyticsServices;
  let api: Server;
  let url = '';

  beforeAll(async () => {
    deps = createAnalyticsServices({
      storage: t.runtime.storage,
      logger: createLogger('silent'),
      config: config(),
      now: () => new Date(now),
    });
    api = createApp({ ...deps, checkResponses: true }).listen(0);
    await new Promise((r) => api.once('listening', r));
    url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(() => api.close());

  const errorsAround = (at: number, rate: number) =>
    seed(
      t.runtime.storage,
      spread(40, at - 55_000, at, (i) => ({ error: i < rate * 40, tenant: 'acme' })),
    );

  it('pending, then firing once, then resolved once', async () => {
    const engine = deps.alerts;
    now = T + 2 * MIN;
    await errorsAround(now, 0.2);
    const first = await engine.evaluate();
    expect(first.transitions.map((x) => x.state)).toEqual(['pending']);
    now += 30_000;
    await errorsAround(now, 0.2);
    expect((await engine.evaluate()).transitions).toEqual([]);
    now += 30_000;
    await errorsAround(now, 0.2);
    const firing = await engine.evaluate();
    expect(firing.transitions).toEqual([
      expect.objectContaining({ state: 'firing', notified: ['hook'] }),
    ]);
    now += 30_000;
    await errorsAround(now, 0.2);
    expect((await engine.evaluate()).transitions).toEqual([]);
    now += 2 * MIN;
    await errorsAround(now, 0);
    const resolved = await engine.evaluate();
    expect(resolved.transitions).toEqual([
      expect.objectContaining({ state: 'resolved', notified: ['hook'] }),
    ]);
    expect(received.map((r) => r.status)).toEqual(['firing', 'resolved']);
    expect(received[0]).toMatchObject({
      alert: { rule: 'gw-errors', labels: { provider: 'openai' }, severity: 'critical' },
    });
  });

  it('serves active alerts and history, scoped by tenant', async () => {
    const res = await fetch(`${url}/v1/alerts?rule=gw-errors`);
    const body = (await res.json()) as { active: unknown[]; history: { state: string }[] };
    expect(res.status).toBe(200);
    expect(body.active).toEqual([]);
    expect(body.history.map((h) => h.state)).toEqual(['resolved', 'firing', 'pending']);
    const scoped = (await (await fetch(`${url}/v1/alerts?tenant=nobody`)).json()) as {
      history: unknown[];
    };
    expect(scoped.history).toEqual([]);
    const bad = await fetch(`${url}/v1/alerts?limit=0`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { parameter: string }).parameter).toBe('limit');
  });

  it('a restarted engine resumes a firing alert without re-notifying', async () => {
    now += MIN;
    await errorsAround(now, 0.5);
    const engine = deps.alerts;
    await engine.evaluate();
    now += MIN;
    await errorsAround(now, 0.5);
    expect((await engine.evaluate()).transitions.map((x) => x.state)).toEqual(['firing']);
    const before = received.length;
    // New services (as after a restart) restore the active set from alert_events.
    const again = createAnalyticsServices({
      storage: t.runtime.storage,
      logger: createLogger('silent'),
      config: config(),
      now: () => new Date(now),
    });
    now += 30_000;
    await errorsAround(now, 0.5);
    expect((await again.alerts.evaluate()).transitions).toEqual([]);
    expect(received.length).toBe(before);
    const active = (await (await fetch(`${url}/v1/alerts?view=active`)).json()) as {
      active: { state: string; labels: Record<string, string> }[];
    };
    expect(active.active).toEqual([
      expect.objectContaining({ state: 'firing', labels: { provider: 'openai' } }),
    ]);
  });
});
