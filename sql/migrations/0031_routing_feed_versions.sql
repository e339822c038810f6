-- Every published routing-feed version: the signed document and why each weight moved, so a
-- request's routing version (echoed by the gateway) can be audited; the highest version here
-- seeds the next one after a restart, so versions only increase.
CREATE TABLE IF NOT EXISTS routing_feed_versions
(
    feed_id LowCardinality(String),
    version UInt64,
    generated_at DateTime64(3, 'UTC'),
    etag String,
    changes String CODEC(ZSTD(3)),
    document String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(generated_at)
ORDER BY (feed_id, version)
TTL toDateTime(generated_at) + toIntervalDay({{ttl_days}});
