// HTTP delivery for notifiers: a timeout per attempt and the shared retry policy: network
// errors, 408, 429 and 5xx are retried with jittered exponential backoff (a 4xx other than
// 408/429 is the receiver refusing the payload, so retrying cannot help), Retry-After honoured
// up to a cap.
import { HTTP_RETRYABLE_STATUS, HttpStatusError, retry, retryPolicy } from '../../shared/retry.js';

export interface DeliveryRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  backoffMs: number;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}>;

/** Neither a backoff nor a receiver's Retry-After holds a notification longer than this. */
const MAX_WAIT_MS = 30_000;

export async function deliver(
  req: DeliveryRequest,
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
): Promise<DeliveryResult> {
  const policy = retryPolicy({
    retries: req.retries,
    baseMs: req.backoffMs,
    maxMs: MAX_WAIT_MS,
    maxRetryAfterMs: MAX_WAIT_MS,
    retryableStatus: HTTP_RETRYABLE_STATUS,
  });
  let attempts = 0;
  try {
    const status = await retry(async (attempt) => {
      attempts = attempt;
      return attemptOnce(req, fetchImpl);
    }, policy);
    return { ok: true, attempts, status };
  } catch (err) {
    return {
      ok: false,
      attempts,
      ...(err instanceof HttpStatusError ? { status: err.status } : {}),
      error: (err as Error).message,
    };
  }
}

/** One POST; resolves with a 2xx status, throws HttpStatusError or the network / timeout error. */
async function attemptOnce(req: DeliveryRequest, fetchImpl: FetchLike): Promise<number> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), req.timeoutMs);
  try {
    const res = await fetchImpl(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: controller.signal,
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return res.status;
    throw HttpStatusError.from(res);
  } catch (err) {
    if (err instanceof HttpStatusError) throw err;
    throw new Error(
      controller.signal.aborted ? `timeout after ${req.timeoutMs} ms` : (err as Error).message,
      { cause: err },
    );
  } finally {
    clearTimeout(timer);
  }
}
