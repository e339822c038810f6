-- Cluster variant of sql/migrations/0021_cache_rollups.sql: Replicated* local tables on every node of
-- '{cluster}' and Distributed tables with the single-node names over them, so the application and
-- the dashboards query the same names. Materialized views keep the single-node names (so a
-- single-node migration run against the cluster skips them) and read and write the local tables:
-- each shard rolls up its own inserts. Apply in order with clickhouse-client --multiquery after
-- replacing {{ttl_days}}; needs macros {cluster}, {shard}, {replica} in the server config.

CREATE TABLE IF NOT EXISTS llm_cache_1m_local ON CLUSTER '{cluster}'
(
    minute DateTime('UTC'),
    route LowCardinality(String),
    cache_layer LowCardinality(String),
    model LowCardinality(String),
    prompt_version LowCardinality(String),
    rows SimpleAggregateFunction(sum, UInt64),
    hits SimpleAggregateFunction(sum, UInt64),
    prompt_calls SimpleAggregateFunction(sum, UInt64),
    read_calls SimpleAggregateFunction(sum, UInt64),
    prompt_tokens SimpleAggregateFunction(sum, UInt64),
    read_tokens SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/llm_cache_1m_local', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, route, cache_layer, model, prompt_version)
TTL minute + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS llm_cache_1m ON CLUSTER '{cluster}' AS llm_cache_1m_local
ENGINE = Distributed('{cluster}', currentDatabase(), llm_cache_1m_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_cache_1m_mv ON CLUSTER '{cluster}' TO llm_cache_1m_local AS
SELECT
    toStartOfMinute(start_time) AS minute,
    route, cache_layer, model, prompt_version,
    count() AS rows,
    countIf(cache_hit) AS hits,
    countIf(NOT cache_hit AND input_tokens > 0) AS prompt_calls,
    countIf(NOT cache_hit AND cache_read_tokens > 0) AS read_calls,
    sumIf(input_tokens, NOT cache_hit) AS prompt_tokens,
    sumIf(cache_read_tokens, NOT cache_hit) AS read_tokens
FROM llm_calls_local
WHERE kind IN ('inference', 'embeddings')
GROUP BY minute, route, cache_layer, model, prompt_version;

CREATE TABLE IF NOT EXISTS llm_cache_1h_local ON CLUSTER '{cluster}'
(
    hour DateTime('UTC'),
    route LowCardinality(String),
    cache_layer LowCardinality(String),
    model LowCardinality(String),
    prompt_version LowCardinality(String),
    rows SimpleAggregateFunction(sum, UInt64),
    hits SimpleAggregateFunction(sum, UInt64),
    prompt_calls SimpleAggregateFunction(sum, UInt64),
    read_calls SimpleAggregateFunction(sum, UInt64),
    prompt_tokens SimpleAggregateFunction(sum, UInt64),
    read_tokens SimpleAggregateFunction(sum, UInt64)
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/llm_cache_1h_local', '{replica}')
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, route, cache_layer, model, prompt_version)
TTL hour + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS llm_cache_1h ON CLUSTER '{cluster}' AS llm_cache_1h_local
ENGINE = Distributed('{cluster}', currentDatabase(), llm_cache_1h_local, rand());

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_cache_1h_mv ON CLUSTER '{cluster}' TO llm_cache_1h_local AS
SELECT
    toStartOfHour(minute) AS hour,
    route, cache_layer, model, prompt_version,
    sum(rows) AS rows, sum(hits) AS hits, sum(prompt_calls) AS prompt_calls, sum(read_calls) AS read_calls,
    sum(prompt_tokens) AS prompt_tokens, sum(read_tokens) AS read_tokens
FROM llm_cache_1m_local
GROUP BY hour, route, cache_layer, model, prompt_version;
