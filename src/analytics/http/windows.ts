// The two windows of the drift and cache-regression questions: trailing durations (window,
// baseline) or four explicit timestamps, validated and documented by one schema.
import { z } from 'zod';
import { trailingWindows, type TimeWindow } from '../queries/drift.js';
import { isoTimestamp, rangeFields } from './params.js';

const DAY = 86_400_000;
const isDate = (v: unknown): v is Date => v instanceof Date;

/** `15m`, `24h`, `7d` -> milliseconds. */
const duration = z
  .string()
  .regex(/^[1-9]\d{0,5}[mhd]$/, { message: 'must be a duration like 15m, 24h or 7d' })
  .transform(
    (v) =>
      Number(v.slice(0, -1)) * { m: 60_000, h: 3_600_000, d: DAY }[v.slice(-1) as 'm' | 'h' | 'd'],
  )
  .refine((ms) => ms <= 400 * DAY, { message: 'must be at most 400d' });

interface WindowParams {
  window?: number | undefined;
  baseline?: number | undefined;
  current_from?: Date | undefined;
  current_to?: Date | undefined;
  baseline_from?: Date | undefined;
  baseline_to?: Date | undefined;
}

/** Two windows: trailing durations (window, baseline) or four explicit timestamps. */
export function windowChecks(q: WindowParams, ctx: z.RefinementCtx): void {
  const explicit = [q.current_from, q.current_to, q.baseline_from, q.baseline_to];
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', message, path: [path] });
  if (!explicit.every((v) => v === undefined) && !explicit.every(isDate)) {
    issue(
      'current_from',
      'give all of current_from, current_to, baseline_from, baseline_to, or none',
    );
  } else if (isDate(q.current_from) && (q.window !== undefined || q.baseline !== undefined)) {
    issue(
      'window',
      'window/baseline cannot be combined with explicit current_/baseline_ timestamps',
    );
  } else if (isDate(q.current_from) && isDate(q.current_to) && q.current_from >= q.current_to) {
    issue('current_to', 'must be after current_from');
  } else if (isDate(q.baseline_from) && isDate(q.baseline_to) && q.baseline_from >= q.baseline_to) {
    issue('baseline_to', 'must be after baseline_from');
  }
}

export const windowsBase = z.object({
  window: duration.optional().describe('current window ending now, e.g. 15m'),
  baseline: duration.optional().describe('baseline span just before the window, e.g. 24h'),
  current_from: isoTimestamp.optional().describe('explicit windows: give all four or none'),
  current_to: isoTimestamp.optional(),
  baseline_from: isoTimestamp.optional(),
  baseline_to: isoTimestamp.optional(),
  tenant: rangeFields.tenant,
});
export function windows(
  q: WindowParams,
  now: Date,
  defaults: { window: number; baseline: number },
): { current: TimeWindow; baseline: TimeWindow } {
  if (q.current_from && q.current_to && q.baseline_from && q.baseline_to) {
    return {
      current: { from: q.current_from, to: q.current_to },
      baseline: { from: q.baseline_from, to: q.baseline_to },
    };
  }
  return trailingWindows(now, q.window ?? defaults.window, q.baseline ?? defaults.baseline);
}

export const span = (w: TimeWindow) => ({ from: w.from.toISOString(), to: w.to.toISOString() });
