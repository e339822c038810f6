// The canonical LLM call record: one per provider call, whatever instrumentation produced it.
// Field names are the `llm_calls` column names (sql/migrations), so the writer maps nothing.
// Shared because three parts meet on it: the collector builds it, pricing prices it (pricing
// stays pure and imports nothing of the collector), storage writes it.
import type { CapacityTier } from './semconv.js';

/** What kind of GenAI span a record came from. Only `inference` and `embeddings` are billable calls. */
export type CallKind = 'inference' | 'embeddings' | 'tool' | 'agent' | 'wrapper';

export type CallStatus = 'ok' | 'error';

export interface LlmCall {
  /** `<trace_id>-<span_id>`: the idempotency key of a call. */
  call_id: string;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  /** Span start and end, in nanoseconds since the epoch. */
  start_time_ns: bigint;
  end_time_ns: bigint;
  duration_ms: number;
  span_name: string;
  scope_name: string;
  /** Which instrumentation style the record was normalized from (semconv, openllmetry, ...). */
  source: string;
  kind: CallKind;
  service: string;
  environment: string;
  route: string;
  feature: string;
  tenant: string;
  /** Canonical provider name (gen_ai.provider.name values). */
  provider: string;
  operation: string;
  request_model: string;
  response_model: string;
  /** Normalized model used for pricing and grouping (filled by the pricing processor). */
  model: string;
  deployment: string;
  capacity_tier: CapacityTier | '';
  region: string;
  server_address: string;
  service_tier: string;
  streaming: boolean;
  status: CallStatus;
  error_type: string;
  http_status: number;
  finish_reason: string;
  /** Inclusive of cache reads and writes (semconv). */
  input_tokens: number;
  cache_read_tokens: number;
  cache_creation_tokens: number;
  /** Inclusive of reasoning tokens. */
  output_tokens: number;
  reasoning_tokens: number;
  /** Part of cache_creation_tokens written with the 1-hour TTL (the rest is 5-minute). */
  cache_creation_1h_tokens: number;
  /** Part of input_tokens that is audio. */
  audio_input_tokens: number;
  /** Parts of output_tokens that are audio and image tokens. */
  audio_output_tokens: number;
  image_output_tokens: number;
  /** Server-side web searches the provider billed for this call. */
  web_search_requests: number;
  /** The source cannot report every count pricing needs (e.g. cached tokens): cost is an estimate. */
  usage_incomplete: boolean;
  ttft_ms: number | null;
  itl_ms: number | null;
  itl_p95_ms: number | null;
  attempt: number;
  fallback_from: string;
  hedged: boolean;
  degraded: boolean;
  cache_layer: string;
  cache_hit: boolean;
  prompt_version: string;
  conversation_id: string;
  /** Price catalog entry key and catalog version used (filled by pricing). */
  price_entry: string;
  price_version: string;
  priced: boolean;
  /** Exact decimal strings, USD (filled by pricing). */
  cost_input: string;
  cost_cache_read: string;
  /** 5-minute (or TTL not reported) cache writes. */
  cost_cache_creation: string;
  cost_cache_creation_1h: string;
  /** Text output, reasoning included. */
  cost_output: string;
  /** Audio input and output tokens. */
  cost_audio: string;
  /** Image output tokens. */
  cost_image: string;
  /** Per-request fees: web searches, per-request prices. */
  cost_request: string;
  cost_total: string;
  /** On-demand-equivalent (list) cost, before discounts and provisioned allocation. */
  list_cost: string;
  /** Anything the normalizer wants to flag (e.g. 'negative_tokens_clamped'). */
  warnings: string[];
  /** Prompt/completion text, kept only when content capture is enabled. */
  input_content: string;
  output_content: string;
}

/** An outcome (a resolved ticket, a checkout) to divide spend by. */
export interface OutcomeRecord {
  outcome_id: string;
  time_ns: bigint;
  name: string;
  success: boolean;
  /** Exact decimal string; '' when absent. */
  value: string;
  trace_id: string;
  conversation_id: string;
  tenant: string;
  route: string;
  feature: string;
  source: 'span' | 'api';
}

/** A blank call with every field at its neutral value; normalizers fill what they know. */
export function emptyCall(): LlmCall {
  return {
    call_id: '',
    trace_id: '',
    span_id: '',
    parent_span_id: '',
    start_time_ns: 0n,
    end_time_ns: 0n,
    duration_ms: 0,
    span_name: '',
    scope_name: '',
    source: '',
    kind: 'inference',
    service: '',
    environment: '',
    route: '',
    feature: '',
    tenant: '',
    provider: '',
    operation: '',
    request_model: '',
    response_model: '',
    model: '',
    deployment: '',
    capacity_tier: '',
    region: '',
    server_address: '',
    service_tier: '',
    streaming: false,
    status: 'ok',
    error_type: '',
    http_status: 0,
    finish_reason: '',
    input_tokens: 0,
    cache_read_tokens: 0,
    cache_creation_tokens: 0,
    output_tokens: 0,
    reasoning_tokens: 0,
    cache_creation_1h_tokens: 0,
    audio_input_tokens: 0,
    audio_output_tokens: 0,
    image_output_tokens: 0,
    web_search_requests: 0,
    usage_incomplete: false,
    ttft_ms: null,
    itl_ms: null,
    itl_p95_ms: null,
    attempt: 1,
    fallback_from: '',
    hedged: false,
    degraded: false,
    cache_layer: '',
    cache_hit: false,
    prompt_version: '',
    conversation_id: '',
    price_entry: '',
    price_version: '',
    priced: false,
    cost_input: '0',
    cost_cache_read: '0',
    cost_cache_creation: '0',
    cost_cache_creation_1h: '0',
    cost_output: '0',
    cost_audio: '0',
    cost_image: '0',
    cost_request: '0',
    cost_total: '0',
    list_cost: '0',
    warnings: [],
    input_content: '',
    output_content: '',
  };
}
