// Attribute names, as constants, for every span style llm-finops writes or reads.
// Source: the OpenTelemetry GenAI semantic conventions v1.41.0 (open-telemetry/semantic-conventions,
// docs/gen-ai) plus what peer instrumentations emit (README "Span styles understood").
// This module must stay dependency-free: the instrumentation entry point imports it.

/** Current GenAI semantic conventions (v1.41.0), the names our wrapper writes. */
export const GEN_AI = {
  OPERATION_NAME: 'gen_ai.operation.name',
  PROVIDER_NAME: 'gen_ai.provider.name',
  REQUEST_MODEL: 'gen_ai.request.model',
  RESPONSE_MODEL: 'gen_ai.response.model',
  RESPONSE_ID: 'gen_ai.response.id',
  REQUEST_STREAM: 'gen_ai.request.stream',
  REQUEST_MAX_TOKENS: 'gen_ai.request.max_tokens',
  REQUEST_TEMPERATURE: 'gen_ai.request.temperature',
  REQUEST_TOP_P: 'gen_ai.request.top_p',
  REQUEST_ENCODING_FORMATS: 'gen_ai.request.encoding_formats',
  RESPONSE_FINISH_REASONS: 'gen_ai.response.finish_reasons',
  RESPONSE_TIME_TO_FIRST_CHUNK: 'gen_ai.response.time_to_first_chunk',
  USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read.input_tokens',
  USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_creation.input_tokens',
  /** Unreleased rename of cache_creation in semantic-conventions-genai. */
  USAGE_CACHE_WRITE_INPUT_TOKENS: 'gen_ai.usage.cache_write.input_tokens',
  USAGE_REASONING_OUTPUT_TOKENS: 'gen_ai.usage.reasoning.output_tokens',
  CONVERSATION_ID: 'gen_ai.conversation.id',
  AGENT_NAME: 'gen_ai.agent.name',
  TOOL_NAME: 'gen_ai.tool.name',
  TOOL_CALL_ID: 'gen_ai.tool.call.id',
  EMBEDDINGS_DIMENSION_COUNT: 'gen_ai.embeddings.dimension.count',
  INPUT_MESSAGES: 'gen_ai.input.messages',
  OUTPUT_MESSAGES: 'gen_ai.output.messages',
  SYSTEM_INSTRUCTIONS: 'gen_ai.system_instructions',
  PROMPT_VERSION: 'gen_ai.prompt.version',
  /** Metric names some SDKs (AI SDK v7) put on spans as attributes, in seconds. */
  CLIENT_TIME_TO_FIRST_CHUNK: 'gen_ai.client.operation.time_to_first_chunk',
  CLIENT_TIME_PER_OUTPUT_CHUNK: 'gen_ai.client.operation.time_per_output_chunk',
} as const;

/** Well-known values of gen_ai.operation.name. */
export const GEN_AI_OPERATION = {
  CHAT: 'chat',
  TEXT_COMPLETION: 'text_completion',
  GENERATE_CONTENT: 'generate_content',
  EMBEDDINGS: 'embeddings',
  EXECUTE_TOOL: 'execute_tool',
  INVOKE_AGENT: 'invoke_agent',
  CREATE_AGENT: 'create_agent',
  INVOKE_WORKFLOW: 'invoke_workflow',
  RETRIEVAL: 'retrieval',
} as const;

/** Well-known values of gen_ai.provider.name. */
export const GEN_AI_PROVIDER = {
  OPENAI: 'openai',
  ANTHROPIC: 'anthropic',
  AWS_BEDROCK: 'aws.bedrock',
  AZURE_AI_OPENAI: 'azure.ai.openai',
  AZURE_AI_INFERENCE: 'azure.ai.inference',
  GCP_VERTEX_AI: 'gcp.vertex_ai',
  GCP_GEMINI: 'gcp.gemini',
  GCP_GEN_AI: 'gcp.gen_ai',
  COHERE: 'cohere',
  DEEPSEEK: 'deepseek',
  GROQ: 'groq',
  MISTRAL_AI: 'mistral_ai',
  PERPLEXITY: 'perplexity',
  X_AI: 'x_ai',
  IBM_WATSONX_AI: 'ibm.watsonx.ai',
} as const;

