-- Daily perf rollup, filled from llm_perf_1h (a cascade: it sees pre-aggregated blocks). A 30-day
-- latency question merged ~58k hourly rows of four histograms (~11M map entries at the benchmark's
-- cardinality: 300 ms at 100M calls); whole days now come from here, hours only at the edges.
CREATE TABLE IF NOT EXISTS llm_perf_1d
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
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (day, route, provider, model, deployment, region, capacity_tier)
TTL day + toIntervalDay({{ttl_days}});

-- Backfill what llm_perf_1h already holds, once (guarded by "still empty" so a re-run after a
-- crash does not double it), before the view starts adding new blocks.
INSERT INTO llm_perf_1d
SELECT
    toStartOfDay(hour) AS day,
    route, provider, model, deployment, region, capacity_tier,
    sum(attempts) AS attempts, sum(first_attempts) AS first_attempts, sum(ok_calls) AS ok_calls,
    sum(errors) AS errors, sum(rate_limited) AS rate_limited, sum(fallbacks) AS fallbacks,
    sum(spend) AS spend, sum(failed_spend) AS failed_spend,
    sumMap(duration_h) AS duration_h, sumMap(ttft_h) AS ttft_h, sumMap(itl_h) AS itl_h, sumMap(tps_h) AS tps_h
FROM llm_perf_1h
WHERE (SELECT count() FROM llm_perf_1d) = 0
GROUP BY day, route, provider, model, deployment, region, capacity_tier;

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_perf_1d_mv TO llm_perf_1d AS
SELECT
    toStartOfDay(hour) AS day,
    route, provider, model, deployment, region, capacity_tier,
    sum(attempts) AS attempts, sum(first_attempts) AS first_attempts, sum(ok_calls) AS ok_calls,
    sum(errors) AS errors, sum(rate_limited) AS rate_limited, sum(fallbacks) AS fallbacks,
    sum(spend) AS spend, sum(failed_spend) AS failed_spend,
    sumMap(duration_h) AS duration_h, sumMap(ttft_h) AS ttft_h, sumMap(itl_h) AS itl_h, sumMap(tps_h) AS tps_h
FROM llm_perf_1h
GROUP BY day, route, provider, model, deployment, region, capacity_tier;
