// The duplicate filter: add() says whether a key is new, and the oldest key goes first at capacity.
import { describe, expect, it } from 'vitest';
import { SEEN_ENTRY_BYTES, SeenSet } from '../../src/collector/seen.js';

describe('SeenSet', () => {
  it('reports a new key once, a repeated one as seen, and forgets the oldest at capacity', () => {
    const seen = new SeenSet({ maxBytes: 3 * SEEN_ENTRY_BYTES });
    expect(['a', 'b', 'a', 'c'].map((k) => seen.add(k))).toEqual([true, true, false, true]);
    expect(seen.size).toBe(3);
    // Re-adding 'a' did not refresh it: it is still the oldest and goes first.
    expect(seen.add('d')).toBe(true);
    expect([seen.has('a'), seen.has('b'), seen.has('c'), seen.has('d')]).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(seen.size).toBe(3);
    expect(seen.add('a')).toBe(true);
    expect(seen.add('a')).toBe(false);
  });
});
