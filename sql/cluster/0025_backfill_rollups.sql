-- Cluster variant of sql/migrations/0025_backfill_rollups.sql: each shard backfills its local
-- minute rollups from its own llm_calls_local (run on one replica of every shard); the hourly and
-- daily local rollups fill through their views.
INSERT INTO llm_perf_1m_local
SELECT
    toStartOfMinute(start_time) AS minute,
    route, provider, model, deployment, region, capacity_tier,
    count() AS attempts,
    countIf(attempt <= 1 AND fallback_from = '') AS first_attempts,
    countIf(status = 'ok') AS ok_calls,
    countIf(status = 'error') AS errors,
    countIf(http_status = 429) AS rate_limited,
    countIf(fallback_from != '') AS fallbacks,
    sum(cost_total) AS spend,
    sumIf(cost_total, status = 'error') AS failed_spend,
    sumMapIf(map(if(duration_ms > 0, toUInt16(least(1023, greatest(1, floor(16 * log2(duration_ms)) + 129))), toUInt16(0)), toUInt64(1)), status = 'ok') AS duration_h,
    sumMapIf(map(if(assumeNotNull(ttft_ms) > 0, toUInt16(least(1023, greatest(1, floor(16 * log2(assumeNotNull(ttft_ms))) + 129))), toUInt16(0)), toUInt64(1)), status = 'ok' AND ttft_ms IS NOT NULL) AS ttft_h,
    sumMapIf(map(if(assumeNotNull(itl_ms) > 0, toUInt16(least(1023, greatest(1, floor(16 * log2(assumeNotNull(itl_ms))) + 129))), toUInt16(0)), toUInt64(1)), status = 'ok' AND itl_ms IS NOT NULL) AS itl_h,
    sumMapIf(map(if(output_tokens * 1000 / (duration_ms - assumeNotNull(ttft_ms)) > 0, toUInt16(least(1023, greatest(1, floor(16 * log2(output_tokens * 1000 / (duration_ms - assumeNotNull(ttft_ms)))) + 129))), toUInt16(0)), toUInt64(1)), status = 'ok' AND streaming AND ttft_ms IS NOT NULL AND duration_ms > assumeNotNull(ttft_ms) AND output_tokens > 0) AS tps_h
FROM llm_calls_local
WHERE (SELECT count() FROM llm_perf_1m_local) = 0
    AND kind IN ('inference', 'embeddings') AND NOT cache_hit
GROUP BY minute, route, provider, model, deployment, region, capacity_tier;

INSERT INTO llm_cache_1m_local
SELECT
    toStartOfMinute(start_time) AS minute,
    route, cache_layer, model, prompt_version,
    count() AS rows,
    countIf(cache_hit) AS hits,
    countIf(NOT cache_hit AND input_tokens > 0) AS prompt_calls,
    countIf(NOT cache_hit AND cache_read_tokens > 0) AS read_calls,
    sumIf(input_tokens, NOT cache_hit) AS prompt_tokens,
    sumIf(cache_read_tokens, NOT cache_hit) AS read_tokens
FROM llm_calls_local
WHERE (SELECT count() FROM llm_cache_1m_local) = 0
    AND kind IN ('inference', 'embeddings')
GROUP BY minute, route, cache_layer, model, prompt_version;

INSERT INTO llm_capacity_1m_local
SELECT
    deployment,
    toStartOfMinute(start_time) AS minute,
    fallback_from, capacity_tier,
    count() AS attempts,
    countIf(status = 'ok') AS ok_calls,
    countIf(http_status = 429) AS rate_limited,
    sumIf(input_tokens, status = 'ok') AS input_tokens,
    sumIf(cache_read_tokens, status = 'ok') AS cache_read_tokens,
    sumIf(cache_creation_tokens, status = 'ok') AS cache_creation_tokens,
    sumIf(output_tokens, status = 'ok') AS output_tokens
FROM llm_calls_local
WHERE (SELECT count() FROM llm_capacity_1m_local) = 0
    AND kind IN ('inference', 'embeddings') AND NOT cache_hit AND deployment != ''
GROUP BY deployment, minute, fallback_from, capacity_tier;
