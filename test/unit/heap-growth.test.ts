import { describe, expect, it } from 'vitest';
import {
  growingPercent,
  heapBudgetBytes,
  MIN_GROWING_PERCENT,
  paceHeapGrowth,
} from '../../src/collector/heap-growth.js';
import { planMemory } from '../../src/storage/memory.js';

const MB = 1024 * 1024;

describe('growingPercent (room past the live heap after a full collection)', () => {
  it('leaves room for a young generation larger than half the live heap', () => {
    // 50 MB live, 64 MB young generation: 50 % would leave 25 MB, less than one young generation.
    expect(growingPercent(50 * MB, 64 * MB, 1000 * MB)).toBe(128);
  });

  it('keeps the 1.5x bound once half the live heap exceeds the young generation', () => {
    expect(growingPercent(200 * MB, 64 * MB, 1000 * MB)).toBe(MIN_GROWING_PERCENT);
  });

  it('never grows past the budget for the room a young generation wants', () => {
    // Budget 80 MB, 50 MB live: 30 MB of room at most, i.e. 60 %.
    expect(growingPercent(50 * MB, 64 * MB, 80 * MB)).toBe(60);
  });

  it('keeps at least the 1.5x bound even past the budget', () => {
    expect(growingPercent(100 * MB, 64 * MB, 90 * MB)).toBe(MIN_GROWING_PERCENT);
  });

  it('answers the least growth for an unknown live size', () => {
    expect(growingPercent(0, 64 * MB, 1000 * MB)).toBe(MIN_GROWING_PERCENT);
    expect(growingPercent(Number.NaN, 64 * MB, 1000 * MB)).toBe(MIN_GROWING_PERCENT);
  });

  it('caps the growth of a near-empty heap', () => {
    expect(growingPercent(1 * MB, 64 * MB, 1000 * MB)).toBe(400);
  });
});

describe('heapBudgetBytes', () => {
  it("is max_memory less the engine's, the duplicate filter's and the remembered traces' shares", () => {
    const max = 1536 * MB;
    const plan = planMemory(max);
    expect(heapBudgetBytes(plan, max)).toBe(
      max - plan.engineBytes - plan.seenBytes - plan.traceBytes,
    );
    expect(heapBudgetBytes(plan, max)).toBeGreaterThan(0.38 * max);
    expect(heapBudgetBytes(plan, max)).toBeLessThan(0.4 * max);
  });
});

describe('paceHeapGrowth', () => {
  it('starts at the least growth and stops observing when asked', () => {
    const growth = paceHeapGrowth(600 * MB);
    expect(growth.percent).toBe(MIN_GROWING_PERCENT);
    growth.stop();
  });
});
