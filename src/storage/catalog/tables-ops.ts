// The operational tables beside the calls: alert history, published routing-feed versions and
// what gateways report of each target. Listed in BASE_TABLES (tables.ts) with the call tables.
import { columns } from './table-columns.js';
import type { BaseTable } from './types.js';

export const ALERT_EVENTS: BaseTable = {
  name: 'alert_events',
  since: 30,
  doc: `Alert lifecycle history: one row per transition (pending, firing, resolved) of one alert,
identified by its fingerprint (rule + labels). Tenant first in the sort key so a tenant's
view reads only its granules; alerts without a tenant label have tenant ''.`,
  columns: columns(`
    event_id String
    time DateTime64(3, 'UTC')
    fingerprint String
    rule LowCardinality(String)
    kind LowCardinality(String)
    severity LowCardinality(String)
    state LowCardinality(String)
    tenant LowCardinality(String)
    labels Map(String, String)
    value Float64
    threshold Float64
    summary String
    started_at DateTime64(3, 'UTC')
    notified Array(LowCardinality(String))
    notify_failed Array(LowCardinality(String))
  `),
  engine: 'MergeTree',
  partitionBy: 'toYYYYMM(time)',
  orderBy: '(tenant, time, fingerprint)',
  ttl: 'toDateTime(time) + toIntervalDay({{ttl_days}})',
  shardBy: 'cityHash64(tenant)',
};

export const ROUTING_FEED_VERSIONS: BaseTable = {
  name: 'routing_feed_versions',
  since: 31,
  doc: `Every published routing-feed version: the signed document and why each weight moved, so a
request's routing version (echoed by the gateway) can be audited; the highest version here
seeds the next one after a restart, so versions only increase.`,
  columns: columns(`
    feed_id LowCardinality(String)
    version UInt64
    generated_at DateTime64(3, 'UTC')
    etag String
    changes String CODEC(ZSTD(3))
    document String CODEC(ZSTD(3))
  `),
  engine: 'MergeTree',
  partitionBy: 'toYYYYMM(generated_at)',
  orderBy: '(feed_id, version)',
  ttl: 'toDateTime(generated_at) + toIntervalDay({{ttl_days}})',
  shardBy: 'cityHash64(feed_id)',
};

export const GATEWAY_REPORTS: BaseTable = {
  name: 'gateway_reports',
  // 40, not the next free number: other branches add migrations 32+ in parallel.
  since: 36,
  doc: `What each gateway saw of each routing target per interval (POST /v1/routing/reports): its
attempts, failures, breaker openings and the time its breaker kept the target closed. A gateway's
own breaker hides a failing target from llm_calls (no attempts, no error spans); the routing feed
reads these so a target every gateway avoids is down-weighted fleet-wide. Short-lived: the feed
reads minutes of it.`,
  columns: columns(`
    time DateTime64(3, 'UTC')
    interval_ms UInt32
    gateway LowCardinality(String)
    pool LowCardinality(String)
    target LowCardinality(String)
    attempts UInt32
    failures UInt32
    breaker_opens UInt32
    open_ms UInt32
    received_at DateTime64(3, 'UTC') DEFAULT now64(3)
  `),
  engine: 'MergeTree',
  partitionBy: 'toYYYYMMDD(time)',
  orderBy: '(target, time, gateway)',
  ttl: 'toDateTime(time) + toIntervalDay(7)',
  shardBy: 'cityHash64(target)',
};
