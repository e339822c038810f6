// The split cache's blocks, the ranges left to split, and its memory bound (no engine involved:
// the integration test cost-model-cache.test.ts checks the digits on chDB).
import { describe, expect, it } from 'vitest';
import {
  admit,
  clearSplitCache,
  closedBlocks,
  liveRanges,
  shapeOf,
  type DaySplit,
} from '../../src/analytics/queries/cost-model-cache.js';
import type { QueryRunner } from '../../src/storage/runner.js';

const H = 3_600_000;
const D = 24 * H;
const R0 = Date.UTC(2026, 5, 1);

/** A split of `groups` group entries (one reservation). */
const split = (groups: number): DaySplit => ({
  stamp: 's',
  parts: [
    {
      groups: new Map(Array.from({ length: groups }, (_x, i) => [`g${i}`, [1n, 2n]])),
      unused: new Map(),
    },
  ],
});

describe('closed blocks', () => {
  it('takes whole closed days, and whole closed hours of the partial days only', () => {
    const lo = R0 + 21 * H + 5_000;
    const hi = R0 + 2 * D + 3 * H + 7_000;
    const blocks = closedBlocks(lo, hi, R0 + 2 * D + 2 * H + 1);
    expect(blocks).toEqual([
      { start: R0 + 22 * H, len: H },
      { start: R0 + 23 * H, len: H },
      { start: R0 + D, len: D },
      { start: R0 + 2 * D, len: H },
      { start: R0 + 2 * D + H, len: H },
    ]);
    // What is left to split: the partial first hour, and from the open hour on.
    expect(liveRanges(lo, hi, blocks)).toEqual([
      [lo, R0 + 22 * H],
      [R0 + 2 * D + 2 * H, hi],
    ]);
    // A day not yet over is hours, not a day.
    expect(closedBlocks(R0, R0 + D, R0 + D - 1).every((b) => b.len === H)).toBe(true);
  });

  it('leaves the ranges between cached blocks to split, merged when adjacent', () => {
    const blocks = [
      { start: R0 + D, len: D },
      { start: R0 + 3 * D, len: H },
    ];
    expect(liveRanges(R0, R0 + 4 * D, blocks)).toEqual([
      [R0, R0 + D],
      [R0 + 2 * D, R0 + 3 * D],
      [R0 + 3 * D + H, R0 + 4 * D],
    ]);
  });
});

describe('the cache bound', () => {
  it('drops the least recently asked shapes to make room, and refuses a block that never fits', () => {
    // The cache is keyed by the storage object only; no query is made here.
    const storage = {} as QueryRunner;
    clearSplitCache(storage);
    const a = shapeOf(storage, 'a');
    expect(admit(storage, a, 'd1', split(300_000))).toBe(true);
    const b = shapeOf(storage, 'b');
    expect(admit(storage, b, 'd1', split(150_000))).toBe(true);
    // a (least recently asked) was dropped to fit b's block: asking for it again starts empty.
    expect(shapeOf(storage, 'a').size).toBe(0);
    expect(shapeOf(storage, 'b').get('d1')).toBeDefined();
    expect(admit(storage, b, 'd2', split(500_000))).toBe(false);
    expect(b.has('d2')).toBe(false);
  });
});
