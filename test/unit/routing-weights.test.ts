// Pure parts of the feed producer: scores, normalisation, smoothing (bounded step, hysteresis),
// the circuit state machine, canonical JSON; the config JSON Schema; and the client's imports.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { circuitStats, closedCircuit, nextCircuit } from '../../src/analytics/routing/circuit.js';
import { emptyStats } from '../../src/analytics/routing/health-query.js';
import { normalise, scoreTarget, smooth } from '../../src/analytics/routing/weights.js';
import { canonicalJson } from '../../src/routing-client/canonical.js';
import { configJsonSchema } from '../../src/schemas.js';
import { routingConfigSchema } from '../../src/shared/config-routing.js';

const cfg = routingConfigSchema.parse({});
const target = (extra: object = {}) =>
  routingConfigSchema.parse({
    pools: [
      {
        pool: 'p',
        targets: [{ id: 't', provider: 'openai', model: 'm', kind: 'on_demand', ...extra }],
      },
    ],
  }).pools[0]!.targets[0]!;

describe('weights', () => {
  it('scores down TTFT drift, errors, 429s and price, with reasons', () => {
    const healthy = scoreTarget(
      target(),
      { ...emptyStats(), calls: 100, ttftP50: 300, baseTtftP50: 300 },
      cfg,
      undefined,
      0,
    );
    expect([healthy.score, healthy.reasons]).toEqual([100, []]);
    const slow = scoreTarget(
      target(),
      { ...emptyStats(), calls: 100, ttftP50: 600, baseTtftP50: 300 },
      cfg,
      undefined,
      0,
    );
    expect(slow.score).toBeCloseTo(25);
    expect(slow.reasons[0]).toMatch(/TTFT p50 600 ms is 2.00x baseline/);
    expect(
      scoreTarget(target(), { ...emptyStats(), calls: 100, errors: 15 }, cfg, undefined, 0).score,
    ).toBeCloseTo(50);
    const pricey = scoreTarget(
      target({ pricing: { input_cost_per_token: 4e-6 } }),
      emptyStats(),
      cfg,
      undefined,
      1e-6,
    );
    expect(pricey.score).toBeCloseTo(50);
  });

  it('normalises to integers summing to 100', () => {
    expect([
      ...normalise([
        { id: 'a', score: 1 },
        { id: 'b', score: 1 },
        { id: 'c', score: 1 },
      ]).values(),
    ]).toEqual([34, 33, 33]);
    expect([...normalise([{ id: 'a', score: 0 }]).values()]).toEqual([0]);
  });

  it('smooths: bounded step, hysteresis, never holds a drain or a restore', () => {
    const sm = cfg.smoothing;
    expect(smooth(undefined, 70, sm).weight).toBe(70);
    expect(smooth(10, 90, sm).weight).toBe(30);
    expect(smooth(90, 10, sm).weight).toBe(40);
    expect(smooth(50, 53, sm).weight).toBe(50);
    expect(smooth(3, 0, sm).weight).toBe(0);
  });
});

describe('circuit', () => {
  it('does not open a full provisioned deployment on its 429s, but does on its real errors', () => {
    const c = routingConfigSchema.parse({}).circuit;
    const full = { ...emptyStats(), recentCalls: 100, recentErrors: 60, recentRateLimited: 60 };
    expect(nextCircuit(closedCircuit(), circuitStats(full, 'provisioned'), c, 1_000).state).toBe(
      'closed',
    );
    // The same 429s on an on-demand target are a provider in trouble.
    expect(nextCircuit(closedCircuit(), circuitStats(full, 'on_demand'), c, 1_000).state).toBe(
      'open',
    );
    const broken = { ...emptyStats(), recentCalls: 100, recentErrors: 80, recentRateLimited: 40 }; // 40 of 60 served failed
    expect(nextCircuit(closedCircuit(), circuitStats(broken, 'provisioned'), c, 1_000).state).toBe(
      'open',
    );
  });
  const c = cfg.circuit;
  it('opens at 25% errors over the error window, probes after the cooldown, closes on a good probe', () => {
    const open = nextCircuit(
      closedCircuit(),
      { ...emptyStats(), recentCalls: 20, recentErrors: 5 },
      c,
      1_000,
    );
    expect(open).toMatchObject({ state: 'open', opens: 1 });
    expect(nextCircuit(open, emptyStats(), c, 30_999).state).toBe('open');
    const half = nextCircuit(open, emptyStats(), c, 31_000);
    expect(half.state).toBe('half_open');
    expect(nextCircuit(half, emptyStats(), c, 32_000)).toBe(half);
    expect(nextCircuit(half, { ...emptyStats(), recentCalls: 1 }, c, 33_000)).toMatchObject({
      state: 'closed',
      opens: 0,
    });
    const reopened = nextCircuit(
      half,
      { ...emptyStats(), recentCalls: 1, recentErrors: 1 },
      c,
      33_000,
    );
    expect(reopened).toMatchObject({ state: 'open', opens: 2 });
    // Repeated opens back off to the 60 s maximum.
    expect(nextCircuit(reopened, emptyStats(), c, 33_000 + 59_999).state).toBe('open');
    expect(nextCircuit(reopened, emptyStats(), c, 33_000 + 60_000).state).toBe('half_open');
  });

  it('opens on p95 above 2x baseline only after it lasted the latency window', () => {
    const slow = { ...emptyStats(), latencyCalls: 50, latencyTtftP95: 2_500, baseTtftP95: 1_000 };
    let s = nextCircuit(closedCircuit(), slow, c, 0);
    expect(s.state).toBe('closed');
    s = nextCircuit(s, slow, c, 299_000);
    expect(s.state).toBe('closed');
    expect(nextCircuit(s, slow, c, 300_000).state).toBe('open');
    expect(
      nextCircuit(s, { ...slow, latencyTtftP95: 1_100 }, c, 300_000).breachSince,
    ).toBeUndefined();
  });
});

describe('canonical JSON, schema, client imports', () => {
  it('sorts keys and drops undefined members (JCS)', () => {
    expect(
      canonicalJson({ b: 1, a: [true, null, 'x'], c: undefined, d: { z: 1.5e-7, y: 'é' } }),
    ).toBe('{"a":[true,null,"x"],"b":1,"d":{"y":"é","z":1.5e-7}}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow();
  });

  it('writes a JSON Schema of the whole config, alerts and routing included', () => {
    const text = JSON.stringify(configJsonSchema());
    for (const word of [
      'ttft_drift',
      'unpriced_model',
      'alertmanager',
      'overflow_on',
      'skip_target',
    ])
      expect(text).toContain(word);
  });

  it('the routing client imports node built-ins and our dependency-free semconv only', () => {
    const dir = new URL('../../src/routing-client/', import.meta.url);
    // Sources only: the folder is also a workspace package (package.json, README, dist/).
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const src = readFileSync(new URL(file, dir), 'utf8');
      for (const [, spec] of src.matchAll(/from '([^']+)'/g))
        expect(spec, `${file}: ${spec}`).toMatch(/^(node:|\.\/|\.\.\/shared\/semconv\.js$)/);
    }
  });
});
