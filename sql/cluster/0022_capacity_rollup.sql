-- Cluster variant of sql/migrations/0022_capacity_rollup.sql: Replicated* local tables on every node of
-- '{cluster}' and Distributed tables with the single-node names over them, so the application and
-- the dashboards query the same names. Materialized views keep the single-node names (so a
-- single-node migration run against the cluster skips them) and read and write the local tables:
-- each shard rolls up its own inserts. Apply in order with clickhouse-client --multiquery after
-- replacing {{ttl_days}}; needs macros {cluster}, {shard}, {replica} in the server config.

CREATE TABLE IF NOT EXISTS llm_capacity_1m_local ON CLUSTER '{cluster}'
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
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/llm_capacity_1m_local', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (deployment, minute, fallback_from, capacity_tier)
TTL minute + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS llm_capacity_1m ON CLUSTER '{cluster}' AS llm_capacity_1m_local
ENGINE = Distributed('{cluster}', currentDatabase(), llm_capacity_1m_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_capacity_1m_mv ON CLUSTER '{cluster}' TO llm_capacity_1m_local AS
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
FROM llm_calls_local
WHERE kind IN ('inference', 'embeddings') AND NOT cache_hit AND deployment != ''
GROUP BY deployment, minute, fallback_from, capacity_tier;