/** Deprecated GenAI names still emitted by many instrumentations. */
export const GEN_AI_DEPRECATED = {
  SYSTEM: 'gen_ai.system',
  USAGE_PROMPT_TOKENS: 'gen_ai.usage.prompt_tokens',
  USAGE_COMPLETION_TOKENS: 'gen_ai.usage.completion_tokens',
  OPENAI_REQUEST_SERVICE_TIER: 'gen_ai.openai.request.service_tier',
  OPENAI_RESPONSE_SERVICE_TIER: 'gen_ai.openai.response.service_tier',
  PROMPT: 'gen_ai.prompt',
  COMPLETION: 'gen_ai.completion',
} as const;

/** OpenAI-specific and general (stable) attributes. */
export const OPENAI = {
  REQUEST_SERVICE_TIER: 'openai.request.service_tier',
  RESPONSE_SERVICE_TIER: 'openai.response.service_tier',
  RESPONSE_SYSTEM_FINGERPRINT: 'openai.response.system_fingerprint',
  API_TYPE: 'openai.api.type',
} as const;

export const GENERAL = {
  ERROR_TYPE: 'error.type',
  SERVER_ADDRESS: 'server.address',
  SERVER_PORT: 'server.port',
  CLOUD_REGION: 'cloud.region',
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  HTTP_ROUTE: 'http.route',
  USER_ID: 'user.id',
  SESSION_ID: 'session.id',
  SERVICE_NAME: 'service.name',
  SERVICE_VERSION: 'service.version',
  DEPLOYMENT_ENVIRONMENT: 'deployment.environment',
  DEPLOYMENT_ENVIRONMENT_NAME: 'deployment.environment.name',
  EXCEPTION_TYPE: 'exception.type',
  EXCEPTION_MESSAGE: 'exception.message',
} as const;

/** Our own namespace: attribution, gateway behaviour, caches, usage the semconv has no name for. */
export const FINOPS = {
  ROUTE: 'finops.route',
  FEATURE: 'finops.feature',
  TENANT: 'finops.tenant',
  DEPLOYMENT: 'finops.deployment',
  CAPACITY_TIER: 'finops.capacity_tier',
  ATTEMPT: 'finops.attempt',
  FALLBACK_FROM: 'finops.fallback_from',
  HEDGED: 'finops.hedged',
  DEGRADED: 'finops.degraded',
  CACHE_LAYER: 'finops.cache.layer',
  CACHE_HIT: 'finops.cache.hit',
  PROMPT_VERSION: 'finops.prompt.version',
  STREAM_ITL_MS: 'finops.stream.itl_ms',
  STREAM_ITL_P95_MS: 'finops.stream.itl_p95_ms',
  RETRY_AFTER_MS: 'finops.retry_after_ms',
  OUTCOME_SPAN_NAME: 'finops.outcome',
  OUTCOME_NAME: 'finops.outcome.name',
  OUTCOME_SUCCESS: 'finops.outcome.success',
  OUTCOME_VALUE: 'finops.outcome.value',
  OUTCOME_ID: 'finops.outcome.id',
  /** Written by the collector on forwarded spans. */
  COST_TOTAL: 'finops.cost.total_usd',
  COST_INPUT: 'finops.cost.input_usd',
  COST_CACHE_READ: 'finops.cost.cache_read_usd',
  COST_CACHE_CREATION: 'finops.cost.cache_creation_usd',
  COST_OUTPUT: 'finops.cost.output_usd',
  COST_PRICED: 'finops.cost.priced',
  COST_PRICE_ENTRY: 'finops.cost.price_entry',
} as const;

