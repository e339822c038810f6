// instrumentBedrock: traces `send()` of one @aws-sdk/client-bedrock-runtime client for
// Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream (other commands pass
// through untraced). The client is typed structurally: the SDK is never imported by us.
import { diag } from '@opentelemetry/api';
import type { Attributes, TracerProvider } from '@opentelemetry/api';
import { FINOPS, GEN_AI_OPERATION, GEN_AI_PROVIDER, GENERAL } from '../shared/semconv.js';
import type { CapacityTier } from '../shared/semconv.js';
import { converseSpec, inputOf } from './bedrock-converse.js';
import { invokeSpec, TOKEN_HEADERS } from './bedrock-invoke.js';
import type { Endpoint } from './provider.js';
import { rec, str } from './spec.js';
import type { MethodSpec, Rec } from './spec.js';
import { getTracer } from './tracer.js';
import { wrapMethod } from './wrap.js';
import type { SpecResolver, WrapTarget } from './wrap.js';

export interface InstrumentBedrockOptions {
  /** `gen_ai.provider.name`; default `aws.bedrock`. */
  provider?: string;
  /** `finops.deployment` for every call (default: a provisioned-model or profile ARN). */
  deployment?: string;
  /** `cloud.region`; default the client's region. */
  region?: string;
  /** `finops.capacity_tier` for every call; a provisioned-model ARN implies `provisioned`. */
  capacityTier?: CapacityTier;
  /** Record prompts and completions (`gen_ai.input/output.messages`). Default false. */
  captureContent?: boolean;
  tracerProvider?: TracerProvider;
}

/** The parts of a `BedrockRuntimeClient` we touch. */
export interface BedrockClientLike {
  send: (...args: never[]) => unknown;
  config?: object;
  middlewareStack?: object;
}

/** The command's class name (`ConverseCommand`...), walking up for user subclasses. */
function commandName(command: unknown): string | undefined {
  let proto: unknown = command !== null && typeof command === 'object' ? command : undefined;
  while (proto) {
    const ctor = (proto as { constructor?: { name?: unknown } }).constructor;
    const name = str(ctor?.name);
    if (name !== undefined && name.endsWith('Command') && name !== 'Command') return name;
    proto = Object.getPrototypeOf(proto);
  }
  return undefined;
}

function resolver(capture: boolean): SpecResolver {
  const specs: Record<string, MethodSpec> = {
    ConverseCommand: converseSpec(false, capture),
    ConverseStreamCommand: converseSpec(true, capture),
  };
  return (args) => {
    // Callback style (`send(command, cb)`) returns nothing to observe: leave it alone.
    if (args.some((a) => typeof a === 'function')) return undefined;
    const name = commandName(args[0]);
    if (name === undefined) return undefined;
    const spec = specs[name];
    if (spec) return spec;
    if (name !== 'InvokeModelCommand' && name !== 'InvokeModelWithResponseStreamCommand')
      return undefined;
    const modelId = str(inputOf(args[0])['modelId']) ?? '';
    const operation = /embed/i.test(modelId) ? GEN_AI_OPERATION.EMBEDDINGS : GEN_AI_OPERATION.CHAT;
    return invokeSpec(name !== 'InvokeModelCommand', operation, capture);
  };
}

// Provisioned Throughput and application inference profiles are deployments of a model: the ARN
// names what was bought, not which model it serves.
const PROVISIONED = /:provisioned-model\//;
const DEPLOYMENT_ARN = /:(provisioned-model|application-inference-profile)\//;

function staticAttributes(
  options: InstrumentBedrockOptions,
  state: EndpointState,
): WrapTarget['staticAttributes'] {
  return (command) => {
    const attrs: Attributes = {};
    const region = options.region ?? state.region;
    if (region !== undefined) attrs[GENERAL.CLOUD_REGION] = region;
    const modelId = str(inputOf(command)['modelId']);
    if (options.deployment !== undefined) attrs[FINOPS.DEPLOYMENT] = options.deployment;
    else if (modelId !== undefined && DEPLOYMENT_ARN.test(modelId))
      attrs[FINOPS.DEPLOYMENT] = modelId;
    const tier =
      options.capacityTier ??
      (modelId !== undefined && PROVISIONED.test(modelId) ? 'provisioned' : undefined);
    if (tier !== undefined) attrs[FINOPS.CAPACITY_TIER] = tier;
    return attrs;
  };
}

