// The demo's cost floor (src/demo/floor.ts): the least a gateway answering every request could
// pay. Its usage model must be the mock providers' own, and its bound must respect the
// reservation's capacity per stretch of the run.
import { describe, expect, it } from 'vitest';
import {
  bestSaving,
  costFloor,
  expectedOutput,
  floorItem,
  runFloor,
  savingBound,
} from '../../src/demo/floor.js';
import { reservedCost } from '../../src/demo/metrics.js';
import { chatParams } from '../../src/demo/gateway-call.js';
import { modelRequest } from '../../src/demo/provider.js';
import { FLEET, SCENARIOS } from '../../src/demo/scenario.js';
import { generateTraffic } from '../../src/demo/traffic.js';
import { Money } from '../../src/shared/money.js';

const item = (atMs: number, usd: string, tokens: number) => ({
  atMs,
  usd: new Money(usd),
  tokens,
  density: Number(usd) / tokens,
});

describe('demo cost floor', () => {
  it('uses the tokens the mock providers count for the same request', () => {
    const s = SCENARIOS['cache-break']!;
    const traffic = generateTraffic({ scenario: s, runMs: 600_000, seed: 3, baseRpm: 40 });
    for (const r of traffic.slice(0, 50)) {
      const m = modelRequest(chatParams(r) as unknown as Record<string, unknown>);
      const cachedMax = Math.floor(m.prefixTokens / 128) * 128;
      const cached = r.promptVersion === 'v1' ? cachedMax : 0;
      expect(floorItem(r).tokens).toBe(
        m.inputTokens - cached + Math.min(m.maxTokens, m.outputTokens),
      );
    }
  });

  it('fills the capacity with the most valuable tokens first, a part of the last one', () => {
    const a = item(0, '10', 10); // $1 per token
    const b = item(0, '3', 1); // $3 per token
    expect(bestSaving([a, b], 5).toString()).toBe('7'); // all of b, 4 tokens of a
    expect(bestSaving([a, b], 100).toString()).toBe('13');
  });

  it('bounds each stretch by its own capacity plus one minute of allowance', () => {
    // 1 token per minute; a at the start, b after two minutes, a 3-minute run.
    const a = item(0, '10', 10);
    const b = item(120_000, '30', 10);
    // Whole run: 3 + 1 tokens, all from b ($3 each).
    expect(savingBound([a, b], 1, 180_000, []).toString()).toBe('12');
    // Cut at 2 minutes: a's stretch takes 2 + 1 tokens of a, b's 1 + 1 of b.
    expect(savingBound([a, b], 1, 180_000, [120_000]).toString()).toBe('9');
  });

  it('is below answering everything on demand, by at most what the reservation could carry', () => {
    const s = SCENARIOS['burst']!;
    const traffic = generateTraffic({ scenario: s, runMs: 600_000, seed: 5, baseRpm: 60 });
    const f = costFloor(traffic, s, 600_000, 20_000);
    const all = new Money(f.allOnDemandUsd);
    expect(new Money(f.onDemandFloorUsd).lt(all)).toBe(true);
    expect(new Money(f.onDemandFloorUsd).add(f.reservedSavingUsd).eq(all)).toBe(true);
    // 11 minutes of 20k tokens at most $10 per million (output, the dearest token).
    expect(new Money(f.reservedSavingUsd).lte('2.2')).toBe(true);
  });

  it('ranks by the expected output for what a router can reach: between the floor and all on demand', () => {
    expect(expectedOutput(512)).toBe(239.5); // 80..399, never capped
    expect(expectedOutput(100)).toBeCloseTo((1_790 + 100 * 300) / 320, 9); // 80..99, then 100
    const s = SCENARIOS['cache-break']!;
    const traffic = generateTraffic({ scenario: s, runMs: 600_000, seed: 11, baseRpm: 60 });
    const f = costFloor(traffic, s, 600_000, 20_000);
    // Not knowing each answer's length can only cost: ranked above the exact floor.
    expect(new Money(f.rankedFloorUsd).gt(f.onDemandFloorUsd)).toBe(true);
    expect(new Money(f.rankedFloorUsd).lt(f.allOnDemandUsd)).toBe(true);
  });

  it("compares with a run's cost: the reservation's flat price added, its capacity from the fleet", () => {
    const s = SCENARIOS['cache-break']!;
    const traffic = generateTraffic({ scenario: s, runMs: 600_000, seed: 11, baseRpm: 60 });
    const f = costFloor(traffic, s, 600_000, 20_000);
    const run = runFloor(traffic, s, 600_000, FLEET);
    const reserved = reservedCost(600_000);
    const exact = new Money(f.onDemandFloorUsd).add(reserved);
    // Rounded down to 9 decimals: never above the exact bound, less than a nano-dollar below it.
    expect(new Money(run.costUsd).lte(exact)).toBe(true);
    expect(exact.sub(run.costUsd).lt('1e-9')).toBe(true);
    expect(new Money(run.costUsd).decimalPlaces()).toBeLessThanOrEqual(9);
    expect(new Money(run.rankedCostUsd).lte(new Money(f.rankedFloorUsd).add(reserved))).toBe(true);
    expect(new Money(f.rankedFloorUsd).add(reserved).sub(run.rankedCostUsd).lt('1e-9')).toBe(true);
    // A fleet with twice the reserved capacity can only lower the floor.
    const doubled = FLEET.map((t) =>
      t.capacityTpm !== undefined ? { ...t, capacityTpm: t.capacityTpm * 2 } : t,
    );
    expect(new Money(runFloor(traffic, s, 600_000, doubled).costUsd).lt(run.costUsd)).toBe(true);
  });
});
