-- One row per LLM call (and per GenAI tool/agent/wrapper span, told apart by `kind`).
-- Typed columns for every canonical field; tenant before time in the sort key so a tenant's
-- questions read only its granules; monthly partitions; TTL from the config (ttl_days).
CREATE TABLE IF NOT EXISTS llm_calls
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
ENGINE = MergeTree
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant, toStartOfHour(start_time), route, feature, provider, model, start_time)
TTL toDateTime(start_time) + toIntervalDay({{ttl_days}})
SETTINGS non_replicated_deduplication_window = 1000;

-- Prompt and completion text, only when content capture is enabled: its own table so it can
-- carry a short TTL and be dropped without touching the cost rows.
CREATE TABLE IF NOT EXISTS llm_call_content
(
    call_id String,
    tenant LowCardinality(String),
    start_time DateTime64(6, 'UTC'),
    input_content String CODEC(ZSTD(3)),
    output_content String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(start_time)
ORDER BY (tenant, start_time, call_id)
TTL toDateTime(start_time) + toIntervalDay(30);
