// Key checks shared by the receiver and the API: keys are compared as SHA-256 digests with a
// constant-time comparison, and each key has a token-bucket rate limit.
import { createHash, timingSafeEqual } from 'node:crypto';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** The key a request presents: `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(
  headers: Record<string, string | string[] | undefined>,
): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.toLowerCase().startsWith('bearer '))
    return auth.slice(7).trim() || undefined;
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined;
}

/** Find the entry whose digest matches, comparing every entry in constant time. */
export function matchKey<T extends { key_sha256: string }>(
  entries: readonly T[],
  presented: string | undefined,
): T | undefined {
  if (presented === undefined) return undefined;
  const digest = Buffer.from(sha256Hex(presented), 'hex');
  let found: T | undefined;
  for (const entry of entries) {
    // Compare against all entries (no early exit), so timing does not reveal which one matched.
    if (timingSafeEqual(digest, Buffer.from(entry.key_sha256, 'hex')) && found === undefined)
      found = entry;
  }
  return found;
}

/** Per-key token buckets: `rps` tokens per second, bursts up to two seconds' worth. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Take one token; returns 0 when allowed, else the seconds to wait. */
  take(key: string, rps: number): number {
    const now = this.now();
    const capacity = Math.max(1, rps * 2);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * rps);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / rps));
  }
}
