-- Cluster variant of sql/migrations/0031_routing_feed_versions.sql: Replicated* local tables on every node of
-- '{cluster}' and Distributed tables with the single-node names over them, so the application and
-- the dashboards query the same names. Materialized views keep the single-node names (so a
-- single-node migration run against the cluster skips them) and read and write the local tables:
-- each shard rolls up its own inserts. Apply in order with clickhouse-client --multiquery after
-- replacing {{ttl_days}}; needs macros {cluster}, {shard}, {replica} in the server config.

CREATE TABLE IF NOT EXISTS routing_feed_versions_local ON CLUSTER '{cluster}'
(
    feed_id LowCardinality(String),
    version UInt64,
    generated_at DateTime64(3, 'UTC'),
    etag String,
    changes String CODEC(ZSTD(3)),
    document String CODEC(ZSTD(3))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/routing_feed_versions_local', '{replica}')
PARTITION BY toYYYYMM(generated_at)
ORDER BY (feed_id, version)
TTL toDateTime(generated_at) + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS routing_feed_versions ON CLUSTER '{cluster}' AS routing_feed_versions_local
ENGINE = Distributed('{cluster}', currentDatabase(), routing_feed_versions_local, cityHash64(feed_id));
