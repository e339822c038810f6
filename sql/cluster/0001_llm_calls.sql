-- Cluster variant of sql/migrations/0001_llm_calls.sql: Replicated* local tables on every node of
-- '{cluster}' and Distributed tables with the single-node names over them, so the application and
-- the dashboards query the same names. Materialized views keep the single-node names (so a
-- single-node migration run against the cluster skips them) and read and write the local tables:
-- each shard rolls up its own inserts. Apply in order with clickhouse-client --multiquery after
-- replacing {{ttl_days}}; needs macros {cluster}, {shard}, {replica} in the server config.

-- Sharded by tenant: a tenant's calls, rollup rows and outcomes live on one shard, so tenant
-- questions touch one shard and outcome linking can join locally. Replicated tables deduplicate
-- retried inserts by default (replicated_deduplication_window replaces the single-node
-- non_replicated_deduplication_window); the writer's insert_deduplication_token reaches the
-- shards when it inserts with distributed_foreground_insert = 1.
CREATE TABLE IF NOT EXISTS llm_calls_local ON CLUSTER '{cluster}'
(
    call_id String CODEC(ZSTD(1)),
    trace_id String CODEC(ZSTD(1)),
    span_id String CODEC(ZSTD(1)),
    parent_span_id String CODEC(ZSTD(1)),
    start_time DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    end_time DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
    duration_ms Float64 CODEC(ZSTD(1)),
    span_name LowCardinality(String),
    scope_name LowCardinality(String),
    source LowCardinality(String),
    kind LowCardinality(String),
    service LowCardinality(String),
    environment LowCardinality(String),
    route LowCardinality(String),
    feature LowCardinality(String),
    tenant LowCardinality(String),
    provider LowCardinality(String),
    operation LowCardinality(String),
    request_model LowCardinality(String),
    response_model LowCardinality(String),
    model LowCardinality(String),
    deployment LowCardinality(String),
    capacity_tier LowCardinality(String),
    region LowCardinality(String),
    server_address LowCardinality(String),
    service_tier LowCardinality(String),
    streaming Bool,
    status LowCardinality(String),
    error_type LowCardinality(String),
    http_status UInt16,
    finish_reason LowCardinality(String),
    input_tokens UInt64,
    cache_read_tokens UInt64,
    cache_creation_tokens UInt64,
    output_tokens UInt64,
    reasoning_tokens UInt64,
    ttft_ms Nullable(Float64),
    itl_ms Nullable(Float64),
    itl_p95_ms Nullable(Float64),
    attempt UInt16,
    fallback_from LowCardinality(String),
    hedged Bool,
    degraded Bool,
    cache_layer LowCardinality(String),
    cache_hit Bool,
    prompt_version LowCardinality(String),
    conversation_id String CODEC(ZSTD(1)),
    price_entry LowCardinality(String),
    price_version LowCardinality(String),
    priced Bool,
    cost_input Decimal(38, 18),
    cost_cache_read Decimal(38, 18),
    cost_cache_creation Decimal(38, 18),
    cost_output Decimal(38, 18),
    cost_total Decimal(38, 18),
    list_cost Decimal(38, 18),
    warnings Array(LowCardinality(String)),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_conversation conversation_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/llm_calls_local', '{replica}')
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant, toStartOfHour(start_time), route, feature, provider, model, start_time)
TTL toDateTime(start_time) + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS llm_calls ON CLUSTER '{cluster}' AS llm_calls_local
ENGINE = Distributed('{cluster}', currentDatabase(), llm_calls_local, cityHash64(tenant));

CREATE TABLE IF NOT EXISTS llm_call_content_local ON CLUSTER '{cluster}'
(
    call_id String,
    tenant LowCardinality(String),
    start_time DateTime64(6, 'UTC'),
    input_content String CODEC(ZSTD(3)),
    output_content String CODEC(ZSTD(3))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/llm_call_content_local', '{replica}')
PARTITION BY toYYYYMMDD(start_time)
ORDER BY (tenant, start_time, call_id)
TTL toDateTime(start_time) + toIntervalDay(30);

CREATE TABLE IF NOT EXISTS llm_call_content ON CLUSTER '{cluster}' AS llm_call_content_local
ENGINE = Distributed('{cluster}', currentDatabase(), llm_call_content_local, cityHash64(tenant));
