-- Cluster variant of sql/migrations/0024_perf_daily.sql: a Replicated local table per shard, a
-- Distributed table with the single-node name over it, and a view that rolls each shard's own
-- llm_perf_1h_local blocks up per day. Apply after 0020 with clickhouse-client --multiquery after
-- replacing {{ttl_days}}. The backfill reads each shard's local hourly rollup: run it on one
-- replica of every shard.
CREATE TABLE IF NOT EXISTS llm_perf_1d_local ON CLUSTER '{cluster}'
(
    day DateTime('UTC'),
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
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/llm_perf_1d_local', '{replica}')
PARTITION BY toYYYYMM(day)
ORDER BY (day, route, provider, model, deployment, region, capacity_tier)
TTL day + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS llm_perf_1d ON CLUSTER '{cluster}' AS llm_perf_1d_local
ENGINE = Distributed('{cluster}', currentDatabase(), llm_perf_1d_local, rand());

-- Backfill what llm_perf_1h_local already holds, once (guarded by "still empty").
INSERT INTO llm_perf_1d_local
SELECT
    toStartOfDay(hour) AS day,
    route, provider, model, deployment, region, capacity_tier,
    sum(attempts) AS attempts, sum(first_attempts) AS first_attempts, sum(ok_calls) AS ok_calls,
    sum(errors) AS errors, sum(rate_limited) AS rate_limited, sum(fallbacks) AS fallbacks,
    sum(spend) AS spend, sum(failed_spend) AS failed_spend,
    sumMap(duration_h) AS duration_h, sumMap(ttft_h) AS ttft_h, sumMap(itl_h) AS itl_h, sumMap(tps_h) AS tps_h
FROM llm_perf_1h_local
WHERE (SELECT count() FROM llm_perf_1d_local) = 0
GROUP BY day, route, provider, model, deployment, region, capacity_tier;

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_perf_1d_mv ON CLUSTER '{cluster}' TO llm_perf_1d_local AS
SELECT
    toStartOfDay(hour) AS day,
    route, provider, model, deployment, region, capacity_tier,
    sum(attempts) AS attempts, sum(first_attempts) AS first_attempts, sum(ok_calls) AS ok_calls,
    sum(errors) AS errors, sum(rate_limited) AS rate_limited, sum(fallbacks) AS fallbacks,
    sum(spend) AS spend, sum(failed_spend) AS failed_spend,
    sumMap(duration_h) AS duration_h, sumMap(ttft_h) AS ttft_h, sumMap(itl_h) AS itl_h, sumMap(tps_h) AS tps_h
FROM llm_perf_1h_local
GROUP BY day, route, provider, model, deployment, region, capacity_tier;
