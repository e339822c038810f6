// Checks across config sections that no single section's schema can make: the admission window
// against the storage TTL, and the TTL against what ClickHouse's TTL arithmetic can represent.
// Run from configSchema's superRefine, so a bad pair is a start-up error naming both keys.
import type { z } from 'zod';

const DAY_MS = 86_400_000;
/** The last second a ClickHouse DateTime holds (2106-02-07T06:28:15Z, 2^32 - 1 s). */
export const DATETIME_END_MS = (2 ** 32 - 1) * 1000;

interface Checked {
  storage: { ttl_days: number };
  collector: { admission: { max_age_days: number; max_future_days: number } };
}

/**
 * The largest `storage.ttl_days` that keeps every admissible row's expiry inside DateTime. The
 * TTL is `toDateTime(time) + toIntervalDay(ttl_days)`; past 2106-02-07 the sum wraps to 1970 and
 * the next merge deletes the rows at once (a 29000-day TTL empties a table inserted today).
 */
export function maxTtlDays(nowMs: number, maxFutureDays: number): number {
  return Math.floor((DATETIME_END_MS - nowMs) / DAY_MS) - maxFutureDays - 1;
}

export function checkStorage(cfg: Checked, ctx: z.RefinementCtx, nowMs: number): void {
  const { ttl_days } = cfg.storage;
  const { max_age_days, max_future_days } = cfg.collector.admission;
  const maxTtl = maxTtlDays(nowMs, max_future_days);
  if (ttl_days > maxTtl)
    ctx.addIssue({
      code: 'custom',
      path: ['storage', 'ttl_days'],
      message: `${ttl_days} is past what ClickHouse's TTL can represent: rows written today would expire after 2106-02-07, where DateTime wraps to 1970 and the next merge deletes them; at most ${maxTtl} (with collector.admission.max_future_days ${max_future_days})`,
    });
  // Older spans would be acknowledged, stored, and deleted by the TTL at the next merge.
  if (max_age_days > ttl_days)
    ctx.addIssue({
      code: 'custom',
      path: ['collector', 'admission', 'max_age_days'],
      message: `${max_age_days} must be at most storage.ttl_days (${ttl_days}): spans older than the TTL would be acknowledged and then deleted by it; lower collector.admission.max_age_days or raise storage.ttl_days`,
    });
}
