// instrumentGoogleGenAI: traces one @google/genai client (`new GoogleGenAI(...)`), Gemini API
// (`gcp.gemini`) or Vertex AI (`gcp.vertex_ai`). The client is typed structurally: the SDK is
// never imported by us.
//
// One span per provider request: the SDK's public `generateContent` may send several requests
// (automatic function calling, continuation hops), each billed on its own, so when the SDK has
// its per-request methods (`generateContentInternal`, `generateContentStreamInternal`) those are
// wrapped; otherwise (an SDK without them) the public methods are.
import type { Attributes, TracerProvider } from '@opentelemetry/api';
import { FINOPS, GEN_AI_PROVIDER, GENERAL } from '../shared/semconv.js';
import type { CapacityTier } from '../shared/semconv.js';
import { generateContentSpec } from './google-genai-spec.js';
import { endpointFromBaseURL } from './provider.js';
import type { Endpoint } from './provider.js';
import { rec, str } from './spec.js';
import { getTracer } from './tracer.js';
import { wrapMethod } from './wrap.js';
import type { WrapTarget } from './wrap.js';

export interface InstrumentGoogleGenAIOptions {
  /** `gen_ai.provider.name`; default `gcp.vertex_ai` for a Vertex client, else `gcp.gemini`. */
  provider?: string;
  /** `finops.deployment` for every call (default: a Vertex endpoint resource in `model`). */
  deployment?: string;
  /** `cloud.region` (default: the Vertex client's location, unless `global`). */
  region?: string;
  /**
   * `finops.capacity_tier` at span start (e.g. `provisioned` for a client bought on GSUs). The
   * tier Vertex reports in the response (`usageMetadata.trafficType`) replaces it.
   */
  capacityTier?: CapacityTier;
  /** Record prompts and completions (`gen_ai.input/output.messages`). Default false. */
  captureContent?: boolean;
  tracerProvider?: TracerProvider;
}

/** The parts of a `GoogleGenAI` client we touch (its private `location` is read untyped). */
export interface GoogleGenAIClientLike {
  vertexai?: boolean;
  models?: object;
}

function locationOf(client: GoogleGenAIClientLike): string | undefined {
  return client.vertexai === true ? str(rec(client)['location']) : undefined;
}

const DEFAULT_BASE = {
  gemini: 'https://generativelanguage.googleapis.com/',
  vertexGlobal: 'https://aiplatform.googleapis.com/',
};

function baseUrl(client: GoogleGenAIClientLike): string {
  const api = rec(rec(client)['apiClient']);
  const getBaseUrl = api['getBaseUrl'];
  if (typeof getBaseUrl === 'function') {
    const url = str((getBaseUrl as () => unknown).call(api));
    if (url !== undefined) return url;
  }
  if (client.vertexai !== true) return DEFAULT_BASE.gemini;
  const loc = locationOf(client);
  return loc && loc !== 'global'
    ? `https://${loc}-aiplatform.googleapis.com/`
    : DEFAULT_BASE.vertexGlobal;
}

function endpoint(client: GoogleGenAIClientLike, options: InstrumentGoogleGenAIOptions): Endpoint {
  const vertex = client.vertexai === true;
  const fallback = vertex ? GEN_AI_PROVIDER.GCP_VERTEX_AI : GEN_AI_PROVIDER.GCP_GEMINI;
  // A custom base URL (proxy, mock) says nothing about the backend: the client's flag does.
  return endpointFromBaseURL(baseUrl(client), fallback, options.provider ?? fallback);
}

function staticAttributes(
  client: GoogleGenAIClientLike,
  options: InstrumentGoogleGenAIOptions,
): WrapTarget['staticAttributes'] {
  const fixed: Attributes = {};
  const location = locationOf(client);
  const region = options.region ?? (location !== 'global' ? location : undefined);
  if (region !== undefined) fixed[GENERAL.CLOUD_REGION] = region;
  if (options.capacityTier !== undefined) fixed[FINOPS.CAPACITY_TIER] = options.capacityTier;
  if (options.deployment !== undefined) {
    fixed[FINOPS.DEPLOYMENT] = options.deployment;
    return () => fixed;
  }
  // A Vertex endpoint (`projects/p/locations/l/endpoints/123`) is a deployment, not a model.
  return (params) => {
    const model = str(rec(params)['model']);
    return model !== undefined && model.includes('/endpoints/')
      ? { ...fixed, [FINOPS.DEPLOYMENT]: model }
      : fixed;
  };
}

/**
 * Wraps `models.generateContent` and `models.generateContentStream` of this client instance
 * (idempotent; `chats` go through them too) and returns the same client.
 */
export function instrumentGoogleGenAI<C extends GoogleGenAIClientLike>(
  client: C,
  options: InstrumentGoogleGenAIOptions = {},
): C {
  try {
    const ep = endpoint(client, options);
    const target: WrapTarget = {
      tracer: getTracer(options.tracerProvider),
      endpoint: () => ep,
      staticAttributes: staticAttributes(client, options),
    };
    const capture = options.captureContent === true;
    const models = client.models as Record<string, unknown> | undefined;
    const perRequest =
      typeof models?.['generateContentInternal'] === 'function' &&
      typeof models['generateContentStreamInternal'] === 'function';
    const [plain, stream] = perRequest
      ? ['generateContentInternal', 'generateContentStreamInternal']
      : ['generateContent', 'generateContentStream'];
    wrapMethod(models, plain, generateContentSpec(false, capture), target);
    wrapMethod(models, stream, generateContentSpec(true, capture), target);
  } catch {
    // Instrumentation must never prevent the client from working.
  }
  return client;
}
