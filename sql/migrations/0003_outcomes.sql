-- Business outcomes (a resolved ticket, a checkout) to divide spend by. Idempotent by
-- outcome_id: ReplacingMergeTree keeps the last version, and readers use FINAL.
CREATE TABLE IF NOT EXISTS outcomes
(
    outcome_id String,
    time DateTime64(6, 'UTC'),
    name LowCardinality(String),
    success Bool,
    value Nullable(Decimal(38, 18)),
    trace_id String,
    conversation_id String,
    tenant LowCardinality(String),
    route LowCardinality(String),
    feature LowCardinality(String),
    source LowCardinality(String),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_conversation conversation_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, outcome_id)
TTL toDateTime(time) + toIntervalDay({{ttl_days}});
