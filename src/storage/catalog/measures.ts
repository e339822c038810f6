// Measure kinds and the four subjects the rollups measure. Each measure is written once: how a view
// stores it from llm_calls rows, how a raw read computes it, how stored values combine.
import { bucketSql, countedBucketsSql } from './histogram.js';
import type { Measure, Subject } from './types.js';

/** Call kinds that are billed LLM calls (tool, agent and wrapper spans are not). */
export const BILLABLE_KINDS = ['inference', 'embeddings'] as const;
export const BILLABLE = `kind IN (${BILLABLE_KINDS.map((k) => `'${k}'`).join(', ')})`;

/** A measure added to its subject by migration `since` (existing tables gain the column then). */
export const added = (since: number, measure: Measure): Measure => ({ ...measure, since });

/** A measure migration `until` retired: its column dropped, views no longer compute it. */
export const retired = (until: number, measure: Measure): Measure => ({ ...measure, until });

/**
 * 0039 retired the t-digest latency states of llm_calls_1m: no dashboard or API question read them
 * (the latency panels and /v1/latency read the log-bucket histograms of the perf family, so both
 * give the same p95), and at production cardinality the table holds about a row per call, so the
 * view built three t-digest states for nearly every inserted call (the largest per-row cost of
 * generation measured by `BENCH_VARIANTS=profile npm run bench:analytics-gen`).
 */
export const DIGESTS_RETIRED = 39;

const summed = (raw: string, type: string): Measure => ({
  type: `SimpleAggregateFunction(sum, ${type})`,
  raw,
  state: raw,
  merge: (n) => `sum(${n})`,
  remerge: (n) => `sum(${n})`,
});

/** Rows (matching `cond`). */
export const count = (cond?: string): Measure =>
  summed(cond === undefined ? 'count()' : `countIf(${cond})`, 'UInt64');

/** A sum of an unsigned integer column expression (`sum(x)`, `sumIf(x, cond)`). */
export const total = (raw: string): Measure => summed(raw, 'UInt64');

/** Exact money: Decimal(38, 18) sums. */
export const money = (raw: string): Measure => summed(raw, 'Decimal(38, 18)');

export const float = (raw: string): Measure => summed(raw, 'Float64');

/**
 * Migration 0044: the views of llm_calls build their latency histograms from sorted bucket numbers
 * instead of sumMap (the same maps; histogram.ts countedBucketsSql). The four histograms of
 * llm_perf_1m and llm_perf_tenant_1d were the largest per-row cost of generation left after 0041.
 */
export const HISTOGRAMS_PER_BLOCK = 44;

/** A log-bucket histogram of `value` over the rows matching `cond` (see histogram.ts). */
export const histogram = (value: string, cond: string): Measure => ({
  type: 'SimpleAggregateFunction(sumMap, Map(UInt16, UInt64))',
  raw: `sumMapIf(map(${bucketSql(value)}, toUInt64(1)), ${cond})`,
  state: `sumMapIf(map(${bucketSql(value)}, toUInt64(1)), ${cond})`,
  perBlock: { state: countedBucketsSql(bucketSql(value), cond), since: HISTOGRAMS_PER_BLOCK },
  merge: (n) => `sumMap(${n})`,
  remerge: (n) => `sumMap(${n})`,
});

const QUANTILES = 'quantilesTDigest(0.5, 0.95, 0.99)';

/** A t-digest of `value` (rows where `notNull` holds when given): p50, p95, p99. */
export const tdigest = (value: string, notNull?: string): Measure => {
  const args = notNull === undefined ? `(${value})` : `(assumeNotNull(${value}), ${notNull})`;
  const fn = notNull === undefined ? QUANTILES : QUANTILES.replace('(', 'If(');
  return {
    type: `AggregateFunction(${QUANTILES}, Float64)`,
    raw: `${fn}${args}`,
    state: `${fn.replace('TDigest', 'TDigestState')}${args}`,
    merge: (n) => `${QUANTILES.replace('TDigest', 'TDigestMerge')}(${n})`,
    remerge: (n) => `${QUANTILES.replace('TDigest', 'TDigestMergeState')}(${n})`,
  };
};

