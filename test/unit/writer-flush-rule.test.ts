// The writer's flush rule (writer-flush.ts) as a function of what waits and for how long: a
// trickle goes at the flush interval, a flow waits up to the busy interval for a full insert,
// and a full insert (by rows or by the engine's byte share) goes at once.
import { describe, expect, it } from 'vitest';
import { flushRule, isDue, isFull } from '../../src/collector/writer-flush.js';

const rule = flushRule({
  flushIntervalMs: 1_000,
  busyFlushIntervalMs: 4_000,
  fullRows: 50_000,
  fullBytes: 30_000_000,
});
const q = (calls: number, callBytes = calls * 300, outcomes = 0) => ({
  calls,
  outcomes,
  callBytes,
});

describe('writer flush rule', () => {
  it('derives a flow threshold of 1/25 of a full insert an interval', () => {
    expect(rule.busyRows).toBe(2_000);
    expect(rule.busyIntervalMs).toBe(4_000);
    // A busy interval shorter than the flush interval never shortens the wait.
    expect(flushRule({ flushIntervalMs: 500, busyFlushIntervalMs: 100, fullRows: 10 })).toEqual({
      intervalMs: 500,
      busyIntervalMs: 500,
      busyRows: 1,
      fullRows: 10,
      fullBytes: Infinity,
    });
  });

  it('holds everything short of a full insert until the flush interval', () => {
    expect(isDue(rule, q(49_999), 999)).toBe(false);
    expect(isDue(rule, q(1), 999)).toBe(false);
  });

  it('sends a trickle at the flush interval', () => {
    expect(isDue(rule, q(1_999), 1_000)).toBe(true);
    expect(isDue(rule, q(0, 0, 1_500), 1_000)).toBe(true);
    // 3,000 rows over 2 s (an insert was in flight): 1,500 an interval, a trickle.
    expect(isDue(rule, q(3_000), 2_000)).toBe(true);
  });

  it('holds a flow past the flush interval, up to the busy interval', () => {
    expect(isDue(rule, q(2_000), 1_000)).toBe(false);
    expect(isDue(rule, q(0, 0, 2_000), 1_000)).toBe(false);
    expect(isDue(rule, q(20_000), 3_999)).toBe(false);
    expect(isDue(rule, q(20_000), 4_000)).toBe(true);
    // The flow ebbs: 6,000 rows over 3.5 s is 1,714 an interval.
    expect(isDue(rule, q(6_000), 3_500)).toBe(true);
  });

  it('sends a full insert at once, by rows or by the byte share', () => {
    expect(isFull(rule, q(50_000))).toBe(true);
    expect(isFull(rule, q(0, 0, 50_000))).toBe(true);
    expect(isFull(rule, q(40_000, 30_000_000))).toBe(true);
    expect(isFull(rule, q(40_000, 29_999_999))).toBe(false);
    expect(isDue(rule, q(40_000, 30_000_000), 0)).toBe(true);
  });
});
