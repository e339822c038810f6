// Observing a vendor `Stream` in place. We replace the instance's `iterator` factory (used by
// `for await`, `tee()` and `toReadableStream()` in openai 4-7 and @anthropic-ai/sdk), so the
// caller keeps the very same object: `.controller`, `.tee()`, early `break` keep working.
// The observer ends exactly once: at the end, on error, on `return()` (break) or on abort.
import { diag } from '@opentelemetry/api';

export type StreamEnd = 'done' | 'abandoned' | 'error';

export interface StreamObserver {
  onItem(item: unknown): void;
  onEnd(how: StreamEnd, error?: unknown): void;
}

interface StreamLike {
  iterator?: () => AsyncIterator<unknown>;
  controller?: { signal?: AbortSignal };
}

/** Returns false when `stream` does not look like a vendor stream (caller falls back). */
export function observeStream(stream: unknown, observer: StreamObserver): boolean {
  const s = stream as StreamLike | null;
  if (!s || typeof s.iterator !== 'function') return false;
  let finished = false;
  const finish = (how: StreamEnd, error?: unknown): void => {
    if (finished) return;
    finished = true;
    try {
      observer.onEnd(how, error);
    } catch (err) {
      diag.debug('llm-finops: stream end hook failed', err);
    }
  };
  const original = s.iterator.bind(s);
  s.iterator = () => wrapIterator(original(), observer, finish);
  const signal = s.controller?.signal;
  // Abort without iterating (or mid-iteration): the iterator may never be called again.
  signal?.addEventListener('abort', () => finish('abandoned'), { once: true });
  return true;
}

function wrapIterator(
  inner: AsyncIterator<unknown>,
  observer: StreamObserver,
  finish: (how: StreamEnd, error?: unknown) => void,
): AsyncIterableIterator<unknown> {
  const onResult = (r: IteratorResult<unknown>): IteratorResult<unknown> => {
    if (r.done) finish('done');
    else {
      try {
        observer.onItem(r.value);
      } catch (err) {
        diag.debug('llm-finops: stream item hook failed', err);
      }
    }
    return r;
  };
  const onError = (err: unknown): never => {
    finish('error', err);
    throw err;
  };
  return {
    next(...args: [] | [unknown]) {
      return inner.next(...args).then(onResult, onError);
    },
    return(value?: unknown) {
      finish('abandoned');
      return inner.return ? inner.return(value) : Promise.resolve({ done: true as const, value });
    },
    throw(err?: unknown) {
      finish('error', err);
      return inner.throw ? inner.throw(err) : Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
