-- Per-minute token demand per deployment, for capacity (utilization, spillover, demand
-- quantiles, the provisioning recommendation). fallback_from is in the key because demand that
-- spilled off a provisioned deployment lands on another one and must be counted back to it.
-- Small by construction (deployments x fallback pairs per minute), so it keeps minute grain.
-- Input tokens are inclusive of cache reads and writes (semconv); the query derives uncached input.
CREATE TABLE IF NOT EXISTS llm_capacity_1m
(
    deployment LowCardinality(String),
    minute DateTime('UTC'),
    fallback_from LowCardinality(String),
    capacity_tier LowCardinality(String),
    attempts SimpleAggregateFunction(sum, UInt64),
    ok_calls SimpleAggregateFunction(sum, UInt64),
    rate_limited SimpleAggregateFunction(sum, UInt64),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens SimpleAggregateFunction(sum, UInt64),
    cache_creation_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (deployment, minute, fallback_from, capacity_tier)
TTL minute + toIntervalDay({{ttl_days}});

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_capacity_1m_mv TO llm_capacity_1m AS
SELECT
    deployment,
    toStartOfMinute(start_time) AS minute,
    fallback_from, capacity_tier,
    count() AS attempts,
    countIf(status = 'ok') AS ok_calls,
    countIf(http_status = 429) AS rate_limited,
    sumIf(input_tokens, status = 'ok') AS input_tokens,
    sumIf(cache_read_tokens, status = 'ok') AS cache_read_tokens,
    sumIf(cache_creation_tokens, status = 'ok') AS cache_creation_tokens,
    sumIf(output_tokens, status = 'ok') AS output_tokens
FROM llm_calls
WHERE kind IN ('inference', 'embeddings') AND NOT cache_hit AND deployment != ''
GROUP BY deployment, minute, fallback_from, capacity_tier;
