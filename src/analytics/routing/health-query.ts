// One query per recomputation: each call of the last minutes is mapped to the configured target
// it ran on (provider + model + deployment), and every window the feed needs is a conditional
// aggregate of the same scan: health window, circuit error and latency windows, utilization
// (last 60 s) and the baseline before the health window. A per-target `since` clips the
// current windows so a target that just changed circuit state is judged on fresh calls only.
import type { QueryRunner } from '../../storage/runner.js';
import type { RoutingTargetConfig } from '../../shared/config-routing.js';
import { canonicalProvider } from '../../shared/provider-identity.js';
import type { GatewayView } from './reports.js';

export interface TargetStats {
  calls: number;
  errors: number;
  rateLimited: number;
  ttftP50: number | null;
  ttftP95: number | null;
  durationP95: number | null;
  /** Error window (circuit). */
  recentCalls: number;
  recentErrors: number;
  recentRateLimited: number;
  /** Latency measurement window (circuit; the breach must last latency_window_s). */
  latencyCalls: number;
  latencyTtftP95: number | null;
  latencyDurationP95: number | null;
  /**
   * Per minute over the capacity window (routing.reservation.window_s), in converted tokens
   * (prompt - cache reads + output: what a PTU's admission charges).
   */
  tokensPerMinute: number;
  requestsPerMinute: number;
  /** Per minute over the capacity window: calls that spilled off this target (their fallback_from). */
  spilledTokensPerMinute: number;
  spilledRequestsPerMinute: number;
  baseCalls: number;
  baseTtftP50: number | null;
  baseTtftP95: number | null;
  baseDurationP95: number | null;
  /**
   * The health window's calls in time order (the last 500): 0 ok, 1 failed, 2 answered 429. The
   * sequential failure test (evidence.ts) reads it; optional so hand-built stats may omit it.
   */
  outcomes?: number[];
  /** What the gateways reported of the target over the error window (reports.ts). */
  gateway?: GatewayView;
}

export interface HealthWindows {
  nowMs: number;
  windowS: number;
  errorWindowS: number;
  latencyWindowS: number;
  baselineS: number;
  /** Capacity window (utilization and spill), seconds; rates are scaled to per minute. Default 60. */
  capacityWindowS?: number;
  /** Only calls of these deployment.environment.name values (routing.environments); all when empty. */
  environments?: readonly string[];
  /** Per target id: ignore calls before this instant (ms) in the current windows. */
  since: Record<string, number>;
}

export function emptyStats(): TargetStats {
  return {
    calls: 0,
    errors: 0,
    rateLimited: 0,
    ttftP50: null,
    ttftP95: null,
    durationP95: null,
    recentCalls: 0,
    recentErrors: 0,
    recentRateLimited: 0,
    latencyCalls: 0,
    latencyTtftP95: null,
    latencyDurationP95: null,
    tokensPerMinute: 0,
    requestsPerMinute: 0,
    spilledTokensPerMinute: 0,
    spilledRequestsPerMinute: 0,
    baseCalls: 0,
    baseTtftP50: null,
    baseTtftP95: null,
    baseDurationP95: null,
  };
}

/** multiIf mapping a call row to the first configured target it matches. */
function targetExpr(targets: RoutingTargetConfig[], params: Record<string, unknown>): string {
  const arms = targets.map((t, i) => {
    // Stored rows carry the canonical name (the collector normalizes every spelling); a target
    // configured as `bedrock` or `azure_openai` must still find its calls.
    params[`p${i}`] = canonicalProvider(t.provider);
    params[`m${i}`] = t.model;
    params[`id${i}`] = t.id;
    const dep =
      t.deployment !== ''
        ? ((params[`d${i}`] = t.deployment), ` AND deployment = {d${i}:String}`)
        : '';
    return `provider = {p${i}:String} AND (model = {m${i}:String} OR request_model = {m${i}:String})${dep}, {id${i}:String}`;
  });
  return `multiIf(${arms.join(', ')}, '')`;
}

/** Converted tokens of a call: input (inclusive of cache reads) - cache reads + output. */
const CONVERTED = 'input_tokens - least(cache_read_tokens, input_tokens) + output_tokens';

const ms = (name: string): string => `fromUnixTimestamp64Milli(toInt64({${name}:Float64}), 'UTC')`;

