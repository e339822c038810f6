-- Cluster variant of sql/migrations/0020_perf_rollups.sql: Replicated* local tables on every node of
-- '{cluster}' and Distributed tables with the single-node names over them, so the application and
-- the dashboards query the same names. Materialized views keep the single-node names (so a
-- single-node migration run against the cluster skips them) and read and write the local tables:
-- each shard rolls up its own inserts. Apply in order with clickhouse-client --multiquery after
-- replacing {{ttl_days}}; needs macros {cluster}, {shard}, {replica} in the server config.

-- Rollups without a tenant are filled only by the materialized views on each shard; the same key
-- can exist on several shards and readers sum across them, so the Distributed sharding key (rand())
-- never routes an insert.
CREATE TABLE IF NOT EXISTS llm_perf_1m_local ON CLUSTER '{cluster}'
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
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/llm_perf_1m_local', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, route, provider, model, deployment, region, capacity_tier)
TTL minute + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS llm_perf_1m ON CLUSTER '{cluster}' AS llm_perf_1m_local
ENGINE = Distributed('{cluster}', currentDatabase(), llm_perf_1m_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_perf_1m_mv ON CLUSTER '{cluster}' TO llm_perf_1m_local AS
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
FROM llm_calls_local
WHERE kind IN ('inference', 'embeddings') AND NOT cache_hit
GROUP BY minute, route, provider, model, deployment, region, capacity_tier;

CREATE TABLE IF NOT EXISTS llm_perf_1h_local ON CLUSTER '{cluster}'
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
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/llm_perf_1h_local', '{replica}')
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, route, provider, model, deployment, region, capacity_tier)
TTL hour + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS llm_perf_1h ON CLUSTER '{cluster}' AS llm_perf_1h_local
ENGINE = Distributed('{cluster}', currentDatabase(), llm_perf_1h_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_perf_1h_mv ON CLUSTER '{cluster}' TO llm_perf_1h_local AS
SELECT
    toStartOfHour(minute) AS hour,
    route, provider, model, deployment, region, capacity_tier,
    sum(attempts) AS attempts, sum(first_attempts) AS first_attempts, sum(ok_calls) AS ok_calls,
    sum(errors) AS errors, sum(rate_limited) AS rate_limited, sum(fallbacks) AS fallbacks,
    sum(spend) AS spend, sum(failed_spend) AS failed_spend,
    sumMap(duration_h) AS duration_h, sumMap(ttft_h) AS ttft_h, sumMap(itl_h) AS itl_h, sumMap(tps_h) AS tps_h
FROM llm_perf_1m_local
GROUP BY hour, route, provider, model, deployment, region, capacity_tier;
