// The loop replay's feed (src/demo/replay-feed.ts): in-memory calls read with the health
// query's windows, gateway reports summed as queryGatewayViews does, and the feed's own circuit
// and weight code on top, so an offline replay moves weights as the live feed would.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { demoConfig } from '../../src/demo/demo-config.js';
import {
  gatewayViews,
  ReplayFeed,
  targetStats,
  type ReplayCall,
} from '../../src/demo/replay-feed.js';
import { FLEET } from '../../src/demo/scenario.js';
import type { FeedDocument } from '../../src/routing-client/index.js';

const call = (target: string, atMs: number, extra: Partial<ReplayCall> = {}): ReplayCall => ({
  target,
  atMs,
  status: 200,
  ttftMs: 1_000,
  durationMs: 3_000,
  tokens: 100,
  ...extra,
});

const windows = {
  nowMs: 1_000_000,
  windowS: 200,
  errorWindowS: 100,
  baselineS: 600,
  capacityWindowS: 120,
  since: {},
};

describe('replay feed: stats from in-memory calls', () => {
  it('reads each window as the health query does', () => {
    const now = windows.nowMs;
    const calls = [
      call('a', now - 500_000, { ttftMs: 400 }), // baseline only
      call('a', now - 150_000, { ttftMs: 2_000 }), // health window, not the error window
      call('a', now - 50_000, { status: 429, ttftMs: null, tokens: 0 }),
      call('a', now - 40_000, { status: 503, ttftMs: null, tokens: 0 }),
      call('a', now - 30_000, { tokens: 300 }),
      call('a', now + 1, { status: 503 }), // not yet
      call('b', now - 20_000, { fallbackFrom: 'a', tokens: 600 }),
    ];
    const s = targetStats(calls, 'a', windows);
    expect(s).toMatchObject({
      calls: 4,
      errors: 2,
      rateLimited: 1,
      recentCalls: 3,
      recentErrors: 2,
      recentRateLimited: 1,
      baseCalls: 1,
      baseTtftP50: 400,
      ttftP95: 2_000,
      latencyTtftP95: 1_000,
      // 120 s capacity window: per minute is half of it.
      tokensPerMinute: 150,
      requestsPerMinute: 1,
      spilledTokensPerMinute: 300,
      spilledRequestsPerMinute: 0.5,
      outcomes: [0, 2, 1, 0],
    });
    // A circuit that changed state 35 s ago is judged on what came after.
    const clipped = targetStats(calls, 'a', { ...windows, since: { a: now - 35_000 } });
    expect(clipped).toMatchObject({ calls: 1, errors: 0, recentCalls: 1, baseCalls: 1 });
  });

  it('sums what each gateway reported after the window start and the target since', () => {
    const report = (gateway: string, atMs: number, openMs: number, failures: number) => ({
      atMs,
      report: {
        schema: 'llm-gateway-report/v1' as const,
        gateway,
        start: new Date(atMs).toISOString(),
        interval_ms: 10_000,
        targets: [
          { pool: 'p', target: 'x', attempts: 4, failures, breaker_opens: 1, open_ms: openMs },
        ],
      },
    });
    const reports = [
      report('g1', 0, 10_000, 4), // ended before the window: left out
      report('g1', 50_000, 8_000, 3),
      report('g2', 50_000, 1_000, 0),
      report('g2', 100_000, 0, 0), // not before now
    ];
    const v = gatewayViews(reports, 20_000, 100_000, {});
    expect(v.get('x')).toEqual({
      gateways: 2,
      avoiding: 1,
      openShare: 0.45,
      attempts: 8,
      failures: 3,
      opens: 2,
    });
    expect(gatewayViews(reports, 20_000, 100_000, { x: 70_000 }).size).toBe(0);
  });
});

describe('replay feed: the feed pass on the demo configuration', () => {
  const cfg = demoConfig({ dataDir: '/nonexistent', scale: 1, fleet: FLEET }).routing;
  const { privateKey } = generateKeyPairSync('ed25519');
  const weights = (doc: FeedDocument): Record<string, number> =>
    Object.fromEntries(
      doc.pools[0]!.tiers.flatMap((t) =>
        t.targets.map((x) => [x.id, x.state === 'active' ? x.weight : 0]),
      ),
    );

  /** Four minutes of healthy traffic every 2 s per target, then `fault` until `endMs`. */
  function run(
    fault: (id: string, atMs: number) => Partial<ReplayCall>,
    endMs = 300_000,
  ): FeedDocument[] {
    const feed = new ReplayFeed(cfg, { privateKey, kid: 'k' });
    const docs: FeedDocument[] = [];
    for (let t = 0; t < endMs; t += 2_000) {
      for (const target of FLEET)
        feed.calls.push(call(target.id, t, t >= 240_000 ? fault(target.id, t) : {}));
      if (t % 10_000 === 0) docs.push(feed.pass(t + 1));
    }
    return docs;
  }

  it('down-weights an on-demand target failing most calls within a minute, keeps the reservation', () => {
    const docs = run((id) =>
      id === 'openai-direct' ? { status: 503, ttftMs: null, tokens: 0 } : {},
    );
    const before = weights(docs[23]!);
    const after = weights(docs[docs.length - 1]!);
    expect(before['openai-direct']).toBeGreaterThan(0);
    expect(after['openai-direct']).toBeLessThan(before['openai-direct']! / 2);
    expect(after['ptu-eastus']).toBeGreaterThan(0);
    // Healthy: the same run without the fault leaves it where it was.
    const healthy = weights(run(() => ({})).at(-1)!);
    expect(healthy['openai-direct']).toBeGreaterThanOrEqual(before['openai-direct']!);
  });

  it('moves traffic off a target whose first tokens turned slow for the latency window', () => {
    // 4.9x its baseline (still inside the 5 s timeout) for four minutes: the latency circuit
    // needs the breach to last circuit.latency_window_s (200 demo seconds).
    const docs = run(
      (id) => (id === 'payg-westus' ? { ttftMs: 4_900, durationMs: 8_000 } : {}),
      480_000,
    );
    const first = weights(docs[23]!);
    const last = weights(docs.at(-1)!);
    expect(last['payg-westus']).toBeLessThan(first['payg-westus']!);
    expect(last['ptu-eastus']).toBeGreaterThan(0);
  });
});
