-- Cluster variant of sql/migrations/0030_alert_events.sql: Replicated* local tables on every node of
-- '{cluster}' and Distributed tables with the single-node names over them, so the application and
-- the dashboards query the same names. Materialized views keep the single-node names (so a
-- single-node migration run against the cluster skips them) and read and write the local tables:
-- each shard rolls up its own inserts. Apply in order with clickhouse-client --multiquery after
-- replacing {{ttl_days}}; needs macros {cluster}, {shard}, {replica} in the server config.

CREATE TABLE IF NOT EXISTS alert_events_local ON CLUSTER '{cluster}'
(
    event_id String,
    time DateTime64(3, 'UTC'),
    fingerprint String,
    rule LowCardinality(String),
    kind LowCardinality(String),
    severity LowCardinality(String),
    state LowCardinality(String),
    tenant LowCardinality(String),
    labels Map(String, String),
    value Float64,
    threshold Float64,
    summary String,
    started_at DateTime64(3, 'UTC'),
    notified Array(LowCardinality(String)),
    notify_failed Array(LowCardinality(String))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/alert_events_local', '{replica}')
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, time, fingerprint)
TTL toDateTime(time) + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS alert_events ON CLUSTER '{cluster}' AS alert_events_local
ENGINE = Distributed('{cluster}', currentDatabase(), alert_events_local, cityHash64(tenant));
