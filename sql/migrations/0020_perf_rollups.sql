-- Rollups for the performance questions (latency, goodput, TTFT drift, reliability).
-- No tenant in the key, on purpose: with hundreds of tenants a per-minute key that includes the
-- tenant has about one row per call, so it would be no faster than llm_calls. Tenant-scoped
-- questions read llm_calls instead, whose sort key starts with the tenant.
-- Latency distributions are fixed log-bucket histograms (16 buckets per doubling, bucket i covers
-- [2^((i-129)/16), 2^((i-128)/16)), bucket 0 = zero): they merge exactly by addition, so any
-- quantile and the goodput of any deadline (SLOs live in config and change) can be read back
-- within one bucket (4.4 % wide). Only provider calls: app-cache hits are excluded.
CREATE TABLE IF NOT EXISTS llm_perf_1m
(
    minute DateTime('UTC'),
    route LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    deployment LowCardinality(String),
    region LowCardinality(String),
    capacity_tier LowCardinality(String),
    attempts SimpleAggregateFunction(sum, UInt64),
    first_attempts SimpleAggregateFunction(sum, UInt64),
    ok_calls SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    rate_limited SimpleAggregateFunction(sum, UInt64),
    fallbacks SimpleAggregateFunction(sum, UInt64),
    spend SimpleAggregateFunction(sum, Decimal(38, 18)),
    failed_spend SimpleAggregateFunction(sum, Decimal(38, 18)),
    duration_h SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),
    ttft_h SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),
    itl_h SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),
    tps_h SimpleAggregateFunction(sumMap, Map(UInt16, UInt64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, route, provider, model, deployment, region, capacity_tier)
TTL minute + toIntervalDay({{ttl_days}});

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_perf_1m_mv TO llm_perf_1m AS
SELECT
    toStartOfMinute(start_time) AS minute,
    route, provider, model, deployment, region, capacity_tier,
    count() AS attempts,
    countIf(attempt <= 1 AND fallback_from = '') AS first_attempts,
    countIf(status = 'ok') AS ok_calls,
    countIf(status = 'error') AS errors,
    countIf(http_status = 429) AS rate_limited,
    countIf(fallback_from != '') AS fallbacks,
    sum(cost_total) AS spend,
    sumIf(cost_total, status = 'error') AS failed_spend,
    sumMapIf(map(if(duration_ms > 0, toUInt16(least(1023, greatest(1, floor(16 * log2(duration_ms)) + 129))), toUInt16(0)), toUInt64(1)), status = 'ok') AS duration_h,
    sumMapIf(map(if(assumeNotNull(ttft_ms) > 0, toUInt16(least(1023, greatest(1, floor(16 * log2(assumeNotNull(ttft_ms))) + 129))), toUInt16(0)), toUInt64(1)), status = 'ok' AND ttft_ms IS NOT NULL) AS ttft_h,
    sumMapIf(map(if(assumeNotNull(itl_ms) > 0, toUInt16(least(1023, greatest(1, floor(16 * log2(assumeNotNull(itl_ms))) + 129))), toUInt16(0)), toUInt64(1)), status = 'ok' AND itl_ms IS NOT NULL) AS itl_h,
    sumMapIf(map(if(output_tokens * 1000 / (duration_ms - assumeNotNull(ttft_ms)) > 0, toUInt16(least(1023, greatest(1, floor(16 * log2(output_tokens * 1000 / (duration_ms - assumeNotNull(ttft_ms)))) + 129))), toUInt16(0)), toUInt64(1)), status = 'ok' AND streaming AND ttft_ms IS NOT NULL AND duration_ms > assumeNotNull(ttft_ms) AND output_tokens > 0) AS tps_h
FROM llm_calls
WHERE kind IN ('inference', 'embeddings') AND NOT cache_hit
GROUP BY minute, route, provider, model, deployment, region, capacity_tier;

-- The same per hour, filled from the minute rollup (cheap: it sees pre-aggregated blocks), so a
-- 30-day question merges ~720 rows per key instead of ~43,200.
CREATE TABLE IF NOT EXISTS llm_perf_1h
(
    hour DateTime('UTC'),
    route LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    deployment LowCardinality(String),
    region LowCardinality(String),
    capacity_tier LowCardinality(String),
    attempts SimpleAggregateFunction(sum, UInt64),
    first_attempts SimpleAggregateFunction(sum, UInt64),
    ok_calls SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    rate_limited SimpleAggregateFunction(sum, UInt64),
    fallbacks SimpleAggregateFunction(sum, UInt64),
    spend SimpleAggregateFunction(sum, Decimal(38, 18)),
    failed_spend SimpleAggregateFunction(sum, Decimal(38, 18)),
    duration_h SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),
    ttft_h SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),
    itl_h SimpleAggregateFunction(sumMap, Map(UInt16, UInt64)),
    tps_h SimpleAggregateFunction(sumMap, Map(UInt16, UInt64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, route, provider, model, deployment, region, capacity_tier)
TTL hour + toIntervalDay({{ttl_days}});

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_perf_1h_mv TO llm_perf_1h AS
SELECT
    toStartOfHour(minute) AS hour,
    route, provider, model, deployment, region, capacity_tier,
    sum(attempts) AS attempts, sum(first_attempts) AS first_attempts, sum(ok_calls) AS ok_calls,
    sum(errors) AS errors, sum(rate_limited) AS rate_limited, sum(fallbacks) AS fallbacks,
    sum(spend) AS spend, sum(failed_spend) AS failed_spend,
    sumMap(duration_h) AS duration_h, sumMap(ttft_h) AS ttft_h, sumMap(itl_h) AS itl_h, sumMap(tps_h) AS tps_h
FROM llm_perf_1m
GROUP BY hour, route, provider, model, deployment, region, capacity_tier;
