-- Rollups for cache questions: app-cache lookups and hits per route and layer, prompt-cache reads
-- per route and model, with the prompt version in the key so a regression can name the version
-- that appeared with it. No tenant in the key (see 0020); tenant-scoped questions read llm_calls.
-- A row with cache_layer set is one lookup: cache_hit = true is a hit (no provider call), false a
-- miss followed by the provider call. Prompt-cache measures count provider calls only.
CREATE TABLE IF NOT EXISTS llm_cache_1m
(
    minute DateTime('UTC'),
    route LowCardinality(String),
    cache_layer LowCardinality(String),
    model LowCardinality(String),
    prompt_version LowCardinality(String),
    rows SimpleAggregateFunction(sum, UInt64),
    hits SimpleAggregateFunction(sum, UInt64),
    prompt_calls SimpleAggregateFunction(sum, UInt64),
    read_calls SimpleAggregateFunction(sum, UInt64),
    prompt_tokens SimpleAggregateFunction(sum, UInt64),
    read_tokens SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, route, cache_layer, model, prompt_version)
TTL minute + toIntervalDay({{ttl_days}});

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_cache_1m_mv TO llm_cache_1m AS
SELECT
    toStartOfMinute(start_time) AS minute,
    route, cache_layer, model, prompt_version,
    count() AS rows,
    countIf(cache_hit) AS hits,
    countIf(NOT cache_hit AND input_tokens > 0) AS prompt_calls,
    countIf(NOT cache_hit AND cache_read_tokens > 0) AS read_calls,
    sumIf(input_tokens, NOT cache_hit) AS prompt_tokens,
    sumIf(cache_read_tokens, NOT cache_hit) AS read_tokens
FROM llm_calls
WHERE kind IN ('inference', 'embeddings')
GROUP BY minute, route, cache_layer, model, prompt_version;

CREATE TABLE IF NOT EXISTS llm_cache_1h
(
    hour DateTime('UTC'),
    route LowCardinality(String),
    cache_layer LowCardinality(String),
    model LowCardinality(String),
    prompt_version LowCardinality(String),
    rows SimpleAggregateFunction(sum, UInt64),
    hits SimpleAggregateFunction(sum, UInt64),
    prompt_calls SimpleAggregateFunction(sum, UInt64),
    read_calls SimpleAggregateFunction(sum, UInt64),
    prompt_tokens SimpleAggregateFunction(sum, UInt64),
    read_tokens SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, route, cache_layer, model, prompt_version)
TTL hour + toIntervalDay({{ttl_days}});

CREATE MATERIALIZED VIEW IF NOT EXISTS llm_cache_1h_mv TO llm_cache_1h AS
SELECT
    toStartOfHour(minute) AS hour,
    route, cache_layer, model, prompt_version,
    sum(rows) AS rows, sum(hits) AS hits, sum(prompt_calls) AS prompt_calls, sum(read_calls) AS read_calls,
    sum(prompt_tokens) AS prompt_tokens, sum(read_tokens) AS read_tokens
FROM llm_cache_1m
GROUP BY hour, route, cache_layer, model, prompt_version;
