import { describe, expect, it } from 'vitest';
import { SEEN_ENTRY_BYTES, SeenSet } from '../../src/collector/seen.js';

/** Call-id-like keys from a seeded generator (the same ids every run). */
function ids(count: number, seed = 1): string[] {
  let x = seed;
  const hex = (): string => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x.toString(16).padStart(8, '0');
  };
  return Array.from({ length: count }, () => `${hex()}${hex()}${hex()}${hex()}-${hex()}${hex()}`);
}

describe('SeenSet (duplicate filter)', () => {
  it('remembers the ids it was given and nothing else', () => {
    const seen = new SeenSet({ maxBytes: 1024 * 1024 });
    const [a, b, c] = ids(3);
    seen.add(a!);
    seen.add(b!);
    seen.add(a!);
    expect(seen.has(a!)).toBe(true);
    expect(seen.has(b!)).toBe(true);
    expect(seen.has(c!)).toBe(false);
    expect(seen.size).toBe(2);
    // Partition keys differ from the bare id (tenant\0id), as the pipeline builds them.
    expect(seen.has(`acme\u0000${a!}`)).toBe(false);
  });

  it('stays within its bytes and forgets the oldest ids first, saying so once', () => {
    const maxBytes = 100 * SEEN_ENTRY_BYTES + 10;
    const evictions: { capacity: number; windowSeconds: number }[] = [];
    let now = 0;
    const seen = new SeenSet({
      maxBytes,
      now: () => now,
      onFirstEviction: (e) => evictions.push(e),
    });
    expect(seen.capacity).toBe(100);
    expect(seen.bytes).toBeLessThanOrEqual(maxBytes);
    const keys = ids(130);
    keys.forEach((key, i) => {
      now = i * 1000; // one id a second
      seen.add(key);
    });
    expect(seen.size).toBe(100);
    expect(seen.evicted).toBe(30);
    expect(keys.slice(0, 30).filter((k) => seen.has(k))).toEqual([]);
    expect(keys.slice(30).every((k) => seen.has(k))).toBe(true);
    expect(evictions).toEqual([{ capacity: 100, windowSeconds: 100 }]);
    // The oldest id held was added at second 30, the clock reads 129.
    expect(seen.windowSeconds()).toBe(99);
  });

  it('agrees with an exact first-in-first-out set through long churn with re-added ids', () => {
    const capacity = 257;
    const seen = new SeenSet({ maxBytes: capacity * SEEN_ENTRY_BYTES });
    const pool = ids(2000, 7);
    const order: string[] = [];
    const held = new Set<string>();
    let x = 99;
    for (let step = 0; step < 20_000; step += 1) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const key = pool[x % pool.length]!;
      expect(seen.has(key)).toBe(held.has(key));
      seen.add(key);
      if (!held.has(key)) {
        held.add(key);
        order.push(key);
        if (order.length > capacity) held.delete(order.shift()!);
      }
    }
    expect(seen.size).toBe(held.size);
    expect(pool.filter((k) => seen.has(k) !== held.has(k))).toEqual([]);
  });
});
