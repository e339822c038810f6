// One streamed chat call to one target through an instrumented `openai` client: measures the
// time to first chunk, reads the usage chunk, and maps failures to what a router needs (the
// HTTP status, retry-after-ms; 0 for a timeout or a transport failure). An optional TTFT
// deadline aborts a call whose first chunk is late, so the router can fail over.
import type OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { DEMO_MODEL } from './scenario.js';
import type { DemoRequest } from './traffic.js';

export interface CallUsage {
  input: number;
  cached: number;
  output: number;
}

export interface CallResult {
  status: number;
  /** Wall ms from the call's start to its first chunk. */
  ttftWallMs?: number;
  usage?: CallUsage;
  retryAfterMs?: number;
}

function headerOf(err: unknown, name: string): string | undefined {
  const headers = (err as { headers?: unknown }).headers;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  return undefined;
}

export function failure(err: unknown): CallResult {
  const status = (err as { status?: unknown }).status;
  if (typeof status !== 'number') return { status: 0 };
  const ms = Number(headerOf(err, 'retry-after-ms'));
  return { status, ...(Number.isFinite(ms) && ms > 0 ? { retryAfterMs: ms } : {}) };
}

export function chatParams(req: DemoRequest): ChatCompletionCreateParamsStreaming {
  return {
    model: DEMO_MODEL,
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: req.maxTokens,
    messages: [
      { role: 'system', content: req.system },
      { role: 'user', content: req.user },
    ],
  };
}

/**
 * A TTFT deadline that does not count time this process could not run. The mock providers live
 * in the demo's own process: when it is starved of CPU their timers fire late too, a delay no
 * real provider would have. So a timer that fires late extends the deadline by its own lateness
 * (up to three times), and the abort waits one turn of the event loop (setImmediate runs after
 * pending I/O) so a first chunk that did arrive in time wins.
 */
function lagAwareDeadline(
  ms: number,
  answered: () => boolean,
  abort: () => void,
): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  const arm = (wait: number, extensions: number): void => {
    const due = performance.now() + wait;
    timer = setTimeout(() => {
      const late = performance.now() - due;
      if (late > 5 && extensions < 3) return arm(late, extensions + 1);
      setImmediate(() => {
        if (!cancelled && !answered()) abort();
      });
    }, wait);
  };
  arm(ms, 0);
  return {
    cancel() {
      cancelled = true;
      clearTimeout(timer);
    },
  };
}

/** Streams one answer; `ttftDeadlineMs` (wall) aborts a call whose first chunk has not come. */
export async function streamOnce(
  client: OpenAI,
  req: DemoRequest,
  ttftDeadlineMs?: number,
): Promise<CallResult> {
  const started = performance.now();
  const abort = new AbortController();
  const timer =
    ttftDeadlineMs !== undefined
      ? lagAwareDeadline(
          ttftDeadlineMs,
          () => ttftWallMs !== undefined,
          // A TimeoutError reason: the wrapper records the call as error.type `timeout`.
          () => abort.abort(new DOMException('TTFT deadline', 'TimeoutError')),
        )
      : undefined;
  let ttftWallMs: number | undefined;
  let usage: CallUsage | undefined;
  try {
    const stream = await client.chat.completions.create(chatParams(req), { signal: abort.signal });
    for await (const chunk of stream) {
      if (ttftWallMs === undefined) {
        ttftWallMs = performance.now() - started;
        timer?.cancel();
      }
      const u = chunk.usage;
      if (u)
        usage = {
          input: u.prompt_tokens,
          cached: u.prompt_tokens_details?.cached_tokens ?? 0,
          output: u.completion_tokens,
        };
    }
    return {
      status: 200,
      ...(ttftWallMs !== undefined ? { ttftWallMs } : {}),
      ...(usage !== undefined ? { usage } : {}),
    };
  } catch (err) {
    return abort.signal.aborted ? { status: 0 } : failure(err);
  } finally {
    timer?.cancel();
  }
}
