import { describe, expect, it } from 'vitest';
import { matchKey, presentedKey, RateLimiter, sha256Hex } from '../../src/shared/keys.js';

describe('keys', () => {
  const entries = [
    { name: 'a', key_sha256: sha256Hex('alpha-key') },
    { name: 'b', key_sha256: sha256Hex('beta-key') },
  ];

  it('matches a presented key by its digest only', () => {
    expect(matchKey(entries, 'beta-key')?.name).toBe('b');
    expect(matchKey(entries, 'gamma-key')).toBeUndefined();
    expect(matchKey(entries, undefined)).toBeUndefined();
    expect(entries.every((e) => !e.key_sha256.includes('key'))).toBe(true);
  });

  it('reads Bearer and x-api-key headers', () => {
    expect(presentedKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedKey({ 'x-api-key': 'xyz' })).toBe('xyz');
    expect(presentedKey({ authorization: 'Basic abc' })).toBeUndefined();
  });

  it('rate-limits per key with a token bucket', () => {
    let now = 0;
    const limiter = new RateLimiter(() => now);
    const results = Array.from({ length: 5 }, () => limiter.take('k', 1));
    expect(results).toEqual([0, 0, 1, 1, 1]); // burst of 2 (two seconds' worth), then wait
    expect(limiter.take('other', 1)).toBe(0);
    now += 1000;
    expect(limiter.take('k', 1)).toBe(0);
  });
});
