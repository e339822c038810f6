// Observing a vendor stream in place, so the caller keeps the very same object. An openai /
// @anthropic-ai/sdk `Stream`: we replace the instance's `iterator` factory (used by `for await`,
// `tee()` and `toReadableStream()` in openai 4-7), so `.controller`, `.tee()` and early `break`
// keep working. Any other async iterable (a @google/genai async generator, a Bedrock event
// stream): own `next`/`return`/`throw` (generators) or `[Symbol.asyncIterator]` on the instance.
// The observer ends exactly once: at the end, on error, on `return()` (break: 'abandoned') or on
// an abort of the stream's controller ('aborted', with the signal's reason).
import { diag } from '@opentelemetry/api';

export type StreamEnd = 'done' | 'abandoned' | 'aborted' | 'error';

export interface StreamObserver {
  onItem(item: unknown): void;
  /** `error`: the error for 'error', the abort signal's reason for 'aborted'. */
  onEnd(how: StreamEnd, error?: unknown): void;
}

interface StreamLike {
  iterator?: () => AsyncIterator<unknown>;
  controller?: { signal?: AbortSignal };
}

type Finish = (how: StreamEnd, error?: unknown) => void;

function once(observer: StreamObserver): Finish {
  let finished = false;
  return (how, error) => {
    if (finished) return;
    finished = true;
    try {
      observer.onEnd(how, error);
    } catch (err) {
      diag.debug('llm-finops: stream end hook failed', err);
    }
  };
}

/** Returns false when `stream` does not look like a vendor stream (caller falls back). */
export function observeStream(stream: unknown, observer: StreamObserver): boolean {
  const s = stream as StreamLike | null;
  if (!s || typeof s.iterator !== 'function') return observeAsyncIterable(stream, observer);
  const finish = once(observer);
  const original = s.iterator.bind(s);
  s.iterator = () => wrapIterator(original(), observer, finish);
  const signal = s.controller?.signal;
  // Abort without iterating (or mid-iteration): the iterator may never be called again.
  // A caller's `{ signal }` request option aborts this controller too (openai links the two).
  signal?.addEventListener('abort', () => finish('aborted', signal.reason), { once: true });
  return true;
}

type AsyncIter = AsyncIterator<unknown> & Partial<AsyncIterable<unknown>>;

/**
 * An async generator (it is its own iterator): its `next`, `return` and `throw` are replaced on
 * the instance, so `for await` and direct `.next()` calls are both seen. Any other async
 * iterable: its `[Symbol.asyncIterator]` is replaced on the instance. False when neither.
 */
function observeAsyncIterable(stream: unknown, observer: StreamObserver): boolean {
  if (stream === null || typeof stream !== 'object') return false;
  const it = stream as AsyncIter;
  const finish = once(observer);
  if (typeof it.next === 'function' && typeof it[Symbol.asyncIterator] === 'function') {
    const inner: AsyncIterator<unknown> = {
      next: it.next.bind(it),
      ...(it.return ? { return: it.return.bind(it) } : {}),
      ...(it.throw ? { throw: it.throw.bind(it) } : {}),
    };
    const wrapped = wrapIterator(inner, observer, finish);
    it.next = wrapped.next.bind(wrapped);
    it.return = wrapped.return?.bind(wrapped);
    it.throw = wrapped.throw?.bind(wrapped);
    return true;
  }
  const factory = it[Symbol.asyncIterator];
  if (typeof factory !== 'function') return false;
  const original = factory.bind(it);
  Object.defineProperty(it, Symbol.asyncIterator, {
    configurable: true,
    writable: true,
    value: () => wrapIterator(original(), observer, finish),
  });
  return true;
}

function wrapIterator(
  inner: AsyncIterator<unknown>,
  observer: StreamObserver,
  finish: Finish,
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
