-- Hourly and daily cost rollups WITH the tenant, keyed tenant first, for every cost question that
-- groups or filters by tenant (cost per tenant, a tenant-scoped key, tenant budgets). Before them
-- those questions merged llm_calls_1m, which keys by the minute and so holds about one row per
-- call at production cardinality: a 30-day cost-per-tenant question was no faster than llm_calls.
-- A day per tenant and dimension set is one row here. The hourly table cascades from llm_calls_1m
-- and the daily one from the hourly one, so each view sees pre-aggregated blocks.

CREATE TABLE IF NOT EXISTS llm_costs_tenant_1h
(
    hour DateTime('UTC'),
    tenant LowCardinality(String),
    route LowCardinality(String),
    feature LowCardinality(String),
    service LowCardinality(String),
    environment LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    operation LowCardinality(String),
    deployment LowCardinality(String),
    capacity_tier LowCardinality(String),
    region LowCardinality(String),
    kind LowCardinality(String),
    calls SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    rate_limited SimpleAggregateFunction(sum, UInt64),
    unpriced_calls SimpleAggregateFunction(sum, UInt64),
    cache_hits SimpleAggregateFunction(sum, UInt64),
    retries SimpleAggregateFunction(sum, UInt64),
    fallbacks SimpleAggregateFunction(sum, UInt64),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens SimpleAggregateFunction(sum, UInt64),
    cache_creation_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64),
    reasoning_tokens SimpleAggregateFunction(sum, UInt64),
    cost_input SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_cache_read SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_cache_creation SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_output SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_total SimpleAggregateFunction(sum, Decimal(38, 18)),
    list_cost SimpleAggregateFunction(sum, Decimal(38, 18))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant, hour, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind)
TTL hour + toIntervalDay({{ttl_days}});

CREATE TABLE IF NOT EXISTS llm_costs_tenant_1d
(
    day DateTime('UTC'),
    tenant LowCardinality(String),
    route LowCardinality(String),
    feature LowCardinality(String),
    service LowCardinality(String),
    environment LowCardinality(String),
    provider LowCardinality(String),
    model LowCardinality(String),
    operation LowCardinality(String),
    deployment LowCardinality(String),
    capacity_tier LowCardinality(String),
    region LowCardinality(String),
    kind LowCardinality(String),
    calls SimpleAggregateFunction(sum, UInt64),
    errors SimpleAggregateFunction(sum, UInt64),
    rate_limited SimpleAggregateFunction(sum, UInt64),
    unpriced_calls SimpleAggregateFunction(sum, UInt64),
    cache_hits SimpleAggregateFunction(sum, UInt64),
    retries SimpleAggregateFunction(sum, UInt64),
    fallbacks SimpleAggregateFunction(sum, UInt64),
    input_tokens SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens SimpleAggregateFunction(sum, UInt64),
    cache_creation_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens SimpleAggregateFunction(sum, UInt64),
    reasoning_tokens SimpleAggregateFunction(sum, UInt64),
    cost_input SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_cache_read SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_cache_creation SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_output SimpleAggregateFunction(sum, Decimal(38, 18)),
    cost_total SimpleAggregateFunction(sum, Decimal(38, 18)),
    list_cost SimpleAggregateFunction(sum, Decimal(38, 18))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (tenant, day, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind)
TTL day + toIntervalDay({{ttl_days}});

-- Backfill what the minute rollup already holds, once (guarded by "still empty" so a re-run after a
-- crash does not double it), before the views start adding new blocks; the daily table from the
-- hourly one just filled.
INSERT INTO llm_costs_tenant_1h
SELECT
    toStartOfHour(minute) AS hour,
    tenant, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind,
    sum(calls), sum(errors), sum(rate_limited), sum(unpriced_calls), sum(cache_hits), sum(retries), sum(fallbacks),
    sum(input_tokens), sum(cache_read_tokens), sum(cache_creation_tokens), sum(output_tokens), sum(reasoning_tokens),
    sum(cost_input), sum(cost_cache_read), sum(cost_cache_creation), sum(cost_output), sum(cost_total), sum(list_cost)
FROM llm_calls_1m
WHERE (SELECT count() FROM llm_costs_tenant_1h) = 0
GROUP BY hour, tenant, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind;

INSERT INTO llm_costs_tenant_1d
SELECT
    toStartOfDay(hour) AS day,
    tenant, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind,
    sum(calls), sum(errors), sum(rate_limited), sum(unpriced_calls), sum(cache_hits), sum(retries), sum(fallbacks),
    sum(input_tokens), sum(cache_read_tokens), sum(cache_creation_tokens), sum(output_tokens), sum(reasoning_tokens),
    sum(cost_input), sum(cost_cache_read), sum(cost_cache_creation), sum(cost_output), sum(cost_total), sum(list_cost)
FROM llm_costs_tenant_1h
WHERE (SELECT count() FROM llm_costs_tenant_1d) = 0
GROUP BY day, tenant, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind;

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_costs_tenant_1h_mv TO llm_costs_tenant_1h AS
SELECT
    toStartOfHour(minute) AS hour,
    tenant, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind,
    sum(calls) AS calls, sum(errors) AS errors, sum(rate_limited) AS rate_limited,
    sum(unpriced_calls) AS unpriced_calls, sum(cache_hits) AS cache_hits, sum(retries) AS retries,
    sum(fallbacks) AS fallbacks, sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_creation_tokens) AS cache_creation_tokens, sum(output_tokens) AS output_tokens,
    sum(reasoning_tokens) AS reasoning_tokens, sum(cost_input) AS cost_input, sum(cost_cache_read) AS cost_cache_read,
    sum(cost_cache_creation) AS cost_cache_creation, sum(cost_output) AS cost_output,
    sum(cost_total) AS cost_total, sum(list_cost) AS list_cost
FROM llm_calls_1m
GROUP BY hour, tenant, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind;

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_costs_tenant_1d_mv TO llm_costs_tenant_1d AS
SELECT
    toStartOfDay(hour) AS day,
    tenant, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind,
    sum(calls) AS calls, sum(errors) AS errors, sum(rate_limited) AS rate_limited,
    sum(unpriced_calls) AS unpriced_calls, sum(cache_hits) AS cache_hits, sum(retries) AS retries,
    sum(fallbacks) AS fallbacks, sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_creation_tokens) AS cache_creation_tokens, sum(output_tokens) AS output_tokens,
    sum(reasoning_tokens) AS reasoning_tokens, sum(cost_input) AS cost_input, sum(cost_cache_read) AS cost_cache_read,
    sum(cost_cache_creation) AS cost_cache_creation, sum(cost_output) AS cost_output,
    sum(cost_total) AS cost_total, sum(list_cost) AS list_cost
FROM llm_costs_tenant_1h
GROUP BY day, tenant, route, feature, service, environment, provider, model, operation, deployment, capacity_tier, region, kind;
