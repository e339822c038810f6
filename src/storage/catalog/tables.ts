// The tables the application writes rows into. Their DDL (single node and cluster) is generated
// from these definitions; the rollups in rollups.ts read llm_calls.
import { addedColumn, columns } from './table-columns.js';
import { ALERT_EVENTS, GATEWAY_REPORTS, ROUTING_FEED_VERSIONS } from './tables-ops.js';
import type { BaseTable, ColumnSpec } from './types.js';

export { addedColumn };

const BLOOM_INDEXES = [
  'INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1',
  'INDEX idx_conversation conversation_id TYPE bloom_filter(0.01) GRANULARITY 1',
];

/** Migration 0032: the usage parts and cost parts the price data bills separately. */
const PRICE_DIMENSIONS_SINCE = 32;
const PRICE_DIMENSIONS: readonly ColumnSpec[] = [
  ['cache_creation_1h_tokens', 'UInt64'],
  ['audio_input_tokens', 'UInt64'],
  ['audio_output_tokens', 'UInt64'],
  ['image_output_tokens', 'UInt64'],
  ['web_search_requests', 'UInt32'],
  // The source cannot report every count pricing needs (e.g. cached tokens): the cost is an estimate.
  ['usage_incomplete', 'Bool'],
  ['cost_cache_creation_1h', 'Decimal(38, 18)'],
  ['cost_audio', 'Decimal(38, 18)'],
  ['cost_image', 'Decimal(38, 18)'],
  ['cost_request', 'Decimal(38, 18)'],
].map(([name = '', type = '']) => addedColumn(PRICE_DIMENSIONS_SINCE, name, type));

/**
 * Migration 0038: llm_calls again in time order, with the columns rollups and raw reads aggregate
 * (no ids, text or arrays). The sort key starts with the tenant, so a time range shorter than an
 * hour (the exact edges of every planned read, a dashboard's last minutes) selected a granule range
 * per tenant: about 8 % of the table at 100M calls, 40 % at 10M. Through this projection the same
 * range is one contiguous run of rows. The engine picks whichever reads fewer granules, so
 * tenant-scoped reads keep using the tenant-first key; answers do not change.
 */
const CALLS_BY_TIME_COLUMNS = [
  'start_time',
  'duration_ms',
  'kind',
  'service',
  'environment',
  'route',
  'feature',
  'tenant',
  'provider',
  'operation',
  'model',
  'deployment',
  'capacity_tier',
  'region',
  'streaming',
  'status',
  'http_status',
  'input_tokens',
  'cache_read_tokens',
  'cache_creation_tokens',
  'output_tokens',
  'reasoning_tokens',
  'ttft_ms',
  'itl_ms',
  'attempt',
  'fallback_from',
  'cache_layer',
  'cache_hit',
  'prompt_version',
  'priced',
  'cost_input',
  'cost_cache_read',
  'cost_cache_creation',
  'cost_output',
  'cost_total',
  'list_cost',
  'usage_incomplete',
  'cost_cache_creation_1h',
  'cost_audio',
  'cost_image',
  'cost_request',
];

/**
 * The keys spend per outcome links calls by, read for every call of its range and linking window
 * (every granule holds a linked call). Migration 0048 stores them in LZ4, which decodes them
 * about three times faster than ZSTD. Migration 0049 adds them to the time-ordered projection: by
 * the tenant-first key that read took whole parts, up to twice the rows of the range (a 48-hour
 * range of the 100M month read 12.3M rows for 6.7M), and through the projection it takes the
 * range's.
 */
const LINK_KEYS = ['trace_id', 'conversation_id'];
const LINK_KEYS_LZ4 = { since: 48, type: 'String CODEC(LZ4)' };
const linkKeysLz4 = (c: ColumnSpec): ColumnSpec =>
  LINK_KEYS.includes(c.name) ? { ...c, recoded: LINK_KEYS_LZ4 } : c;

