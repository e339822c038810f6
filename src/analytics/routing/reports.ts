// Gateway reports (llm-gateway-report/v1, sent by the routing client's reporter): validated,
// stored one row per gateway x target x interval in gateway_reports, and read back per target
// for the feed: how many gateways reported it, how much of their time their breakers kept it
// closed, and their attempts and failures.
import { z } from 'zod';
import type { QueryRunner } from '../../storage/runner.js';

const name = z
  .string()
  .regex(/^[A-Za-z0-9_.:@/-]{1,128}$/, 'letters, digits and _ . : @ / - (1-128 chars)');
const count = z.number().int().min(0).max(1_000_000_000);

export const gatewayReportSchema = z
  .object({
    schema: z.literal('llm-gateway-report/v1'),
    gateway: name.describe('the reporting gateway, unique in the fleet'),
    start: z.iso.datetime({ offset: true }).describe('interval start, ISO-8601 with a time zone'),
    interval_ms: z.number().int().min(1).max(3_600_000).describe('interval length, ms'),
    targets: z
      .array(
        z
          .object({
            pool: name,
            target: name,
            attempts: count,
            failures: count,
            breaker_opens: count,
            open_ms: count.describe(
              'ms of the interval the gateway breaker kept the target closed',
            ),
          })
          .strict()
          .refine((t) => t.failures <= t.attempts, {
            message: 'failures must not exceed attempts',
            path: ['failures'],
          }),
      )
      .min(1)
      .max(1_000),
  })
  .strict()
  .superRefine((r, ctx) => {
    r.targets.forEach((t, i) => {
      if (t.open_ms > r.interval_ms)
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'open_ms'],
          message: 'must not exceed interval_ms',
        });
    });
  });
export type GatewayReportBody = z.output<typeof gatewayReportSchema>;

export async function insertGatewayReport(
  storage: QueryRunner,
  r: GatewayReportBody,
): Promise<number> {
  const time = new Date(r.start).toISOString().replace('T', ' ').replace('Z', '');
  await storage.insert(
    'gateway_reports',
    r.targets.map((t) => ({ time, interval_ms: r.interval_ms, gateway: r.gateway, ...t })),
  );
  return r.targets.length;
}

/** What the fleet's gateways reported of one target over the window. */
export interface GatewayView {
  gateways: number;
  /** Gateways whose breaker kept the target closed for at least half of their reported time. */
  avoiding: number;
  /** Share of all reported gateway-time the target was closed by a breaker (0..1). */
  openShare: number;
  attempts: number;
  failures: number;
  opens: number;
}

/**
 * Per target id, reports whose interval ended inside [from, now) and after the target's `since`
 * (its last circuit change in the feed, so a closed circuit is not re-opened by old reports).
 */
export async function queryGatewayViews(
  storage: QueryRunner,
  ids: string[],
  w: { nowMs: number; fromMs: number; since: Record<string, number> },
): Promise<Map<string, GatewayView>> {
  const out = new Map<string, GatewayView>();
  if (ids.length === 0) return out;
  const rows = await storage.query<Record<string, unknown>>(
    `SELECT target, count() AS gateways, countIf(g_open * 2 >= g_interval) AS avoiding,
        sum(g_open) AS open_ms, sum(g_interval) AS interval_ms,
        sum(g_attempts) AS attempts, sum(g_failures) AS failures, sum(g_opens) AS opens
      FROM (
        SELECT target, gateway, sum(open_ms) AS g_open, sum(interval_ms) AS g_interval,
          sum(attempts) AS g_attempts, sum(failures) AS g_failures, sum(breaker_opens) AS g_opens
        FROM gateway_reports
        WHERE target IN {ids:Array(String)}
          AND time + toIntervalMillisecond(interval_ms) > fromUnixTimestamp64Milli(toInt64(greatest({from:Float64},
            transform(target, {since_ids:Array(String)}, {since_ms:Array(Float64)}, toFloat64(0)))), 'UTC')
          AND time < fromUnixTimestamp64Milli(toInt64({now:Float64}), 'UTC')
        GROUP BY target, gateway
      )
      GROUP BY target`,
    {
      ids,
      from: w.fromMs,
      now: w.nowMs,
      since_ids: ['', ...Object.keys(w.since)],
      since_ms: [0, ...Object.values(w.since)],
    },
  );
  for (const r of rows) {
    const total = Number(r.interval_ms);
    out.set(String(r.target), {
      gateways: Number(r.gateways),
      avoiding: Number(r.avoiding),
      openShare: total > 0 ? Math.min(1, Number(r.open_ms) / total) : 0,
      attempts: Number(r.attempts),
      failures: Number(r.failures),
      opens: Number(r.opens),
    });
  }
  return out;
}