interface EndpointState {
  region?: string;
  /** Set while the region and endpoint are being resolved. */
  pending?: Promise<void>;
}

/**
 * Region and endpoint are async providers in the AWS SDK: resolved once, in the background,
 * into `ep` and `state`; a call made before they settle waits for them (a microtask or two).
 */
function resolveEndpoint(client: BedrockClientLike, ep: Endpoint, state: EndpointState): void {
  const config = rec(client.config);
  const call = (v: unknown): Promise<unknown> =>
    Promise.resolve(typeof v === 'function' ? (v as () => unknown)() : v);
  const custom = config['endpoint'];
  state.pending = call(config['region'])
    .then(async (region) => {
      state.region = str(region);
      const e = custom !== undefined ? rec(await call(custom)) : {};
      const host =
        str(e['hostname']) ??
        (state.region ? `bedrock-runtime.${state.region}.amazonaws.com` : undefined);
      if (host === undefined) return;
      ep.serverAddress = host;
      const port = typeof e['port'] === 'number' ? e['port'] : undefined;
      ep.serverPort = port ?? (str(e['protocol']) === 'http:' ? 80 : 443);
    })
    .catch((err: unknown) => diag.debug('llm-finops: could not resolve the Bedrock endpoint', err))
    .finally(() => {
      state.pending = undefined;
    });
}

type Next = (args: unknown) => Promise<Rec>;
const HEADER_PREFIX = 'x-amzn-bedrock-';

/**
 * InvokeModel bodies of some models carry no usage; Bedrock's response headers always do. This
 * middleware copies them onto the command output under a symbol key (not
 * enumerable, so the caller's output looks the same). Added at the initialize step, the outermost,
 * where the result holds both the raw response and the deserialized output.
 */
function addTokenHeaderMiddleware(client: BedrockClientLike): void {
  const stack = rec(client.middlewareStack);
  if (typeof stack['add'] !== 'function') return;
  const middleware = (next: Next) => async (args: unknown) => {
    const result = await next(args);
    try {
      const headers = rec(rec(result['response'])['headers']);
      const output = result['output'];
      const metrics: Rec = {};
      const names = [
        ['input-token-count', 'inputTokenCount'],
        ['output-token-count', 'outputTokenCount'],
        ['cache-read-input-token-count', 'cacheReadInputTokenCount'],
        ['cache-write-input-token-count', 'cacheWriteInputTokenCount'],
      ] as const;
      for (const [header, key] of names) {
        const v = Number(headers[HEADER_PREFIX + header]);
        if (headers[HEADER_PREFIX + header] !== undefined && Number.isFinite(v)) metrics[key] = v;
      }
      if (output !== null && typeof output === 'object' && Object.keys(metrics).length > 0)
        Object.defineProperty(output, TOKEN_HEADERS, { value: metrics, configurable: true });
    } catch (err) {
      diag.debug('llm-finops: could not read Bedrock token headers', err);
    }
    return result;
  };
  (stack['add'] as (mw: unknown, opts: object) => void).call(stack, middleware, {
    step: 'initialize',
    name: 'llmFinopsTokenHeaders',
    override: true,
  });
}

/** Wraps `send` of this client instance (idempotent) and returns the same client. */
export function instrumentBedrock<C extends BedrockClientLike>(
  client: C,
  options: InstrumentBedrockOptions = {},
): C {
  try {
    const ep: Endpoint = { provider: options.provider ?? GEN_AI_PROVIDER.AWS_BEDROCK };
    const state: EndpointState = {};
    resolveEndpoint(client, ep, state);
    addTokenHeaderMiddleware(client);
    wrapMethod(client, 'send', resolver(options.captureContent === true), {
      tracer: getTracer(options.tracerProvider),
      endpoint: () => ep,
      staticAttributes: staticAttributes(options, state),
      pending: () => state.pending,
    });
  } catch {
    // Instrumentation must never prevent the client from working.
  }
  return client;
}