export async function queryTargetStats(
  storage: QueryRunner,
  targets: RoutingTargetConfig[],
  w: HealthWindows,
): Promise<Map<string, TargetStats>> {
  const out = new Map<string, TargetStats>();
  if (targets.length === 0) return out;
  const capS = w.capacityWindowS ?? 60;
  const perMinute = 60 / capS;
  const params: Record<string, unknown> = {
    now: w.nowMs,
    win: w.nowMs - w.windowS * 1000,
    err: w.nowMs - w.errorWindowS * 1000,
    lat: w.nowMs - w.latencyWindowS * 1000,
    util: w.nowMs - capS * 1000,
    base: w.nowMs - (w.windowS + w.baselineS) * 1000,
    // A leading dummy entry keeps the arrays non-empty (transform needs typed arrays).
    since_ids: ['', ...Object.keys(w.since)],
    since_ms: [0, ...Object.values(w.since)],
    envs: [...(w.environments ?? [])],
  };
  const envFilter = envCondition(w.environments);
  const sinceExpr = `fromUnixTimestamp64Milli(toInt64(transform(target_id, {since_ids:Array(String)}, {since_ms:Array(Float64)}, toFloat64(0))), 'UTC')`;
  const sql = `SELECT target_id,
      countIf(cur) AS calls, countIf(cur AND status = 'error') AS errors, countIf(cur AND http_status = 429) AS rate_limited,
      quantileTDigestIf(0.5)(ttft_ms, cur) AS ttft_p50, quantileTDigestIf(0.95)(ttft_ms, cur) AS ttft_p95,
      quantileTDigestIf(0.95)(duration_ms, cur) AS duration_p95,
      countIf(recent) AS recent_calls, countIf(recent AND status = 'error') AS recent_errors, countIf(recent AND http_status = 429) AS recent_429,
      countIf(lat) AS lat_calls, quantileTDigestIf(0.95)(ttft_ms, lat) AS lat_ttft_p95, quantileTDigestIf(0.95)(duration_ms, lat) AS lat_duration_p95,
      sumIf(tokens, t >= ${ms('util')}) AS util_tokens, countIf(t >= ${ms('util')} AND http_status != 429) AS util_calls,
      countIf(t < ${ms('win')}) AS base_calls, quantileTDigestIf(0.5)(ttft_ms, t < ${ms('win')}) AS base_ttft_p50,
      quantileTDigestIf(0.95)(ttft_ms, t < ${ms('win')}) AS base_ttft_p95, quantileTDigestIf(0.95)(duration_ms, t < ${ms('win')}) AS base_duration_p95,
      arraySlice(arrayMap(x -> x.2, arraySort(x -> x.1, groupArrayIf((t, toUInt8(status = 'error') + toUInt8(http_status = 429)), cur))), -500) AS outcomes
    FROM (
      SELECT ${targetExpr(targets, params)} AS target_id, start_time AS t, status, http_status, ttft_ms, duration_ms, ${CONVERTED} AS tokens,
        ${sinceExpr} AS since,
        t >= greatest(${ms('win')}, since) AS cur, t >= greatest(${ms('err')}, since) AS recent, t >= greatest(${ms('lat')}, since) AS lat
      FROM llm_calls
      WHERE start_time >= ${ms('base')} AND start_time < ${ms('now')} AND kind IN ('inference', 'embeddings')${envFilter}
    )
    WHERE target_id != ''
    GROUP BY target_id`;
  const [rows, spilled] = await Promise.all([
    storage.query<Record<string, unknown>>(sql, params),
    querySpilled(storage, targets, w.nowMs, capS, w.environments),
  ]);
  for (const r of rows) {
    const s = toStats(r);
    s.tokensPerMinute *= perMinute;
    s.requestsPerMinute *= perMinute;
    out.set(String(r.target_id), s);
  }
  for (const [id, x] of spilled) {
    const s = out.get(id) ?? emptyStats();
    s.spilledTokensPerMinute += x.tokens * perMinute;
    s.spilledRequestsPerMinute += x.calls * perMinute;
    out.set(id, s);
  }
  return out;
}

/**
 * What spilled off each target over the capacity window: calls whose fallback_from names it (the
 * gateway tried it first, got 429 or a fault, and went on). Added to a reservation's own load
 * this is its demand, which the capacity share needs (a full PTU serves exactly its capacity).
 */
async function querySpilled(
  storage: QueryRunner,
  targets: RoutingTargetConfig[],
  nowMs: number,
  windowS: number,
  environments: readonly string[] | undefined,
): Promise<Map<string, { tokens: number; calls: number }>> {
  const names = targets.map((t) => (t.deployment !== '' ? t.deployment : t.id));
  const rows = await storage.query<Record<string, unknown>>(
    `SELECT fallback_from, sum(${CONVERTED}) AS tokens, count() AS calls FROM llm_calls
      WHERE start_time >= ${ms('util')} AND start_time < ${ms('now')} AND fallback_from IN {names:Array(String)}
        AND kind IN ('inference', 'embeddings')${envCondition(environments)}
      GROUP BY fallback_from`,
    { util: nowMs - windowS * 1000, now: nowMs, names, envs: [...(environments ?? [])] },
  );
  const out = new Map<string, { tokens: number; calls: number }>();
  for (const r of rows)
    targets.forEach((t, i) => {
      if (names[i] === String(r.fallback_from))
        out.set(t.id, { tokens: n(r.tokens), calls: n(r.calls) });
    });
  return out;
}

/** The environment clause (bound as {envs}), empty when every environment counts. */
function envCondition(environments: readonly string[] | undefined): string {
  return environments !== undefined && environments.length > 0
    ? ' AND environment IN {envs:Array(String)}'
    : '';
}

function toStats(r: Record<string, unknown>): TargetStats {
  return {
    calls: n(r.calls),
    errors: n(r.errors),
    rateLimited: n(r.rate_limited),
    ttftP50: q(r.ttft_p50),
    ttftP95: q(r.ttft_p95),
    durationP95: q(r.duration_p95),
    recentCalls: n(r.recent_calls),
    recentErrors: n(r.recent_errors),
    recentRateLimited: n(r.recent_429),
    latencyCalls: n(r.lat_calls),
    latencyTtftP95: q(r.lat_ttft_p95),
    latencyDurationP95: q(r.lat_duration_p95),
    tokensPerMinute: n(r.util_tokens),
    requestsPerMinute: n(r.util_calls),
    spilledTokensPerMinute: 0,
    spilledRequestsPerMinute: 0,
    baseCalls: n(r.base_calls),
    baseTtftP50: q(r.base_ttft_p50),
    baseTtftP95: q(r.base_ttft_p95),
    baseDurationP95: q(r.base_duration_p95),
    outcomes: Array.isArray(r.outcomes) ? r.outcomes.map((x) => n(x)) : [],
  };
}

function n(v: unknown): number {
  const x = Number(v ?? 0);
  return Number.isFinite(x) ? x : 0;
}

/** A quantile over no rows is NaN (or null): no measurement. */
function q(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const x = Number(v);
  return Number.isFinite(x) ? x : null;
}
