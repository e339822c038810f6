// The panels of the cost, cache and alert dashboards that read llm_calls_1m until migration 0041,
// by panel id, each the same question over costSource's rows (days, hours, minutes of llm_calls)
// instead of llm_calls_1m's minute rows. scripts/cost-dashboards.ts writes them into the JSON.
import { H0, H1, M0, M1, costSource } from './cost-source.js';

/**
 * The unpriced panels keep rows with unpriced calls only, so llm_calls' minutes read only those
 * calls (a model without a price has no priced calls, so its minute rows hold the same tokens).
 */
const UNPRICED = 'NOT priced';

/** "Cost by <dim>": the top 10 values of the range by cost, the rest as 'other'. */
function costBy(dim: string, f: string): string {
  return `SELECT $__timeInterval(minute) AS time,
  if(${dim} IN (SELECT ${dim} FROM ${costSource([dim], ['cost_total'], f, false)} GROUP BY ${dim} ORDER BY sum(cost_total) DESC LIMIT 10), ${dim}, 'other') AS ${dim},
  toFloat64(sum(cost_total)) AS cost
FROM ${costSource([dim], ['cost_total'], f, true)}
GROUP BY time, ${dim}
ORDER BY time`;
}

/**
 * The last minute with an unpriced call of each provider and model: llm_calls from the start of
 * the last whole hour any of them had one in (llm_costs_tenant_1h), plus the leading partial hour.
 */
function lastUnpricedMinute(f: string): string {
  const lastHour = `coalesce((SELECT minOrNull(h) FROM (SELECT max(hour) AS h FROM llm_costs_tenant_1h
    WHERE hour >= ${H0} AND hour < ${H1} AND unpriced_calls > 0 AND ${f} GROUP BY provider, model)), ${H1})`;
  return `SELECT provider, model, max(toStartOfMinute(start_time)) AS last_seen FROM llm_calls
  WHERE start_time >= ${M0} AND start_time < ${M1} AND NOT priced
    AND (start_time < ${H0} OR start_time >= least(${H1}, ${lastHour})) AND ${f}
  GROUP BY provider, model`;
}

function costAttribution(f: string): Record<number, string> {
  return {
    1: `SELECT toFloat64(sum(cost_total)) AS token_priced_usd, toFloat64(sum(list_cost)) AS list_usd,
  list_usd - token_priced_usd AS savings_vs_list_usd
FROM ${costSource([], ['cost_total', 'list_cost'], f, false)}`,
    2: `SELECT sum(calls) AS calls, sum(unpriced_calls) AS unpriced_calls, sum(incomplete_calls) AS incomplete_usage_calls, sum(input_tokens) + sum(output_tokens) AS tokens
FROM ${costSource([], ['calls', 'unpriced_calls', 'incomplete_calls', 'input_tokens', 'output_tokens'], f, false)}`,
    3: costBy('tenant', f),
    4: costBy('route', f),
    5: costBy('feature', f),
    6: costBy('model', f),
    7: `SELECT $__timeInterval(minute) AS time,
  toFloat64(sum(cost_input)) AS input, toFloat64(sum(cost_cache_read)) AS cache_read,
  toFloat64(sum(cost_cache_creation)) AS cache_write, toFloat64(sum(cost_output)) AS output
FROM ${costSource([], ['cost_input', 'cost_cache_read', 'cost_cache_creation', 'cost_output'], f, true)}
GROUP BY time ORDER BY time`,
    8: `SELECT capacity_tier, toFloat64(sum(cost_total)) AS cost
FROM ${costSource(['capacity_tier'], ['cost_total'], f, false)}
GROUP BY capacity_tier ORDER BY cost DESC`,
    10: `SELECT tenant, sum(calls) AS calls, sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
  toFloat64(sum(cost_total)) AS cost, toFloat64(sum(list_cost)) AS list_cost,
  round(100 * cost / sum(cost) OVER (), 2) AS share_pct, sum(unpriced_calls) AS unpriced_calls, sum(incomplete_calls) AS incomplete_usage_calls
FROM ${costSource(['tenant'], ['calls', 'input_tokens', 'output_tokens', 'cost_total', 'list_cost', 'unpriced_calls', 'incomplete_calls'], f, false)}
GROUP BY tenant ORDER BY cost DESC LIMIT 50`,
    11: `SELECT tenant, route, feature, sum(calls) AS call_count, toFloat64(sum(cost_total)) AS cost,
  cost / call_count AS cost_per_call
FROM ${costSource(['tenant', 'route', 'feature'], ['calls', 'cost_total'], f, false)}
GROUP BY tenant, route, feature ORDER BY cost DESC LIMIT 100`,
    13: `SELECT $__timeInterval(minute) AS time, concat(provider, ' / ', model) AS series, sum(unpriced_calls) AS unpriced
FROM ${costSource(['provider', 'model'], ['unpriced_calls'], f, true, UNPRICED)} WHERE unpriced_calls > 0
GROUP BY time, series ORDER BY time`,
    14: `SELECT s.provider AS provider, s.model AS model, s.unpriced AS unpriced, s.input_tokens_total AS input_tokens_total,
  s.output_tokens_total AS output_tokens_total, l.last_seen AS last_seen
FROM (SELECT provider, model, sum(unpriced_calls) AS unpriced, sum(input_tokens) AS input_tokens_total, sum(output_tokens) AS output_tokens_total
  FROM ${costSource(['provider', 'model'], ['unpriced_calls', 'input_tokens', 'output_tokens'], f, false, UNPRICED)} WHERE unpriced_calls > 0
  GROUP BY provider, model) AS s
LEFT JOIN (${lastUnpricedMinute(f)}) AS l ON l.provider = s.provider AND l.model = s.model
ORDER BY unpriced DESC`,
  };
}

