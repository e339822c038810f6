// JSONEachRow serialization of the rows the writer inserts (llm_calls, llm_call_content,
// outcomes). Kept apart from the writer so benchmarks and tools build identical rows.
import type { LlmCall, OutcomeRecord } from '../shared/call.js';

/** Nanoseconds since the epoch as the `seconds.micros` text ClickHouse parses for DateTime64(6). */
export function nsToDateTime64(ns: bigint): string {
  const micros = ns / 1000n;
  const seconds = micros / 1_000_000n;
  const frac = (micros % 1_000_000n).toString().padStart(6, '0');
  return `${seconds}.${frac}`;
}

/** One llm_calls row as JSONEachRow (tools, dead letters); the writer sends callTsv's TSV. */
export function callRow(c: LlmCall): string {
  return JSON.stringify(callRecord(c));
}

export type CallRecord = ReturnType<typeof callRecord>;

/**
 * One llm_calls row as an object keyed by column, in column order (rows-tsv.ts reads the order
 * from here). Fields are listed, not spread: V8 builds and serializes a fresh literal fastest.
 */
export function callRecord(c: LlmCall) {
  return {
    call_id: c.call_id,
    trace_id: c.trace_id,
    span_id: c.span_id,
    parent_span_id: c.parent_span_id,
    start_time: nsToDateTime64(c.start_time_ns),
    end_time: nsToDateTime64(c.end_time_ns),
    duration_ms: c.duration_ms,
    span_name: c.span_name,
    scope_name: c.scope_name,
    source: c.source,
    kind: c.kind,
    service: c.service,
    environment: c.environment,
    route: c.route,
    feature: c.feature,
    tenant: c.tenant,
    provider: c.provider,
    operation: c.operation,
    request_model: c.request_model,
    response_model: c.response_model,
    model: c.model,
    deployment: c.deployment,
    capacity_tier: c.capacity_tier,
    region: c.region,
    server_address: c.server_address,
    service_tier: c.service_tier,
    streaming: c.streaming,
    status: c.status,
    error_type: c.error_type,
    http_status: c.http_status,
    finish_reason: c.finish_reason,
    input_tokens: c.input_tokens,
    cache_read_tokens: c.cache_read_tokens,
    cache_creation_tokens: c.cache_creation_tokens,
    output_tokens: c.output_tokens,
    reasoning_tokens: c.reasoning_tokens,
    ttft_ms: c.ttft_ms,
    itl_ms: c.itl_ms,
    itl_p95_ms: c.itl_p95_ms,
    attempt: c.attempt,
    fallback_from: c.fallback_from,
    hedged: c.hedged,
    degraded: c.degraded,
    cache_layer: c.cache_layer,
    cache_hit: c.cache_hit,
    prompt_version: c.prompt_version,
    conversation_id: c.conversation_id,
    price_entry: c.price_entry,
    price_version: c.price_version,
    priced: c.priced,
    cost_input: c.cost_input,
    cost_cache_read: c.cost_cache_read,
    cost_cache_creation: c.cost_cache_creation,
    cost_output: c.cost_output,
    cost_total: c.cost_total,
    list_cost: c.list_cost,
    warnings: c.warnings,
    cache_creation_1h_tokens: c.cache_creation_1h_tokens,
    audio_input_tokens: c.audio_input_tokens,
    audio_output_tokens: c.audio_output_tokens,
    image_output_tokens: c.image_output_tokens,
    web_search_requests: c.web_search_requests,
    usage_incomplete: c.usage_incomplete,
    cost_cache_creation_1h: c.cost_cache_creation_1h,
    cost_audio: c.cost_audio,
    cost_image: c.cost_image,
    cost_request: c.cost_request,
  };
}

export function contentRow(call: LlmCall): string {
  return JSON.stringify({
    call_id: call.call_id,
    tenant: call.tenant,
    start_time: nsToDateTime64(call.start_time_ns),
    input_content: call.input_content,
    output_content: call.output_content,
  });
}

export function outcomeRow(outcome: OutcomeRecord): string {
  const { time_ns, value, ...rest } = outcome;
  return JSON.stringify({
    ...rest,
    time: nsToDateTime64(time_ns),
    value: value === '' ? null : value,
  });
}
