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
}

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;

export function wrapMethod(
  resource: unknown,
  method: string,
  spec: MethodSpec,
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
    let call: LlmCall | undefined;
    let callArgs = args;
    let stream: boolean;
    try {
      const params = args[0];
      stream = spec.isStream(params);
      const ep = target.endpoint();
      const attributes = { ...spec.requestAttributes(params), ...target.staticAttributes(params) };
      call = new LlmCall(target.tracer, {
        ...ep,
        operation: spec.operation,
        model: spec.model(params),
        stream,
        attributes,
      });
      if (stream && spec.prepareStreamParams)
        callArgs = [spec.prepareStreamParams(params), ...args.slice(1)];
    } catch (err) {
      diag.debug('llm-finops: could not start span; calling untraced', err);
      call?.end();
      return original.apply(this, args);
    }
    const active = call;
    let result: unknown;
    try {
      result = context.with(active.ctx, () => original.apply(this, callArgs));
    } catch (err) {
      active.fail(err);
      throw err;
    }
    try {
      return observeApiPromise(result, hooksFor(active, spec, stream));
    } catch (err) {
      diag.debug('llm-finops: could not observe result', err);
      active.end();
      return result;
    }
  };
  Object.defineProperty(traced, WRAPPED, { value: original });
  obj[method] = traced;
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
      const acc = spec.newStream(call);
      const observed = observeStream(data, {
        onItem: (item) => acc.onItem(item),
        onEnd(how, error) {
          acc.flush();
          if (how === 'error') call.fail(error);
          else call.end(how === 'abandoned');
        },
      });
      if (!observed) call.end();
    },
    onError: (err) => call.fail(err),
    onRawResponse: () => call.end(),
  };
}