function cache(f: string): Record<number, string> {
  return {
    29: `SELECT 100 * sum(cache_read_tokens) / nullIf(sum(input_tokens), 0) AS cached_input_pct,
  toFloat64(sum(cost_cache_read)) AS cache_read_cost
FROM ${costSource([], ['cache_read_tokens', 'input_tokens', 'cost_cache_read'], f, false)}`,
    31: `SELECT $__timeInterval(minute) AS time, model, 100 * sum(cache_read_tokens) / sum(input_tokens) AS cached_input_pct
FROM ${costSource(['model'], ['cache_read_tokens', 'input_tokens'], f, true)} WHERE input_tokens > 0
GROUP BY time, model ORDER BY time`,
    36: `SELECT tenant, sum(input_tokens) AS input_total, sum(cache_read_tokens) AS cache_read_total,
  round(100 * cache_read_total / nullIf(input_total, 0), 1) AS cached_input_pct, sum(cache_hits) AS app_cache_hits
FROM ${costSource(['tenant'], ['input_tokens', 'cache_read_tokens', 'cache_hits'], f, false)}
GROUP BY tenant ORDER BY input_total DESC`,
  };
}

function alerts(f: string): Record<number, string> {
  const rate = (dim: string, measure: string, name: string): string =>
    `SELECT $__timeInterval(minute) AS time, ${dim}, 100 * sum(${measure}) / sum(calls) AS ${name}
FROM ${costSource([dim], [measure, 'calls'], f, true)}
GROUP BY time, ${dim} ORDER BY time`;
  return {
    57: rate('deployment', 'rate_limited', 'rate_limited_pct'),
    58: rate('provider', 'errors', 'error_pct'),
    59: `SELECT $__timeInterval(minute) AS time, sum(unpriced_calls) AS unpriced_calls, sum(incomplete_calls) AS incomplete_usage_calls, sum(retries) AS retries, sum(fallbacks) AS fallbacks
FROM ${costSource([], ['unpriced_calls', 'incomplete_calls', 'retries', 'fallbacks'], f, true)}
GROUP BY time ORDER BY time`,
  };
}

/** Panel id -> SQL for one dashboard file (budgets.json: none; see budgetSql). */
export function costPanelSql(file: string, filters: string): Record<number, string> {
  if (file === 'cost-attribution.json') return costAttribution(filters);
  if (file === 'cache.json') return cache(filters);
  if (file === 'alerts.json') return alerts(filters);
  return {};
}
