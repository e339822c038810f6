// Replaces one SDK method on one resource instance (e.g. `client.chat.completions.create`)
// with a traced version. Any telemetry failure before the call falls back to the untouched
// original; the vendor's own promise class and stream object are returned.
import { context, diag } from '@opentelemetry/api';
import type { Attributes, Tracer } from '@opentelemetry/api';
import { LlmCall } from './call.js';
import type { Endpoint } from './provider.js';
import type { MethodSpec } from './spec.js';
import { observeApiPromise } from './vendor-promise.js';
import type { PromiseHooks } from './vendor-promise.js';
import { observeStream } from './vendor-stream.js';

export const WRAPPED = Symbol.for('llm-finops.wrapped');

export interface WrapTarget {
  tracer: Tracer;
  endpoint: () => Endpoint;
  /** Attributes for every call of this client (deployment, region...). */
  staticAttributes: (params: unknown) => Attributes;
  /**
   * Setup still in flight (the AWS SDK resolves region and endpoint asynchronously): a call made
   * meanwhile starts once it settles. Only for methods that return a promise anyway; the
   * promise returned must never reject.
   */
  pending?: () => Promise<void> | undefined;
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

/** Picks the spec from the call's arguments (e.g. Bedrock `send(command)`); undefined: untraced. */
export type SpecResolver = (args: unknown[]) => MethodSpec | undefined;

export function wrapMethod(
  resource: unknown,
  method: string,
  specOrResolver: MethodSpec | SpecResolver,
  target: WrapTarget,
): void {
  const obj = resource as Record<string, unknown> | undefined;
  const original = obj?.[method] as AnyFn | undefined;
  if (
    !obj ||
    typeof original !== 'function' ||
    (original as unknown as Record<symbol, unknown>)[WRAPPED]
  )
    return;
  const traced = function (this: unknown, ...args: unknown[]): unknown {
    const pending = target.pending?.();
    if (pending) return pending.then(() => traced.apply(this, args));
    const started = start(specOrResolver, target, args);
    if (started === undefined) return original.apply(this, args);
    const { call, spec, stream, callArgs } = started;
    let result: unknown;
    try {
      result = context.with(call.ctx, () => original.apply(this, callArgs));
    } catch (err) {
      call.fail(err);
      throw err;
    }
    try {
      return observeApiPromise(result, hooksFor(call, spec, stream));
    } catch (err) {
      diag.debug('llm-finops: could not observe result', err);
      call.end();
      return result;
    }
  };
  Object.defineProperty(traced, WRAPPED, { value: original });
  obj[method] = traced;
}

interface Started {
  call: LlmCall;
  spec: MethodSpec;
  stream: boolean;
  callArgs: unknown[];
}

/** Starts the span; undefined (call untraced) when the call is not ours or telemetry fails. */
function start(
  specOrResolver: MethodSpec | SpecResolver,
  target: WrapTarget,
  args: unknown[],
): Started | undefined {
  let call: LlmCall | undefined;
  try {
    const spec = typeof specOrResolver === 'function' ? specOrResolver(args) : specOrResolver;
    if (spec === undefined) return undefined;
    const params = args[0];
    const stream = spec.isStream(params);
    const attributes = { ...spec.requestAttributes(params), ...target.staticAttributes(params) };
    call = new LlmCall(target.tracer, {
      ...target.endpoint(),
      operation: spec.operation,
      model: spec.model(params),
      stream,
      attributes,
    });
    const callArgs =
      stream && spec.prepareStreamParams
        ? [spec.prepareStreamParams(params), ...args.slice(1)]
        : args;
    return { call, spec, stream, callArgs };
  } catch (err) {
    diag.debug('llm-finops: could not start span; calling untraced', err);
    call?.end();
    return undefined;
  }
}

function hooksFor(call: LlmCall, spec: MethodSpec, stream: boolean): PromiseHooks {
  return {
    onData(data) {
      if (call.isEnded) return;
      if (!stream || !spec.newStream) {
        spec.onResult(call, data);
        call.end();
        return;
      }
      const acc = spec.newStream(call, data);
      const source = spec.streamOf ? spec.streamOf(data) : data;
      const observed = observeStream(source, {
        onItem: (item) => acc.onItem(item),
        onEnd(how, error) {
          acc.flush();
          if (how === 'error') call.fail(error);
          else if (how === 'done') call.end();
          else call.abandon(how === 'aborted', error);
        },
      });
      if (!observed) call.end();
    },
    onError: (err) => call.fail(err),
    onRawResponse: () => call.end(),
  };
}