/** Every call and span (kind is a dimension): counts, tokens, money, latency for dashboards. */
export const CALLS: Subject = {
  name: 'calls',
  measures: {
    calls: count(),
    errors: count("status = 'error'"),
    rate_limited: count('http_status = 429'),
    unpriced_calls: count('NOT priced'),
    cache_hits: count('cache_hit'),
    retries: count('attempt > 1'),
    fallbacks: count("fallback_from != ''"),
    input_tokens: total('sum(input_tokens)'),
    cache_read_tokens: total('sum(cache_read_tokens)'),
    cache_creation_tokens: total('sum(cache_creation_tokens)'),
    output_tokens: total('sum(output_tokens)'),
    reasoning_tokens: total('sum(reasoning_tokens)'),
    cost_input: money('sum(cost_input)'),
    cost_cache_read: money('sum(cost_cache_read)'),
    cost_cache_creation: money('sum(cost_cache_creation)'),
    cost_output: money('sum(cost_output)'),
    cost_total: money('sum(cost_total)'),
    list_cost: money('sum(list_cost)'),
    // Issue 12's price dimensions (0032): the cost parts billed apart, so a rollup's parts still sum
    // to its cost_total, and the calls whose source cannot report every count (an estimate).
    cost_cache_creation_1h: added(32, money('sum(cost_cache_creation_1h)')),
    cost_audio: added(32, money('sum(cost_audio)')),
    cost_image: added(32, money('sum(cost_image)')),
    cost_request: added(32, money('sum(cost_request)')),
    incomplete_calls: added(32, count('usage_incomplete')),
    duration_ms_sum: float('sum(duration_ms)'),
    duration_q: retired(DIGESTS_RETIRED, tdigest('duration_ms')),
    ttft_q: retired(DIGESTS_RETIRED, tdigest('ttft_ms', 'ttft_ms IS NOT NULL')),
    itl_q: retired(DIGESTS_RETIRED, tdigest('itl_ms', 'itl_ms IS NOT NULL')),
  },
};

/** Kept per minute for the dashboards only: the cost families and questions leave them out. */
const DASHBOARD_ONLY = new Set(['duration_ms_sum', 'duration_q', 'ttft_q', 'itl_q']);

/** The measures every cost question reads: the calls subject without the dashboard latencies. */
export const COST_MEASURES: readonly string[] = Object.keys(CALLS.measures).filter(
  (m) => !DASHBOARD_ONLY.has(m),
);

const TPS = 'output_tokens * 1000 / (duration_ms - assumeNotNull(ttft_ms))';

/** Provider calls (app-cache hits made none): latency histograms, reliability, spend. */
export const PERF: Subject = {
  name: 'perf',
  where: `${BILLABLE} AND NOT cache_hit`,
  measures: {
    attempts: count(),
    first_attempts: count("attempt <= 1 AND fallback_from = ''"),
    ok_calls: count("status = 'ok'"),
    errors: count("status = 'error'"),
    rate_limited: count('http_status = 429'),
    fallbacks: count("fallback_from != ''"),
    spend: money('sum(cost_total)'),
    failed_spend: money("sumIf(cost_total, status = 'error')"),
    duration_h: histogram('duration_ms', "status = 'ok'"),
    ttft_h: histogram('assumeNotNull(ttft_ms)', "status = 'ok' AND ttft_ms IS NOT NULL"),
    itl_h: histogram('assumeNotNull(itl_ms)', "status = 'ok' AND itl_ms IS NOT NULL"),
    tps_h: histogram(
      TPS,
      "status = 'ok' AND streaming AND ttft_ms IS NOT NULL AND duration_ms > assumeNotNull(ttft_ms) AND output_tokens > 0",
    ),
  },
};

/**
 * Every billable row, app-cache hits included: a row with cache_layer set is one lookup (a hit made
 * no provider call, a miss was followed by one); prompt-cache measures count provider calls only.
 */
export const CACHE: Subject = {
  name: 'cache',
  where: BILLABLE,
  measures: {
    rows: count(),
    hits: count('cache_hit'),
    prompt_calls: count('NOT cache_hit AND input_tokens > 0'),
    read_calls: count('NOT cache_hit AND cache_read_tokens > 0'),
    prompt_tokens: total('sumIf(input_tokens, NOT cache_hit)'),
    read_tokens: total('sumIf(cache_read_tokens, NOT cache_hit)'),
  },
};

/**
 * Token demand of provider calls on a named deployment. Input tokens are inclusive of cache reads
 * and writes (semconv); capacity questions derive uncached input from them.
 */
export const CAPACITY: Subject = {
  name: 'capacity',
  where: `${BILLABLE} AND NOT cache_hit AND deployment != ''`,
  measures: {
    attempts: count(),
    ok_calls: count("status = 'ok'"),
    rate_limited: count('http_status = 429'),
    input_tokens: total("sumIf(input_tokens, status = 'ok')"),
    cache_read_tokens: total("sumIf(cache_read_tokens, status = 'ok')"),
    cache_creation_tokens: total("sumIf(cache_creation_tokens, status = 'ok')"),
    output_tokens: total("sumIf(output_tokens, status = 'ok')"),
  },
};

export const SUBJECTS = { calls: CALLS, perf: PERF, cache: CACHE, capacity: CAPACITY } as const;
export type SubjectName = keyof typeof SUBJECTS;
