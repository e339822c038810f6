// The mock providers' capacity model: a provisioned deployment answers 429 with retry-after-ms
// above its tokens-per-minute capacity and admits again once the bucket drained; an on-demand
// pool's TTFT grows with the load it carries; the prefix cache breaks when the prompt changes.
import { describe, expect, it } from 'vitest';
import { LeakyBucket, LoadWindow, PrefixCache, loadedTtft } from '../../src/demo/capacity.js';
import { seededRandom } from '../../src/demo/clock.js';
import { SCENARIOS, type FleetTarget } from '../../src/demo/scenario.js';
import { TargetModel, type ModelRequest } from '../../src/demo/target-model.js';

const req = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  inputTokens: 1_500,
  prefixKey: 'sys',
  prefixTokens: 1_200,
  maxTokens: 500,
  outputTokens: 200,
  ...over,
});

describe('LeakyBucket (provisioned capacity)', () => {
  it('admits up to its per-minute capacity, then refuses with the time until the request fits', () => {
    const b = new LeakyBucket(10_000);
    let admitted = 0;
    for (let i = 0; i < 20; i++) if (b.tryAdmit(0, 1_000).ok) admitted++;
    expect(admitted).toBe(10);
    const refused = b.tryAdmit(0, 1_000);
    expect(refused.ok).toBe(false);
    // 1,000 tokens over capacity at 10,000 tokens/min drain in 6 s.
    if (!refused.ok) expect(refused.retryAfterMs).toBe(6_000);
    expect(b.tryAdmit(5_000, 1_000).ok).toBe(false);
    expect(b.tryAdmit(6_000, 1_000).ok).toBe(true);
  });

  it('corrects the estimate to the tokens used, freeing capacity early', () => {
    const b = new LeakyBucket(10_000);
    for (let i = 0; i < 10; i++) b.tryAdmit(0, 1_000);
    expect(b.tryAdmit(0, 1_000).ok).toBe(false);
    b.complete(0, 1_000, 400);
    expect(b.utilization(0)).toBeCloseTo(0.94, 5);
    expect(b.tryAdmit(0, 1_000).ok).toBe(false);
    b.complete(0, 1_000, 0);
    expect(b.tryAdmit(0, 1_000).ok).toBe(true);
    expect(b.served).toBe(400);
  });
});

describe('on-demand TTFT under load', () => {
  it('grows with load: flat at idle, doubled at the knee, five times at twice the knee', () => {
    expect(loadedTtft(2_000, 0, 40_000)).toBe(2_000);
    expect(loadedTtft(2_000, 40_000, 40_000)).toBe(4_000);
    expect(loadedTtft(2_000, 80_000, 40_000)).toBe(10_000);
  });

  it('measures load over a sliding demo minute', () => {
    const w = new LoadWindow();
    w.add(0, 1_000);
    w.add(30_000, 2_000);
    expect(w.tpm(30_000)).toBe(3_000);
    expect(w.tpm(61_000)).toBe(2_000);
    expect(w.tpm(91_000)).toBe(0);
  });
});

describe('TargetModel', () => {
  const scenario = SCENARIOS['ttft-incident']!;
  const ptu: FleetTarget = {
    id: 'ptu',
    label: 'ptu',
    provider: 'azure.ai.openai',
    kind: 'provisioned',
    region: 'eastus',
    ttftMs: 600,
    capacityTpm: 5_000,
    staticWeight: 1,
  };
  const payg: FleetTarget = {
    id: 'payg',
    label: 'payg',
    provider: 'azure.ai.openai',
    kind: 'on_demand',
    region: 'westus',
    ttftMs: 2_000,
    kneeTpm: 10_000,
    staticWeight: 1,
  };

  it('answers 429 with retry-after above provisioned capacity and counts it', () => {
    const m = new TargetModel(ptu, scenario, 30 * 60_000, seededRandom(1));
    const decisions = Array.from({ length: 12 }, () =>
      m.decide(1_000, req({ prefixKey: 'x', prefixTokens: 0 })),
    );
    const rejected = decisions.filter((d) => d.kind === 'reject');
    expect(rejected.length).toBeGreaterThan(0);
    expect(
      rejected.every((d) => d.kind === 'reject' && d.status === 429 && d.retryAfterMs > 0),
    ).toBe(true);
    expect(m.counters.rateLimited).toBe(rejected.length);
  });

  it('does not warm its prompt cache with a request it refused (the retry reads no cache)', () => {
    const m = new TargetModel(ptu, scenario, 30 * 60_000, seededRandom(3));
    // Fill the bucket with requests of other prefixes, then refuse one with a fresh prefix.
    while (m.decide(1_000, req({ prefixKey: `fill-${m.counters.requests}` })).kind === 'serve');
    expect(m.decide(1_000, req({ prefixKey: 'fresh' })).kind).toBe('reject');
    // A minute later the bucket has drained: the retry is served, from a cold cache.
    const retry = m.decide(61_000, req({ prefixKey: 'fresh' }));
    expect(retry.kind === 'serve' && retry.usage.cached).toBe(0);
    const next = m.decide(62_000, req({ prefixKey: 'fresh' }));
    expect(next.kind === 'serve' && next.usage.cached).toBe(1_152);
  });

  it('serves the scripted regional incident at ~60 s TTFT and load-dependent TTFT otherwise', () => {
    const m = new TargetModel(payg, scenario, 30 * 60_000, seededRandom(2));
    const idle = m.decide(0, req());
    for (let i = 0; i < 20; i++) m.decide(60_000, req());
    const busy = m.decide(60_000, req());
    const incident = m.decide(15 * 60_000, req());
    expect(idle.kind === 'serve' && busy.kind === 'serve' && incident.kind === 'serve').toBe(true);
    if (idle.kind === 'serve' && busy.kind === 'serve' && incident.kind === 'serve') {
      expect(busy.ttftMs).toBeGreaterThan(idle.ttftMs * 2);
      expect(incident.ttftMs).toBeGreaterThan(45_000);
    }
  });
});

describe('PrefixCache', () => {
  it('hits a stable prefix within its TTL and misses a changed one', () => {
    const c = new PrefixCache(60_000);
    expect(c.lookup(0, 'v1', 1_200)).toBe(0);
    expect(c.lookup(1_000, 'v1', 1_200)).toBe(1_152);
    expect(c.lookup(2_000, 'v2-unique', 1_200)).toBe(0);
    expect(c.lookup(100_000, 'v1', 1_200)).toBe(0);
    // Peeking (a request refused at admission) does not warm the cache for the retry.
    expect(c.peek(101_000, 'refused', 1_200)).toBe(0);
    expect(c.peek(102_000, 'refused', 1_200)).toBe(0);
    c.store(103_000, 'refused');
    expect(c.peek(104_000, 'refused', 1_200)).toBe(1_152);
  });
});