/** More cost parts the collector writes on forwarded spans (issue 12's price dimensions). */
export const FINOPS_COST_EXTRA = {
  CACHE_CREATION_1H: 'finops.cost.cache_creation_1h_usd',
  AUDIO: 'finops.cost.audio_usd',
  IMAGE: 'finops.cost.image_usd',
  REQUEST: 'finops.cost.request_usd',
  /** The price data version the call was priced with (see llm_calls.price_version). */
  PRICE_VERSION: 'finops.cost.price_version',
  /** The source could not report every count pricing needs: the cost is an estimate. */
  USAGE_INCOMPLETE: 'finops.usage.incomplete',
} as const;

/** W3C baggage keys that carry attribution across services. */
export const FINOPS_BAGGAGE = {
  ROUTE: FINOPS.ROUTE,
  FEATURE: FINOPS.FEATURE,
  TENANT: FINOPS.TENANT,
} as const;

/** Values of finops.capacity_tier. */
export const CAPACITY_TIERS = ['provisioned', 'on_demand', 'priority', 'flex', 'batch'] as const;
export type CapacityTier = (typeof CAPACITY_TIERS)[number];

/** Values of finops.cache.layer. */
export const CACHE_LAYERS = ['response', 'semantic', 'embedding'] as const;

/**
 * GenAI semconv v1.41.0 request attributes the instrumentation wrapper writes that the
 * constants above do not name yet (added for the wrapper; appended, never renamed).
 */
export const GEN_AI_REQUEST = {
  FREQUENCY_PENALTY: 'gen_ai.request.frequency_penalty',
  PRESENCE_PENALTY: 'gen_ai.request.presence_penalty',
  STOP_SEQUENCES: 'gen_ai.request.stop_sequences',
  SEED: 'gen_ai.request.seed',
  CHOICE_COUNT: 'gen_ai.request.choice.count',
  TOP_K: 'gen_ai.request.top_k',
  OUTPUT_TYPE: 'gen_ai.output.type',
} as const;

/**
 * Stream facts the wrapper records besides TTFT and ITL, so the collector can tell a stream the
 * caller abandoned (no final usage chunk) from a complete one and estimate what it lacks.
 */
export const FINOPS_STREAM = {
  /** Number of output-bearing chunks the caller received. */
  CHUNKS: 'finops.stream.chunks',
  /** true when the caller stopped reading (break, abort) before the stream ended. */
  ABANDONED: 'finops.stream.abandoned',
  /** false when the span ends without provider-reported usage (e.g. abandoned stream). */
  USAGE_REPORTED: 'finops.usage.reported',
} as const;

/** Anthropic-specific attributes (names as the @anthropic-ai/sdk built-in tracing writes them). */
export const ANTHROPIC = {
  REQUEST_SERVICE_TIER: 'anthropic.request.service_tier',
  RESPONSE_SERVICE_TIER: 'anthropic.response.service_tier',
} as const;

// ---- Further keys the collector's normalizer reads (older spellings, peer-specific extras).
// Kept in separate objects so concurrent additions to the objects above cannot collide.

/** GenAI names beyond the core set: request-side tier, indexed legacy content, content events. */
export const GEN_AI_EXTRA = {
  REQUEST_SERVICE_TIER: 'gen_ai.request.service_tier',
  /** Legacy indexed content: `gen_ai.prompt.{i}.role|content`, `gen_ai.completion.{i}.content|finish_reason`. */
  PROMPT_PREFIX: 'gen_ai.prompt.',
  COMPLETION_PREFIX: 'gen_ai.completion.',
  /** Old semconv span events carrying content (attribute gen_ai.prompt / gen_ai.completion). */
  CONTENT_PROMPT_EVENT: 'gen_ai.content.prompt',
  CONTENT_COMPLETION_EVENT: 'gen_ai.content.completion',
} as const;

/** General extras: the pre-stable HTTP status key and the exception event name. */
export const GENERAL_EXTRA = {
  HTTP_STATUS_CODE_OLD: 'http.status_code',
  EXCEPTION_EVENT: 'exception',
} as const;

