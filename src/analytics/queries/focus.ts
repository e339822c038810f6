// FOCUS (FinOps Open Cost and Usage Specification) rows for LLM usage, built in ClickHouse so
// ClickHouse itself writes CSV or Parquet. One origin charge = one hour x tenant x route x
// feature x provider x model x deployment x region x capacity tier (not one call: usable at scale).
// Each origin charge is split into up to four rows (input, cached input, cache write, output):
// the output row takes the remainder of cost_total (and of list cost), so the split rows of a
// charge sum exactly to it. List cost is split in proportion to effective cost, truncated at
// 18 decimals, the remainder again on the output row.
// Columns: the 21 FOCUS 1.2 Mandatory ones, the 1.3 ServiceProviderName / HostProviderName
// (ProviderName / PublisherName kept for 1.2 readers), recommended and conditional ones that
// apply, then x_ custom columns.
import type { FinopsConfig } from '../../shared/config-finops.js';
import { costReadSql, type CostDimension } from './costs.js';

export const FOCUS_FORMATS = ['csv', 'parquet'] as const;
export type FocusFormat = (typeof FOCUS_FORMATS)[number];

const ORIGIN_DIMS: CostDimension[] = [
  'tenant',
  'route',
  'feature',
  'provider',
  'model',
  'deployment',
  'region',
  'capacity_tier',
];

/** gen_ai.provider.name -> [ServiceProviderName (seller), HostProviderName, ServiceName]. */
const PROVIDERS: Record<string, [string, string, string]> = {
  openai: ['OpenAI', 'OpenAI', 'OpenAI API'],
  'azure.ai.openai': ['Microsoft', 'Microsoft', 'Azure OpenAI'],
  'azure.ai.inference': ['Microsoft', 'Microsoft', 'Azure AI Foundry Models'],
  anthropic: ['Anthropic', 'Anthropic', 'Claude API'],
  'aws.bedrock': ['Amazon Web Services', 'Amazon Web Services', 'Amazon Bedrock'],
  'gcp.vertex_ai': ['Google Cloud', 'Google Cloud', 'Vertex AI'],
  'gcp.gemini': ['Google', 'Google', 'Gemini API'],
  'gcp.gen_ai': ['Google', 'Google', 'Gemini API'],
  mistral_ai: ['Mistral AI', 'Mistral AI', 'Mistral AI API'],
  deepseek: ['DeepSeek', 'DeepSeek', 'DeepSeek API'],
  cohere: ['Cohere', 'Cohere', 'Cohere API'],
  groq: ['Groq', 'Groq', 'GroqCloud'],
  x_ai: ['xAI', 'xAI', 'xAI API'],
  perplexity: ['Perplexity', 'Perplexity', 'Perplexity API'],
};

/** Model publisher from the model name (PublisherName): who made the model, not who sold it. */
const PUBLISHERS: [string, string][] = [
  ['^(claude|anthropic)', 'Anthropic'],
  ['^(gpt|o[0-9]|chatgpt|text-embedding|davinci|babbage|omni)', 'OpenAI'],
  ['^(gemini|gemma|text-embedding-00|palm)', 'Google'],
  ['^(llama|meta)', 'Meta'],
  ['^(mistral|mixtral|codestral|ministral|magistral|pixtral)', 'Mistral AI'],
  ['^deepseek', 'DeepSeek'],
  ['^(command|embed-)', 'Cohere'],
  ['^grok', 'xAI'],
  ['^(amazon|titan|nova)', 'Amazon'],
  ['^(phi|mai-)', 'Microsoft'],
];

const lit = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function providerColumn(index: 0 | 1 | 2): string {
  const keys = Object.keys(PROVIDERS);
  const values = keys.map((k) => PROVIDERS[k]?.[index] ?? k);
  return `transform(provider, [${keys.map(lit).join(', ')}], [${values.map(lit).join(', ')}], if(provider = '', 'Unknown', provider))`;
}

const publisherColumn = `multiIf(${PUBLISHERS.map(([re, name]) => `match(lower(model), ${lit(re)}), ${lit(name)}`).join(', ')}, ${providerColumn(0)})`;

export interface FocusQuery {
  from: Date;
  to: Date;
  tenant?: string | undefined;
  format: FocusFormat;
}

/** The split of one origin charge: [token type, meter, quantity, effective cost, list cost]. */
const SPLITS = `[
    ('input', 'Input Tokens', uncached_input, cost_input, l_in),
    ('cached_input', 'Cached Input Tokens', toUInt64(cache_read_tokens), cost_cache_read, l_cr),
    ('cache_write', 'Cache Write Tokens', toUInt64(cache_creation_tokens), cost_cache_creation, l_cw),
    ('output', 'Output Tokens', toUInt64(output_tokens), cost_total - cost_input - cost_cache_read - cost_cache_creation, list_cost - l_in - l_cr - l_cw)
  ]`;

/** list x part / total, computed in Decimal256 so no intermediate overflows, truncated to 18 decimals. */
const listShare = (part: string): string =>
  `if(cost_total = 0, toDecimal128(0, 18), toDecimal128(toDecimal256(list_cost, 18) * toDecimal256(${part}, 18) / toDecimal256(cost_total, 18), 18))`;

