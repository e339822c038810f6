// Public entry of `llm-finops/instrumentation`. Depends on @opentelemetry/* and
// src/shared/semconv only: importing it must not load chdb, express or @clickhouse/client.
export { startTelemetry, tracesUrl } from './telemetry.js';
export type { ShutdownOptions, Telemetry, TelemetryOptions } from './telemetry.js';
export {
  withAttribution,
  getAttribution,
  setAttribution,
  injectTraceHeaders,
} from './attribution.js';
export type { Attribution } from './attribution.js';
export { attributionMiddleware } from './middleware.js';
export type { AttributionMiddlewareOptions } from './middleware.js';
export { instrumentOpenAI } from './openai.js';
export type { InstrumentOpenAIOptions, OpenAIClientLike } from './openai.js';
export { instrumentAnthropic } from './anthropic.js';
export type { InstrumentAnthropicOptions, AnthropicClientLike } from './anthropic.js';
export { instrumentGoogleGenAI } from './google-genai.js';
export type { InstrumentGoogleGenAIOptions, GoogleGenAIClientLike } from './google-genai.js';
export { instrumentBedrock } from './bedrock.js';
export type { InstrumentBedrockOptions, BedrockClientLike } from './bedrock.js';
export { traceLlmCall } from './trace-call.js';
export type { LlmCallMeta, LlmCallHandle, ExtractedUsage } from './trace-call.js';
export { withGateway, getGatewayFacts, recordCacheHit } from './gateway.js';
export type { GatewayFacts, CacheHit, CacheLayer } from './gateway.js';
export { recordOutcome } from './outcome.js';
export type { Outcome } from './outcome.js';
export type { TokenUsage } from './usage.js';
export type { CapacityTier } from '../shared/semconv.js';
export { TRACER_NAME, TRACER_VERSION } from './tracer.js';
