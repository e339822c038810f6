// Observing a vendor `APIPromise` (openai, @anthropic-ai/sdk) without changing what the caller
// gets. We derive a new promise of the vendor's own class with `_thenUnwrap` (how the SDKs
// chain their own helpers), so `.withResponse()`, `.asResponse()` and `await` all still work,
// and our hook runs only when the caller parses the body: an `asResponse()` caller keeps an
// unread body (eagerly awaiting the promise, as some instrumentations do, would consume it).
import { diag } from '@opentelemetry/api';

export interface PromiseHooks {
  /** Called with the parsed body (a `Stream` for streaming calls); must return it unchanged. */
  onData(data: unknown): void;
  /** The request failed (HTTP error after retries, network, abort). */
  onError(error: unknown): void;
  /** The caller took the raw `Response` without parsing: nothing more will be seen. */
  onRawResponse(): void;
}

interface ApiPromiseLike {
  then: PromiseLike<unknown>['then'];
  asResponse(): Promise<unknown>;
  _thenUnwrap(transform: (data: unknown) => unknown): ApiPromiseLike;
  parsedPromise?: unknown;
}

function isApiPromise(p: unknown): p is ApiPromiseLike {
  const o = p as Partial<ApiPromiseLike> | null;
  return !!o && typeof o._thenUnwrap === 'function' && typeof o.asResponse === 'function';
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    diag.debug('llm-finops: telemetry hook failed', err);
  }
}

/** Returns a promise equivalent to `result` that reports to `hooks`. */
export function observeApiPromise<R>(result: R, hooks: PromiseHooks): R {
  if (!isApiPromise(result)) return observePlainPromise(result, hooks);
  // Errors surface on the response promise; observing it does not read the body.
  result.asResponse().then(undefined, (err: unknown) => safe(() => hooks.onError(err)));
  const derived = result._thenUnwrap((data) => {
    safe(() => hooks.onData(data));
    return data;
  });
  const originalAsResponse = derived.asResponse;
  // Own property on this one instance: an `asResponse()` caller who never parses would
  // otherwise leave the span open forever. `withResponse()` parses first, so it is not "raw".
  Object.defineProperty(derived, 'asResponse', {
    configurable: true,
    writable: true,
    value: function asResponse(this: ApiPromiseLike) {
      return originalAsResponse.call(this).then((res) => {
        if (this.parsedPromise === undefined) safe(() => hooks.onRawResponse());
        return res;
      });
    },
  });
  return derived as R;
}

/** Fallback for clients whose promise is not an SDK `APIPromise` (or a future SDK). */
function observePlainPromise<R>(result: R, hooks: PromiseHooks): R {
  const p = result as unknown as PromiseLike<unknown> | null;
  if (p && typeof p.then === 'function') {
    p.then(
      (data) => safe(() => hooks.onData(data)),
      (err: unknown) => safe(() => hooks.onError(err)),
    );
  } else {
    safe(() => hooks.onData(result));
  }
  return result;
}
