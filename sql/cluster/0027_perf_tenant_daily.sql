-- Cluster variant of sql/migrations/0027_perf_tenant_daily.sql: a Replicated local table per shard,
-- a Distributed table with the single-node name over it, and a view that rolls each shard's own
-- llm_calls_local blocks up. Apply after 0001 with clickhouse-client --multiquery after replacing
-- {{ttl_days}}. The backfill reads each shard's local calls on that shard: run it on one replica of
-- every shard.
CREATE TABLE IF NOT EXISTS llm_perf_tenant_1d_local ON CLUSTER '{cluster}'
(
    day DateTime('UTC'),
    tenant LowCardinality(String),
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
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/llm_perf_tenant_1d_local', '{replica}')
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, route, provider, model, deployment, region, capacity_tier)
TTL day + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS llm_perf_tenant_1d ON CLUSTER '{cluster}' AS llm_perf_tenant_1d_local
ENGINE = Distributed('{cluster}', currentDatabase(), llm_perf_tenant_1d_local, rand());

-- Backfill the calls already stored, once (guarded by "still empty" so a re-run after a crash does
-- not double it), before the view starts adding new blocks. The same SELECT as the view.
INSERT INTO llm_perf_tenant_1d_local
SELECT
    toStartOfDay(start_time) AS day,
    tenant, route, provider, model, deployment, region, capacity_tier,
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
WHERE (SELECT count() FROM llm_perf_tenant_1d_local) = 0
    AND kind IN ('inference', 'embeddings') AND NOT cache_hit
GROUP BY day, tenant, route, provider, model, deployment, region, capacity_tier;

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_perf_tenant_1d_mv ON CLUSTER '{cluster}' TO llm_perf_tenant_1d_local AS
SELECT
    toStartOfDay(start_time) AS day,
    tenant, route, provider, model, deployment, region, capacity_tier,
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
GROUP BY day, tenant, route, provider, model, deployment, region, capacity_tier;