/** SELECT producing FOCUS rows (no FORMAT clause); bind `params`. */
export function buildFocusSql(
  q: FocusQuery,
  focus: FinopsConfig['focus'],
): { sql: string; params: Record<string, unknown> } {
  const union = costReadSql({
    from: q.from,
    to: q.to,
    dims: ORIGIN_DIMS,
    bucket: 'hour',
    filters: q.tenant !== undefined ? { tenant: q.tenant } : {},
  });
  const time = (expr: string): string =>
    q.format === 'csv' ? `formatDateTime(${expr}, '%Y-%m-%dT%H:%i:%SZ', 'UTC')` : expr;
  const params = {
    ...union.params,
    billing_account_id: focus.billing_account_id,
    billing_account_name: focus.billing_account_name,
    currency: focus.billing_currency,
  };
  const sql = `SELECT
    cost AS BilledCost, cost AS EffectiveCost, list AS ListCost, cost AS ContractedCost,
    {billing_account_id:String} AS BillingAccountId, {billing_account_name:String} AS BillingAccountName, {currency:String} AS BillingCurrency,
    ${time("toDateTime(toStartOfMonth(bucket), 'UTC')")} AS BillingPeriodStart,
    ${time("toDateTime(addMonths(toStartOfMonth(bucket), 1), 'UTC')")} AS BillingPeriodEnd,
    ${time('bucket')} AS ChargePeriodStart, ${time('bucket + INTERVAL 1 HOUR')} AS ChargePeriodEnd,
    'Usage' AS ChargeCategory, CAST(NULL, 'Nullable(String)') AS ChargeClass,
    concat(meter, ' of ', if(model = '', 'unknown model', model)) AS ChargeDescription, 'Usage-Based' AS ChargeFrequency,
    ${providerColumn(0)} AS InvoiceIssuerName,
    toDecimal128(quantity, 3) / 1000 AS PricingQuantity, '1000 Tokens' AS PricingUnit,
    toDecimal128(quantity, 0) AS ConsumedQuantity, 'Tokens' AS ConsumedUnit,
    ${providerColumn(0)} AS ProviderName, ${publisherColumn} AS PublisherName,
    ${providerColumn(0)} AS ServiceProviderName, ${providerColumn(1)} AS HostProviderName,
    'AI and Machine Learning' AS ServiceCategory, 'Generative AI' AS ServiceSubcategory, ${providerColumn(2)} AS ServiceName,
    if(region = '', CAST(NULL, 'Nullable(String)'), region) AS RegionId, if(region = '', CAST(NULL, 'Nullable(String)'), region) AS RegionName,
    if(deployment != '', concat(provider, '/deployments/', deployment), concat(provider, '/models/', model)) AS ResourceId,
    if(deployment != '', deployment, model) AS ResourceName, if(deployment != '', 'Model Deployment', 'Model') AS ResourceType,
    concat(provider, '/', model) AS SkuId, meter AS SkuMeter,
    if(capacity_tier = 'provisioned', 'Committed', 'Standard') AS PricingCategory,
    toJSONString(map('route', route, 'feature', feature, 'tenant', tenant)) AS Tags,
    tenant AS x_Tenant, route AS x_Route, feature AS x_Feature, provider AS x_Provider, model AS x_Model,
    deployment AS x_Deployment, capacity_tier AS x_CapacityTier, token_type AS x_TokenType,
    calls AS x_Calls, unpriced_calls AS x_UnpricedCalls,
    lower(hex(cityHash64(bucket, tenant, route, feature, provider, model, deployment, region, capacity_tier))) AS x_ChargeId,
    cost_total AS x_ChargeEffectiveCost, list_cost AS x_ChargeListCost
  FROM (
    SELECT bucket, tenant, route, feature, provider, model, deployment, region, capacity_tier, calls, unpriced_calls, cost_total, list_cost,
      s.1 AS token_type, s.2 AS meter, s.3 AS quantity, s.4 AS cost, s.5 AS list, s.1 = 'output' AS is_last
    FROM (
      SELECT *, toUInt64(if(input_tokens >= cache_read_tokens + cache_creation_tokens, input_tokens - cache_read_tokens - cache_creation_tokens, 0)) AS uncached_input,
        ${listShare('cost_input')} AS l_in, ${listShare('cost_cache_read')} AS l_cr, ${listShare('cost_cache_creation')} AS l_cw
      FROM (${union.sql})
    )
    ARRAY JOIN ${SPLITS} AS s
  )
  WHERE quantity > 0 OR cost != 0 OR list != 0 OR is_last
  ORDER BY ChargePeriodStart, x_ChargeId, indexOf(['input', 'cached_input', 'cache_write', 'output'], x_TokenType)`;
  return { sql, params };
}

export const FOCUS_CONTENT_TYPES: Record<FocusFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

export const FOCUS_CLICKHOUSE_FORMATS: Record<FocusFormat, string> = {
  csv: 'CSVWithNames',
  parquet: 'Parquet',
};

/** Export settings: CSV NULL as an empty field (FOCUS readers expect that, not \N). */
export const FOCUS_SETTINGS = {
  format_csv_null_representation: '',
  output_format_parquet_string_as_string: 1,
  // Tags stay plain JSON ("/chat", not "\/chat").
  output_format_json_escape_forward_slashes: 0,
} as const;
