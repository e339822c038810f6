import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The percent before and after one full collection, in a fresh process with this budget. */
function afterFullGc(budgetBytes: number): { before: number; after: number } {
  // The GC entry reaches observers asynchronously: a fixed 50 ms wait missed it once on a loaded
  // machine. A second observer, registered after paceHeapGrowth's, resolves once the full
  // collection's entry has been delivered (to both), bounded at 10 s.
  const script = `
    import { PerformanceObserver, constants } from 'node:perf_hooks';
    import { paceHeapGrowth } from './src/collector/heap-growth.ts';
    const growth = paceHeapGrowth(${budgetBytes});
    const before = growth.percent;
    const delivered = new Promise((resolve) => {
      const o = new PerformanceObserver((list) => {
        if (!list.getEntries().some((e) => e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) return;
        o.disconnect();
        setImmediate(resolve);
      });
      o.observe({ entryTypes: ['gc'] });
    });
    globalThis.gc();
    await Promise.race([delivered, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    growth.stop();
    process.stdout.write(JSON.stringify({ before, after: growth.percent }));`;
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return JSON.parse(out) as { before: number; after: number };
}

describe('paceHeapGrowth', () => {
  it('starts at the least growth and stops observing when asked', () => {
    const growth = paceHeapGrowth(600 * MB);
    expect(growth.percent).toBe(MIN_GROWING_PERCENT);
    growth.stop();
  });

  it('re-decides after a full collection: room for the young generation within the budget', () => {
    // A fresh process's young generation is larger than half its few MB of live heap.
    const roomy = afterFullGc(1024 * MB);
    expect(roomy.before).toBe(MIN_GROWING_PERCENT);
    expect(roomy.after).toBeGreaterThan(MIN_GROWING_PERCENT);
    // A budget below the live heap: the 1.5x bound stays.
    expect(afterFullGc(1)).toEqual({ before: MIN_GROWING_PERCENT, after: MIN_GROWING_PERCENT });
  });
});
