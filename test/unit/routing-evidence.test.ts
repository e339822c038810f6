// When failures are evidence (evidence.ts): the sequential test decides on few calls when they
// fail in a row, a stable target raises no alarm, and the false-alarm rate against a target
// failing at exactly the warn rate is measured (below ALPHA per call, as the module states).
import { describe, expect, it } from 'vitest';
import {
  ALPHA,
  binomialTail,
  sequentialAlarm,
  significantFailures,
} from '../../src/analytics/routing/evidence.js';
import { emptyStats } from '../../src/analytics/routing/health-query.js';
import { scoreTarget } from '../../src/analytics/routing/weights.js';
import { parseConfig } from '../../src/shared/config.js';

const WARN = 0.05;

/** A deterministic random in [0, 1) (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Alarms over `calls` calls failing at `p`, the CUSUM restarted after each (a 60-call window). */
function alarms(p: number, calls: number, seed: number): number {
  const random = seeded(seed);
  let window: boolean[] = [];
  let n = 0;
  for (let i = 0; i < calls; i++) {
    window.push(random() < p);
    if (window.length > 60) window.shift();
    if (sequentialAlarm(window, WARN).alarm) {
      n++;
      window = [];
    }
  }
  return n;
}

describe('binomial evidence', () => {
  it('is the upper tail of the binomial', () => {
    // P(X >= 2 | 4, 0.05) = 1 - 0.95^4 - 4 * 0.05 * 0.95^3
    expect(binomialTail(2, 4, 0.05)).toBeCloseTo(1 - 0.95 ** 4 - 4 * 0.05 * 0.95 ** 3, 12);
    expect(binomialTail(0, 4, 0.05)).toBe(1);
    expect(binomialTail(5, 4, 0.05)).toBe(0);
  });

  it('needs more than a high rate on a handful of calls', () => {
    expect(significantFailures(2, 4, WARN)).toBe(false); // 50%, p = 0.014
    expect(significantFailures(4, 8, WARN)).toBe(true); // 50%, p = 0.0004
    expect(significantFailures(3, 40, WARN)).toBe(false); // 7.5%
    expect(significantFailures(0, 0, WARN)).toBe(false);
  });
});

describe('sequential evidence', () => {
  it('alarms on three failures in a row after healthy calls, not on two', () => {
    const healthy = Array<boolean>(30).fill(false);
    expect(sequentialAlarm([...healthy, true, true], WARN).alarm).toBe(false);
    expect(sequentialAlarm([...healthy, true, true, true], WARN).alarm).toBe(true);
    // A success between them is evidence the other way.
    expect(sequentialAlarm([...healthy, true, true, false, true], WARN).alarm).toBe(false);
  });

  it('a run of successes after an incident clears the alarm', () => {
    const incident = Array<boolean>(5).fill(true);
    expect(sequentialAlarm(incident, WARN).alarm).toBe(true);
    expect(sequentialAlarm([...incident, ...Array<boolean>(20).fill(false)], WARN).alarm).toBe(
      false,
    );
  });

  it('false alarms against a target failing at the warn rate: fewer than ALPHA per call', () => {
    const calls = 200_000;
    const n = alarms(WARN, calls, 7);
    expect(n / calls).toBeLessThan(ALPHA);
    expect(n).toBeGreaterThan(0); // the test can fire: it is not vacuous at the warn rate
  });

  it('a stable target: none in 200,000 calls at 1% failures, under 1 per 40,000 at 2%', () => {
    // Three failures in a row: 1e-6 per call at 1%, 8e-6 at 2% (about 1.6 in 200,000).
    expect(alarms(0.01, 200_000, 11)).toBe(0);
    expect(alarms(0.02, 200_000, 13)).toBeLessThanOrEqual(5);
  });
});

describe('the score moves only on evidence', () => {
  const cfg = parseConfig({
    routing: {
      pools: [
        {
          pool: 'p',
          targets: [
            { id: 'a', provider: 'openai', model: 'm', kind: 'on_demand' },
            { id: 'b', provider: 'openai', model: 'm', kind: 'on_demand' },
          ],
        },
      ],
    },
  }).routing;
  const a = cfg.pools[0]!.targets[0]!;
  const score = (outcomes: number[]) => {
    const errors = outcomes.filter((o) => o !== 0).length;
    return scoreTarget(
      a,
      { ...emptyStats(), calls: outcomes.length, errors, outcomes },
      cfg,
      undefined,
      0,
    );
  };

  it('one timeout among a few calls moves nothing; three in a row do', () => {
    expect(score([0, 0, 1, 0]).score).toBe(a.base_weight);
    const hit = score([0, 0, 0, 0, 1, 1, 1]);
    expect(hit.score).toBeLessThan(0.1 * a.base_weight);
    expect(hit.reasons.join()).toMatch(/sequential test/);
  });

  it("a reservation's 429s (full, not failing) are no evidence; an on-demand target's are", () => {
    const ptu = { ...a, kind: 'provisioned' as const };
    const outcomes = [0, 0, 0, 2, 2, 2, 2];
    const stats = { ...emptyStats(), calls: 7, errors: 4, rateLimited: 4, outcomes };
    expect(scoreTarget(ptu, stats, cfg, undefined, 0).reasons.join()).not.toMatch(/sequential/);
    expect(scoreTarget(a, stats, cfg, undefined, 0).reasons.join()).toMatch(/sequential/);
  });

  it('a stable target seen in windows of eight calls keeps its score in every window', () => {
    const random = seeded(21);
    for (let w = 0; w < 5_000; w++) {
      const outcomes = Array.from({ length: 8 }, () => (random() < 0.01 ? 1 : 0));
      expect(score(outcomes).score).toBe(a.base_weight);
    }
  });
});