export const LLM_CALLS: BaseTable = {
  name: 'llm_calls',
  since: 1,
  doc: `One row per LLM call (and per GenAI tool/agent/wrapper span, told apart by \`kind\`).
Typed columns for every canonical field; tenant before time in the sort key so a tenant's
questions read only its granules; monthly partitions; TTL from the config (ttl_days).`,
  clusterDoc: `Sharded by tenant: a tenant's calls, rollup rows and outcomes live on one shard, so tenant
questions touch one shard and outcome linking can join locally. Replicated tables deduplicate
retried inserts by default (replicated_deduplication_window replaces the single-node
non_replicated_deduplication_window); the writer's insert_deduplication_token reaches the
shards when it inserts with distributed_foreground_insert = 1.`,
  columns: [
    ...columns(`
    call_id String CODEC(ZSTD(1))
    trace_id String CODEC(ZSTD(1))
    span_id String CODEC(ZSTD(1))
    parent_span_id String CODEC(ZSTD(1))
    start_time DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1))
    end_time DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1))
    duration_ms Float64 CODEC(ZSTD(1))
    span_name LowCardinality(String)
    scope_name LowCardinality(String)
    source LowCardinality(String)
    kind LowCardinality(String)
    service LowCardinality(String)
    environment LowCardinality(String)
    route LowCardinality(String)
    feature LowCardinality(String)
    tenant LowCardinality(String)
    provider LowCardinality(String)
    operation LowCardinality(String)
    request_model LowCardinality(String)
    response_model LowCardinality(String)
    model LowCardinality(String)
    deployment LowCardinality(String)
    capacity_tier LowCardinality(String)
    region LowCardinality(String)
    server_address LowCardinality(String)
    service_tier LowCardinality(String)
    streaming Bool
    status LowCardinality(String)
    error_type LowCardinality(String)
    http_status UInt16
    finish_reason LowCardinality(String)
    input_tokens UInt64
    cache_read_tokens UInt64
    cache_creation_tokens UInt64
    output_tokens UInt64
    reasoning_tokens UInt64
    ttft_ms Nullable(Float64)
    itl_ms Nullable(Float64)
    itl_p95_ms Nullable(Float64)
    attempt UInt16
    fallback_from LowCardinality(String)
    hedged Bool
    degraded Bool
    cache_layer LowCardinality(String)
    cache_hit Bool
    prompt_version LowCardinality(String)
    conversation_id String CODEC(ZSTD(1))
    price_entry LowCardinality(String)
    price_version LowCardinality(String)
    priced Bool
    cost_input Decimal(38, 18)
    cost_cache_read Decimal(38, 18)
    cost_cache_creation Decimal(38, 18)
    cost_output Decimal(38, 18)
    cost_total Decimal(38, 18)
    list_cost Decimal(38, 18)
    warnings Array(LowCardinality(String))
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
  `).map(linkKeysLz4),
    // The price dimensions pricing bills apart (issue 12): the usage parts and their costs. Each
    // token count is a PART of a total above (1h writes of cache_creation_tokens, audio of input
    // and output, image of output); cost_total already includes every cost part.
    ...PRICE_DIMENSIONS,
  ],
  indexes: BLOOM_INDEXES,
  projections: [
    {
      name: 'calls_by_time',
      since: 38,
      until: 49,
      select: `SELECT ${CALLS_BY_TIME_COLUMNS.join(', ')} ORDER BY start_time`,
      doc: `llm_calls in time order for time ranges shorter than the tenant-first key serves well: the
exact edges of planned reads, a dashboard's last minutes (see tables.ts).`,
    },
    {
      name: 'calls_by_time',
      since: 49,
      select: `SELECT ${[...CALLS_BY_TIME_COLUMNS, ...LINK_KEYS].join(', ')} ORDER BY start_time`,
      doc: `llm_calls in time order, now with the keys outcomes link calls by (trace_id,
conversation_id): spend per outcome reads a range's calls in time order too (see tables.ts).`,
    },
  ],
  engine: 'MergeTree',
  partitionBy: 'toYYYYMM(start_time)',
  orderBy: '(tenant, toStartOfHour(start_time), route, feature, provider, model, start_time)',
  ttl: 'toDateTime(start_time) + toIntervalDay({{ttl_days}})',
  settings: 'non_replicated_deduplication_window = 1000',
  shardBy: 'cityHash64(tenant)',
};

export const LLM_CALL_CONTENT: BaseTable = {
  name: 'llm_call_content',
  since: 1,
  doc: `Prompt and completion text, only when content capture is enabled: its own table so it can
carry a short TTL and be dropped without touching the cost rows.`,
  columns: columns(`
    call_id String
    tenant LowCardinality(String)
    start_time DateTime64(6, 'UTC')
    input_content String CODEC(ZSTD(3))
    output_content String CODEC(ZSTD(3))
  `),
  engine: 'MergeTree',
  partitionBy: 'toYYYYMMDD(start_time)',
  orderBy: '(tenant, start_time, call_id)',
  ttl: 'toDateTime(start_time) + toIntervalDay(30)',
  shardBy: 'cityHash64(tenant)',
};

export const OUTCOMES: BaseTable = {
  name: 'outcomes',
  since: 3,
  doc: `Business outcomes (a resolved ticket, a checkout) to divide spend by. Idempotent by
outcome_id: ReplacingMergeTree keeps the last version, and readers use FINAL.`,
  clusterDoc: `Sharded by tenant like llm_calls: every version of an outcome id lands on the same shard,
so FINAL through the Distributed table still keeps exactly one.`,
  columns: columns(`
    outcome_id String
    time DateTime64(6, 'UTC')
    name LowCardinality(String)
    success Bool
    value Nullable(Decimal(38, 18))
    trace_id String
    conversation_id String
    tenant LowCardinality(String)
    route LowCardinality(String)
    feature LowCardinality(String)
    source LowCardinality(String)
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
  `),
  indexes: BLOOM_INDEXES,
  engine: 'ReplacingMergeTree(ingested_at)',
  partitionBy: 'toYYYYMM(time)',
  orderBy: '(tenant, outcome_id)',
  ttl: 'toDateTime(time) + toIntervalDay({{ttl_days}})',
  shardBy: 'cityHash64(tenant)',
};

export const BASE_TABLES: readonly BaseTable[] = [
  LLM_CALLS,
  LLM_CALL_CONTENT,
  OUTCOMES,
  ALERT_EVENTS,
  ROUTING_FEED_VERSIONS,
  GATEWAY_REPORTS,
];
