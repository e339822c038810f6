// The shared retry policy: classification, backoff with jitter, Retry-After (seconds and
// HTTP-date) honoured and capped, bounded and unbounded retries, abort.
import { describe, expect, it } from 'vitest';
import { BackpressureError, DecodeError, ValidationError } from '../../src/shared/errors.js';
import {
  HTTP_RETRYABLE_STATUS,
  HttpStatusError,
  OTLP_RETRYABLE_STATUS,
  isRetryable,
  parseRetryAfter,
  retry,
  retryPolicy,
  sleep,
} from '../../src/shared/retry.js';

const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n.toLowerCase()] ?? null });

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 10, 1, 12, 0, 0);
  it('reads delta-seconds and HTTP-dates', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
    expect(parseRetryAfter('Sun, 01 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    // A date in the past means "now", never a negative wait.
    expect(parseRetryAfter('Sun, 01 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what is neither', () => {
    for (const v of [null, undefined, '', '  ', '-5', 'soon', '1e3', '0x10'])
      expect(parseRetryAfter(v, now)).toBeUndefined();
  });
  it('is parsed once, when the error is made', () => {
    const err = HttpStatusError.from({ status: 503, headers: headers({ 'retry-after': '7' }) });
    expect(err.status).toBe(503);
    expect(err.retryAfterMs).toBe(7_000);
  });
});

describe('classification', () => {
  it('looks HTTP statuses up in the set the caller passes', () => {
    expect(isRetryable(new HttpStatusError(500), OTLP_RETRYABLE_STATUS)).toBe(false);
    expect(isRetryable(new HttpStatusError(500), HTTP_RETRYABLE_STATUS)).toBe(true);
    for (const s of [429, 502, 503, 504])
      expect(isRetryable(new HttpStatusError(s), OTLP_RETRYABLE_STATUS)).toBe(true);
    for (const s of [400, 401, 403, 404, 413])
      expect(isRetryable(new HttpStatusError(s), HTTP_RETRYABLE_STATUS)).toBe(false);
    expect(isRetryable(new HttpStatusError(408), HTTP_RETRYABLE_STATUS)).toBe(true);
  });
  it('typed errors decide themselves; unknown failures (network, timeout) are transient', () => {
    expect(isRetryable(new DecodeError('bad'))).toBe(false);
    expect(isRetryable(new ValidationError('bad', 'x'))).toBe(false);
    expect(isRetryable(new BackpressureError('full', 2))).toBe(true);
    expect(isRetryable(new TypeError('fetch failed'))).toBe(true);
  });
});

describe('retryPolicy.nextDelay', () => {
  it('grows exponentially up to the cap, with jitter taking at most its share', () => {
    const low = retryPolicy({ retries: 10, baseMs: 100, maxMs: 1_000, random: () => 1 });
    const high = retryPolicy({ retries: 10, baseMs: 100, maxMs: 1_000, random: () => 0 });
    const err = new Error('x');
    expect([1, 2, 3, 4, 5].map((a) => high.nextDelay(err, a))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5].map((a) => low.nextDelay(err, a))).toEqual([50, 100, 200, 400, 500]);
    const none = retryPolicy({ retries: 3, baseMs: 100, maxMs: 1_000, jitter: 0 });
    expect(none.nextDelay(err, 2)).toBe(200);
  });
  it('stops after `retries` and on a final error', () => {
    const p = retryPolicy({ retries: 2, baseMs: 1, maxMs: 10 });
    expect(p.nextDelay(new Error('x'), 2)).toBeDefined();
    expect(p.nextDelay(new Error('x'), 3)).toBeUndefined();
    expect(p.nextDelay(new HttpStatusError(400), 1)).toBeUndefined();
  });
  it('unbounded: a long outage keeps a finite, capped wait', () => {
    const p = retryPolicy({ retries: Infinity, baseMs: 100, maxMs: 30_000, random: () => 0 });
    expect(p.nextDelay(new Error('x'), 10_000)).toBe(30_000);
  });
  it('honours Retry-After over a shorter backoff, capped', () => {
    const p = retryPolicy({ retries: 3, baseMs: 100, maxMs: 1_000, maxRetryAfterMs: 5_000 });
    expect(p.nextDelay(new HttpStatusError(429, 2_000), 1)).toBe(2_000);
    expect(p.nextDelay(new HttpStatusError(503, 60_000), 1)).toBe(5_000);
    expect(p.nextDelay(new BackpressureError('full', 3), 1)).toBe(3_000);
    // A Retry-After shorter than the backoff does not shorten it.
    const q = retryPolicy({ retries: 3, baseMs: 800, maxMs: 1_000, jitter: 0 });
    expect(q.nextDelay(new HttpStatusError(429, 10), 1)).toBe(800);
  });
  it('a caller classification sees the attempt number (the writer dead-letters after N refusals)', () => {
    const p = retryPolicy({
      retries: Infinity,
      baseMs: 1,
      maxMs: 1,
      isRetryable: (err, attempt) => !(err instanceof DecodeError && attempt >= 3),
    });
    expect(p.nextDelay(new DecodeError('refused'), 2)).toBeDefined();
    expect(p.nextDelay(new DecodeError('refused'), 3)).toBeUndefined();
  });
  it('refuses a nonsensical policy', () => {
    expect(() => retryPolicy({ retries: -1, baseMs: 1, maxMs: 1 })).toThrow(RangeError);
    expect(() => retryPolicy({ retries: 1, baseMs: Number.NaN, maxMs: 1 })).toThrow(RangeError);
  });
});

describe('retry', () => {
  it('retries transient failures and returns the first success', async () => {
    let calls = 0;
    const seen: number[] = [];
    const value = await retry(
      async (attempt) => {
        calls += 1;
        if (attempt < 3) throw new HttpStatusError(503);
        return 'ok';
      },
      retryPolicy({ retries: 5, baseMs: 1, maxMs: 5 }),
      { onRetry: (_e, attempt) => seen.push(attempt) },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(3);
    expect(seen).toEqual([1, 2]);
  });
  it('rejects with the last failure when the retries are spent, and at once on a final one', async () => {
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw new HttpStatusError(502);
    };
    await expect(retry(failing, retryPolicy({ retries: 2, baseMs: 1, maxMs: 1 }))).rejects.toThrow(
      'HTTP 502',
    );
    expect(calls).toBe(3);
    calls = 0;
    const refused = async () => {
      calls += 1;
      throw new HttpStatusError(400);
    };
    await expect(retry(refused, retryPolicy({ retries: 5, baseMs: 1, maxMs: 1 }))).rejects.toThrow(
      'HTTP 400',
    );
    expect(calls).toBe(1);
  });
  it('waits out a Retry-After', async () => {
    const started = Date.now();
    let calls = 0;
    await retry(
      async () => {
        calls += 1;
        if (calls === 1) throw new HttpStatusError(429, 300);
      },
      retryPolicy({ retries: 1, baseMs: 1, maxMs: 1 }),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
  it('an abort ends the wait at once, rejects with the last failure and starts no attempt', async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    const run = retry(
      async () => {
        calls += 1;
        throw new HttpStatusError(503);
      },
      retryPolicy({ retries: Infinity, baseMs: 60_000, maxMs: 60_000 }),
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 20);
    await expect(run).rejects.toThrow('HTTP 503');
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(
      retry(async () => 1, retryPolicy({ retries: 1, baseMs: 1, maxMs: 1 }), {
        signal: controller.signal,
      }),
    ).rejects.toBeDefined();
  });
  it('sleep resolves false when aborted and true when it ran out', async () => {
    expect(await sleep(1)).toBe(true);
    const c = new AbortController();
    c.abort();
    expect(await sleep(60_000, c.signal)).toBe(false);
  });
});
