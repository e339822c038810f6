// instrumentOpenAI: traces one instance of the official `openai` client (OpenAI, AzureOpenAI,
// any OpenAI-compatible base URL). Only `import type` from the SDK: we never load it ourselves.
import { diag } from '@opentelemetry/api';
import type { Attributes, TracerProvider } from '@opentelemetry/api';
import { FINOPS, GEN_AI_PROVIDER, GENERAL } from '../shared/semconv.js';
import type { CapacityTier } from '../shared/semconv.js';
import { chatSpec } from './openai-chat.js';
import { embeddingsSpec, responsesSpec } from './openai-responses.js';
import { endpointFromBaseURL } from './provider.js';
import type { Endpoint } from './provider.js';
import { rec, str } from './spec.js';
import { getTracer } from './tracer.js';
import { wrapMethod } from './wrap.js';
import type { WrapTarget } from './wrap.js';

export interface InstrumentOpenAIOptions {
  /** `gen_ai.provider.name`; default: from the base URL (`openai` when unrecognised). */
  provider?: string;
  /** `finops.deployment` for every call (Azure: default the client's deployment or the model). */
  deployment?: string;
  /** `cloud.region` for every call. */
  region?: string;
  /**
   * `finops.capacity_tier` for every call of this client, e.g. `provisioned` for an Azure PTU
   * deployment (Azure's responses do not say which capacity served them).
   */
  capacityTier?: CapacityTier;
  /** Capacity tier per deployment name (`{ 'gpt-4o-ptu': 'provisioned' }`); wins over `capacityTier`. */
  capacityTiers?: Record<string, CapacityTier>;
  /** Record prompts and completions (`gen_ai.input/output.messages`). Default false. */
  captureContent?: boolean;
  /**
   * Ask chat streams for usage with `stream_options.include_usage` (default true). The caller's
   * stream then ends with one extra chunk whose `choices` is empty and which carries `usage`.
   */
  streamUsage?: boolean;
  /** Tracer provider to use instead of the global one. */
  tracerProvider?: TracerProvider;
}

/** The parts of an openai client we touch (structural, so openai 4.x-7.x all fit). */
export interface OpenAIClientLike {
  baseURL?: string;
  chat?: { completions?: object };
  responses?: object;
  embeddings?: object;
}

function isAzure(client: object, ep: Endpoint): boolean {
  return (
    'deploymentName' in client ||
    'apiVersion' in client ||
    ep.provider === GEN_AI_PROVIDER.AZURE_AI_OPENAI
  );
}

function staticAttributes(
  client: object,
  azure: boolean,
  opts: InstrumentOpenAIOptions,
): WrapTarget['staticAttributes'] {
  const fixed: Attributes = {};
  if (opts.region !== undefined) fixed[GENERAL.CLOUD_REGION] = opts.region;
  const deployment = opts.deployment ?? str(rec(client)['deploymentName']);
  const withDeployment = (name: string | undefined): Attributes => {
    if (name === undefined) return fixed;
    const tier = opts.capacityTiers?.[name] ?? opts.capacityTier;
    return {
      ...fixed,
      [FINOPS.DEPLOYMENT]: name,
      ...(tier !== undefined ? { [FINOPS.CAPACITY_TIER]: tier } : {}),
    };
  };
  if (opts.capacityTier !== undefined) fixed[FINOPS.CAPACITY_TIER] = opts.capacityTier;
  if (!azure || deployment !== undefined) {
    const attrs = withDeployment(deployment);
    return () => attrs;
  }
  // AzureOpenAI without a fixed deployment routes by `model`, which is the deployment name.
  return (params) => withDeployment(str(rec(params)['model']));
}

/**
 * Wraps `chat.completions.create`, `responses.create` and `embeddings.create` of this client
 * instance (idempotent) and returns the same client. Copies made later with
 * `client.withOptions()` are not wrapped: instrument them too.
 */
export function instrumentOpenAI<C extends OpenAIClientLike>(
  client: C,
  options: InstrumentOpenAIOptions = {},
): C {
  try {
    const base = endpointFromBaseURL(client.baseURL, GEN_AI_PROVIDER.OPENAI, options.provider);
    const azure = isAzure(client, base);
    const ep: Endpoint =
      azure && options.provider === undefined
        ? { ...base, provider: GEN_AI_PROVIDER.AZURE_AI_OPENAI }
        : base;
    const target: WrapTarget = {
      tracer: getTracer(options.tracerProvider),
      endpoint: () => ep,
      staticAttributes: staticAttributes(client, azure, options),
    };
    const capture = options.captureContent === true;
    wrapMethod(
      client.chat?.completions,
      'create',
      chatSpec(capture, options.streamUsage !== false),
      target,
    );
    wrapMethod(client.responses, 'create', responsesSpec(capture), target);
    wrapMethod(client.embeddings, 'create', embeddingsSpec(), target);
  } catch (err) {
    // Instrumentation must never prevent the client from working: it stays uninstrumented.
    diag.error('llm-finops: could not instrument the OpenAI client; its calls are not traced', err);
  }
  return client;
}
