-- Cluster variant of sql/migrations/0002_llm_calls_1m.sql: Replicated* local tables on every node of
-- '{cluster}' and Distributed tables with the single-node names over them, so the application and
-- the dashboards query the same names. Materialized views keep the single-node names (so a
-- single-node migration run against the cluster skips them) and read and write the local tables:
-- each shard rolls up its own inserts. Apply in order with clickhouse-client --multiquery after
-- replacing {{ttl_days}}; needs macros {cluster}, {shard}, {replica} in the server config.

CREATE TABLE IF NOT EXISTS llm_calls_1m_local ON CLUSTER '{cluster}'
(
    minute DateTime('UTC'),
    tenant LowCardinality(String),
    route LowCardinality(String),
    feature LowCardinality(String),
    service LowCardinality(String),
    environment LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    operation LowCardinality(String),
    deployment LowCardinality(String),
    capacity_tier LowCardinality(String),
    region LowCardinality(String),
    kind LowCardinality(String),
    calls SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    rate_limited SimpleAggregateFunction(sum, UInt64),
    unpriced_calls SimpleAggregateFunction(sum, UInt64),
    cache_hits SimpleAggregateFunction(sum, UInt64),
    retries SimpleAggregateFunction(sum, UInt64),
    fallbacks SimpleAggregateFunction(sum, UInt64),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens SimpleAggregateFunction(sum, UInt64),
    cache_creation_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64),
    reasoning_tokens SimpleAggregateFunction(sum, UInt64),
    cost_input SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_cache_read SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_cache_creation SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_output SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_total SimpleAggregateFunction(sum, Decimal(38, 18)),
    list_cost SimpleAggregateFunction(sum, Decimal(38, 18)),
    duration_ms_sum SimpleAggregateFunction(sum, Float64),
    duration_q AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64),
    ttft_q AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64),
    itl_q AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64)
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/llm_calls_1m_local', '{replica}')
PARTITION BY toYYYYMM(minute)
ORDER BY (tenant, minute, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind)
TTL minute + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS llm_calls_1m ON CLUSTER '{cluster}' AS llm_calls_1m_local
ENGINE = Distributed('{cluster}', currentDatabase(), llm_calls_1m_local, cityHash64(tenant));

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_calls_1m_mv ON CLUSTER '{cluster}' TO llm_calls_1m_local AS
SELECT
    toStartOfMinute(start_time) AS minute,
    tenant, route, feature, service, environment, provider, model, operation,
    deployment, capacity_tier, region, kind,
    count() AS calls,
    countIf(status = 'error') AS errors,
    countIf(http_status = 429) AS rate_limited,
    countIf(NOT priced) AS unpriced_calls,
    countIf(cache_hit) AS cache_hits,
    countIf(attempt > 1) AS retries,
    countIf(fallback_from != '') AS fallbacks,
    sum(input_tokens) AS input_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_creation_tokens) AS cache_creation_tokens,
    sum(output_tokens) AS output_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    sum(cost_input) AS cost_input,
    sum(cost_cache_read) AS cost_cache_read,
    sum(cost_cache_creation) AS cost_cache_creation,
    sum(cost_output) AS cost_output,
    sum(cost_total) AS cost_total,
    sum(list_cost) AS list_cost,
    sum(duration_ms) AS duration_ms_sum,
    quantilesTDigestState(0.5, 0.95, 0.99)(duration_ms) AS duration_q,
    quantilesTDigestStateIf(0.5, 0.95, 0.99)(assumeNotNull(ttft_ms), ttft_ms IS NOT NULL) AS ttft_q,
    quantilesTDigestStateIf(0.5, 0.95, 0.99)(assumeNotNull(itl_ms), itl_ms IS NOT NULL) AS itl_q
FROM llm_calls_local
GROUP BY minute, tenant, route, feature, service, environment, provider, model, operation,
    deployment, capacity_tier, region, kind;
