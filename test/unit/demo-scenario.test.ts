// The scripted traffic and the report math: the same seed gives the same requests, bursts add
// load, the prompt version flips; time to detect / shift come out of samples and alerts.
import { describe, expect, it } from 'vitest';
import { createDemoClock } from '../../src/demo/clock.js';
import { modelRequest } from '../../src/demo/provider.js';
import { formatTable, tableRows, timings } from '../../src/demo/report.js';
import { FLEET, SCENARIOS } from '../../src/demo/scenario.js';
import { generateTraffic } from '../../src/demo/traffic.js';
import { StaticGateway } from '../../src/demo/gateways.js';

const RUN = 30 * 60_000;

describe('traffic', () => {
  it('is reproducible from its seed, with bursts over base load and the prompt change', () => {
    const a = generateTraffic({ scenario: SCENARIOS['burst']!, runMs: RUN, seed: 7, baseRpm: 40 });
    const b = generateTraffic({ scenario: SCENARIOS['burst']!, runMs: RUN, seed: 7, baseRpm: 40 });
    expect(a.map((r) => [r.atMs, r.tenant, r.route])).toEqual(
      b.map((r) => [r.atMs, r.tenant, r.route]),
    );
    const inBurst = a.filter((r) => r.atMs >= 0.4 * RUN && r.atMs < 0.6 * RUN).length / 6;
    const before = a.filter((r) => r.atMs < 0.4 * RUN).length / 12;
    expect(inBurst / before).toBeGreaterThan(1.8);
    const cache = generateTraffic({
      scenario: SCENARIOS['cache-break']!,
      runMs: RUN,
      seed: 7,
      baseRpm: 40,
    });
    expect(new Set(cache.filter((r) => r.atMs < RUN / 2).map((r) => r.promptVersion))).toEqual(
      new Set(['v1']),
    );
    expect(new Set(cache.filter((r) => r.atMs >= RUN / 2).map((r) => r.promptVersion))).toEqual(
      new Set(['v2']),
    );
    const mr = modelRequest({
      messages: [
        { role: 'system', content: cache[0]!.system },
        { role: 'user', content: cache[0]!.user },
      ],
      max_tokens: 512,
    });
    expect(mr.prefixTokens).toBeGreaterThanOrEqual(1_024);
    expect(mr.maxTokens).toBe(512);
  });
});

describe('static balancer', () => {
  it('is a smooth weighted round-robin over the configured weights', () => {
    const gw = new StaticGateway(new Map(), FLEET, createDemoClock(20));
    const counts = new Map<string, number>();
    for (let i = 0; i < 100; i++) {
      const t = gw.next();
      counts.set(t.id, (counts.get(t.id) ?? 0) + 1);
    }
    for (const t of FLEET) expect(counts.get(t.id)).toBe(t.staticWeight);
  });
});

describe('report timings', () => {
  it('detects on the first weight move or relevant alert and shifts below 10% of the tier', () => {
    const scenario = SCENARIOS['ttft-incident']!;
    const w = (wus: number) => ({
      'ptu-eastus': 100,
      'payg-eastus2': (100 - wus) / 2,
      'payg-westus': wus,
      'openai-direct': (100 - wus) / 2,
    });
    const samples = [
      { atMs: 0, weights: w(33) },
      { atMs: 11 * 60_000, weights: w(20) },
      { atMs: 12 * 60_000, weights: w(5) },
    ];
    const alerts = [
      {
        rule: 'r',
        kind: 'error_rate',
        labels: { environment: 'demo-adaptive', deployment: 'payg-westus' },
        atMs: 10.5 * 60_000,
      },
    ];
    const t = timings({
      scenario,
      runMs: RUN,
      fleet: FLEET,
      samples,
      alerts,
      environment: 'demo-adaptive',
    });
    expect(t.detectMs).toBe(30_000);
    expect(t.detectBy).toBe('alert r');
    expect(t.shiftMs).toBe(2 * 60_000);
    const none = timings({
      scenario,
      runMs: RUN,
      fleet: FLEET,
      samples: [samples[0]!],
      alerts: [],
      environment: 'demo-static',
    });
    expect(none.detectMs).toBeNull();
    expect(none.shiftMs).toBeNull();
    const s = {
      name: 'x',
      requests: 1,
      ok: 1,
      good: 1,
      goodputPct: 100,
      p50TtftMs: 1,
      p95TtftMs: 2,
      slow: 0,
      user429: 0,
      userErrors: 0,
      onDemandUsd: 1,
      reservedUsd: 1,
      costUsd: 2,
      money: { onDemand: '1', reserved: '1', total: '2' },
      costPerGoodUsd: 2,
      ptuUtilPct: 50,
      providerAttempts: 1,
    };
    const table = formatTable(tableRows(s, s, t, none), 'title');
    expect(table).toContain('time to shift');
    expect(table).toContain('never');
  });
});