/**
 * Provider facts the Google Gen AI and Bedrock wrappers record next to `finops.capacity_tier`
 * (no semconv names exist for them): the raw tier or traffic type each provider reports.
 */
export const PROVIDER_TIER = {
  /** Vertex AI `usageMetadata.trafficType` (ON_DEMAND, PROVISIONED_THROUGHPUT, ...). */
  VERTEX_TRAFFIC_TYPE: 'gcp.vertex_ai.response.traffic_type',
  /** Gemini API `usageMetadata.serviceTier` (standard, flex, priority). */
  GEMINI_SERVICE_TIER: 'gcp.gemini.response.service_tier',
  /** Gemini / Vertex request `config.serviceTier`. */
  GEMINI_REQUEST_SERVICE_TIER: 'gcp.gemini.request.service_tier',
  /** Bedrock request `serviceTier.type` (default, flex, priority, reserved). */
  BEDROCK_REQUEST_SERVICE_TIER: 'aws.bedrock.request.service_tier',
  /** Bedrock response `serviceTier` (Converse: `serviceTier.type`; InvokeModel: a string). */
  BEDROCK_RESPONSE_SERVICE_TIER: 'aws.bedrock.response.service_tier',
  /** Bedrock guardrail applied to the call (semconv: aws.bedrock.guardrail.id). */
  BEDROCK_GUARDRAIL_ID: 'aws.bedrock.guardrail.id',
} as const;

/**
 * Usage parts pricing bills separately that GenAI semconv has no names for yet. Each count is a
 * PART of a semconv total (1h writes of cache_creation, audio of input/output, image of output).
 */
export const FINOPS_USAGE = {
  CACHE_CREATION_1H_INPUT_TOKENS: 'finops.usage.cache_creation_1h.input_tokens',
  AUDIO_INPUT_TOKENS: 'finops.usage.audio.input_tokens',
  AUDIO_OUTPUT_TOKENS: 'finops.usage.audio.output_tokens',
  IMAGE_OUTPUT_TOKENS: 'finops.usage.image.output_tokens',
  /** Server-side web searches the provider bills per search. */
  WEB_SEARCH_REQUESTS: 'finops.usage.web_search.requests',
} as const;

/**
 * Content keys the normalizer never stores but the forwarder must still drop: tool arguments and
 * results (semconv marks them opt-in sensitive like the messages) and OpenInference's flattened
 * message lists (`llm.input_messages.{i}.message.content`, ...).
 */
export const CONTENT_EXTRA = {
  TOOL_CALL_ARGUMENTS: 'gen_ai.tool.call.arguments',
  TOOL_CALL_RESULT: 'gen_ai.tool.call.result',
  VERCEL_TOOL_CALL_ARGS: 'ai.toolCall.args',
  VERCEL_TOOL_CALL_RESULT: 'ai.toolCall.result',
  OPENINFERENCE_INPUT_MESSAGES_PREFIX: 'llm.input_messages.',
  OPENINFERENCE_OUTPUT_MESSAGES_PREFIX: 'llm.output_messages.',
} as const;

/**
 * `error.type` values the wrapper writes for a stream that stopped without an error from the
 * SDK: the caller gave up before the first chunk (a gateway's TTFT deadline) or aborted it
 * mid-stream. OTel's `error.type` asks for a low-cardinality class of error and names `timeout`
 * as an example; the others name what the caller did, since no exception class exists for them.
 */
export const STREAM_ERROR_TYPE = {
  /** The abort's reason was a timeout (`AbortSignal.timeout()`, a `TimeoutError`). */
  TIMEOUT: 'timeout',
  /** Abandoned or aborted before any output-bearing chunk arrived. */
  NO_FIRST_CHUNK: 'stream_abandoned_before_first_chunk',
  /** Aborted through its controller (or the request's signal) after output began. */
  ABORTED: 'stream_aborted',
} as const;
