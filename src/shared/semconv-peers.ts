// Attribute names peer instrumentations write (OpenLLMetry, OpenLIT, OpenInference, the Vercel AI
// SDK, Langfuse), as constants: the collector's normalizer reads them; nothing of ours writes them.
// Split from semconv.ts, which keeps the names our own wrapper writes. Dependency-free.

/** OpenLLMetry (Traceloop), legacy and current. */
export const OPENLLMETRY = {
  REQUEST_TYPE: 'llm.request.type',
  USAGE_TOTAL_TOKENS: 'llm.usage.total_tokens',
  GEN_AI_USAGE_TOTAL_TOKENS: 'gen_ai.usage.total_tokens',
  USAGE_CACHE_READ_INPUT_TOKENS: 'gen_ai.usage.cache_read_input_tokens',
  USAGE_CACHE_CREATION_INPUT_TOKENS: 'gen_ai.usage.cache_creation_input_tokens',
  USAGE_REASONING_TOKENS: 'gen_ai.usage.reasoning_tokens',
  SPAN_KIND: 'traceloop.span.kind',
  WORKFLOW_NAME: 'traceloop.workflow.name',
  ENTITY_NAME: 'traceloop.entity.name',
  ASSOCIATION_PROPERTIES_PREFIX: 'traceloop.association.properties.',
} as const;

/** OpenLIT (vendor extensions on top of semconv). */
export const OPENLIT = {
  SERVER_TTFT: 'gen_ai.server.time_to_first_token',
  SERVER_TPOT: 'gen_ai.server.time_per_output_token',
  USAGE_COST: 'gen_ai.usage.cost',
  TELEMETRY_SDK_NAME: 'telemetry.sdk.name',
} as const;

/** OpenInference (Arize). */
export const OPENINFERENCE = {
  SPAN_KIND: 'openinference.span.kind',
  MODEL_NAME: 'llm.model_name',
  REQUEST_MODEL_NAME: 'llm.request.model_name',
  RESPONSE_MODEL_NAME: 'llm.response.model_name',
  PROVIDER: 'llm.provider',
  SYSTEM: 'llm.system',
  TOKEN_COUNT_PROMPT: 'llm.token_count.prompt',
  TOKEN_COUNT_COMPLETION: 'llm.token_count.completion',
  TOKEN_COUNT_TOTAL: 'llm.token_count.total',
  TOKEN_COUNT_CACHE_READ: 'llm.token_count.prompt_details.cache_read',
  TOKEN_COUNT_CACHE_WRITE: 'llm.token_count.prompt_details.cache_write',
  TOKEN_COUNT_REASONING: 'llm.token_count.completion_details.reasoning',
  FINISH_REASON: 'llm.finish_reason',
  SESSION_ID: 'session.id',
  USER_ID: 'user.id',
  INPUT_VALUE: 'input.value',
  OUTPUT_VALUE: 'output.value',
} as const;

/** Vercel AI SDK legacy `ai.*` spans. */
export const VERCEL_AI = {
  OPERATION_ID: 'ai.operationId',
  MODEL_ID: 'ai.model.id',
  MODEL_PROVIDER: 'ai.model.provider',
  RESPONSE_MODEL: 'ai.response.model',
  RESPONSE_ID: 'ai.response.id',
  RESPONSE_FINISH_REASON: 'ai.response.finishReason',
  RESPONSE_MS_TO_FIRST_CHUNK: 'ai.response.msToFirstChunk',
  STREAM_MS_TO_FIRST_CHUNK: 'ai.stream.msToFirstChunk',
  RESPONSE_PROVIDER_METADATA: 'ai.response.providerMetadata',
  USAGE_PROMPT_TOKENS: 'ai.usage.promptTokens',
  USAGE_COMPLETION_TOKENS: 'ai.usage.completionTokens',
  USAGE_INPUT_TOKENS: 'ai.usage.inputTokens',
  USAGE_OUTPUT_TOKENS: 'ai.usage.outputTokens',
  USAGE_TOTAL_TOKENS: 'ai.usage.totalTokens',
  USAGE_TOKENS: 'ai.usage.tokens',
  USAGE_REASONING_TOKENS: 'ai.usage.reasoningTokens',
  USAGE_CACHED_INPUT_TOKENS: 'ai.usage.cachedInputTokens',
  USAGE_CACHE_READ_TOKENS: 'ai.usage.inputTokenDetails.cacheReadTokens',
  USAGE_CACHE_WRITE_TOKENS: 'ai.usage.inputTokenDetails.cacheWriteTokens',
  USAGE_NO_CACHE_TOKENS: 'ai.usage.inputTokenDetails.noCacheTokens',
  USAGE_OUTPUT_REASONING_TOKENS: 'ai.usage.outputTokenDetails.reasoningTokens',
  TELEMETRY_METADATA_PREFIX: 'ai.telemetry.metadata.',
  TELEMETRY_FUNCTION_ID: 'ai.telemetry.functionId',
} as const;

/** Langfuse-native attributes a span may carry. */
export const LANGFUSE = {
  USER_ID: 'langfuse.user.id',
  SESSION_ID: 'langfuse.session.id',
  PROMPT_VERSION: 'langfuse.observation.prompt.version',
} as const;

/** OpenLLMetry extras. */
export const OPENLLMETRY_EXTRA = {
  IS_STREAMING: 'llm.is_streaming',
  PROMPT_VERSION: 'traceloop.prompt.version',
  ENTITY_INPUT: 'traceloop.entity.input',
  ENTITY_OUTPUT: 'traceloop.entity.output',
  SESSION_ID: 'traceloop.association.properties.session_id',
  KEY_PREFIX: 'traceloop.',
  SCOPE_PREFIX: '@traceloop/',
} as const;

/** OpenLIT extras. */
export const OPENLIT_EXTRA = {
  REQUEST_IS_STREAM: 'gen_ai.request.is_stream',
  SDK_NAME_VALUE: 'openlit',
} as const;

/** Vercel AI SDK extras (legacy `ai.*` spans). */
export const VERCEL_AI_EXTRA = {
  PROMPT: 'ai.prompt',
  PROMPT_MESSAGES: 'ai.prompt.messages',
  RESPONSE_TEXT: 'ai.response.text',
  RESPONSE_OBJECT: 'ai.response.object',
  RESPONSE_TOOL_CALLS: 'ai.response.toolCalls',
  VALUE: 'ai.value',
  VALUES: 'ai.values',
  STREAM_FIRST_CHUNK_EVENT: 'ai.stream.firstChunk',
  METADATA_SESSION_ID: 'ai.telemetry.metadata.sessionId',
  SCOPE_NAME: 'ai',
  SCOPE_PREFIX: '@ai-sdk/',
} as const;

/** Langfuse extras. */
export const LANGFUSE_EXTRA = {
  OBSERVATION_INPUT: 'langfuse.observation.input',
  OBSERVATION_OUTPUT: 'langfuse.observation.output',
} as const;
