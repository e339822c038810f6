-- Cluster variant of sql/migrations/0003_outcomes.sql: Replicated* local tables on every node of
-- '{cluster}' and Distributed tables with the single-node names over them, so the application and
-- the dashboards query the same names. Materialized views keep the single-node names (so a
-- single-node migration run against the cluster skips them) and read and write the local tables:
-- each shard rolls up its own inserts. Apply in order with clickhouse-client --multiquery after
-- replacing {{ttl_days}}; needs macros {cluster}, {shard}, {replica} in the server config.

-- Sharded by tenant like llm_calls: every version of an outcome id lands on the same shard,
-- so FINAL through the Distributed table still keeps exactly one.
CREATE TABLE IF NOT EXISTS outcomes_local ON CLUSTER '{cluster}'
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/outcomes_local', '{replica}', ingested_at)
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, outcome_id)
TTL toDateTime(time) + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS outcomes ON CLUSTER '{cluster}' AS outcomes_local
ENGINE = Distributed('{cluster}', currentDatabase(), outcomes_local, cityHash64(tenant));
