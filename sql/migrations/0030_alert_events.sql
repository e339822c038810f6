-- Alert lifecycle history: one row per transition (pending, firing, resolved) of one alert,
-- identified by its fingerprint (rule + labels). Tenant first in the sort key so a tenant's
-- view reads only its granules; alerts without a tenant label have tenant ''.
CREATE TABLE IF NOT EXISTS alert_events
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
ENGINE = MergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant, time, fingerprint)
TTL toDateTime(time) + toIntervalDay({{ttl_days}});
