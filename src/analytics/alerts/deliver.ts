// HTTP delivery for notifiers: a timeout per attempt, retries with exponential backoff on
// network errors, 429 and 5xx (a 4xx other than 429 is the receiver refusing the payload, so
// retrying cannot help), Retry-After honoured up to a cap.
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

const MAX_RETRY_AFTER_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function deliver(
  req: DeliveryRequest,
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
): Promise<DeliveryResult> {
  let last: DeliveryResult = { ok: false, attempts: 0 };
  for (let attempt = 0; attempt <= req.retries; attempt++) {
    if (attempt > 0) await sleep(waitMs(req.backoffMs, attempt, last));
    last = await attemptOnce(req, fetchImpl, attempt + 1);
    if (last.ok) return last;
    if (
      last.status !== undefined &&
      last.status < 500 &&
      last.status !== 429 &&
      last.status !== 408
    )
      return last;
  }
  return last;
}

function waitMs(
  backoffMs: number,
  attempt: number,
  last: DeliveryResult & { retryAfterMs?: number },
): number {
  const backoff = backoffMs * 2 ** (attempt - 1);
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(backoff, last.retryAfterMs ?? 0));
}

async function attemptOnce(
  req: DeliveryRequest,
  fetchImpl: FetchLike,
  attempts: number,
): Promise<DeliveryResult & { retryAfterMs?: number }> {
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
    const ok = res.status >= 200 && res.status < 300;
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
    return {
      ok,
      attempts,
      status: res.status,
      ...(ok ? {} : { error: `HTTP ${res.status}` }),
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
    };
  } catch (err) {
    return {
      ok: false,
      attempts,
      error: controller.signal.aborted
        ? `timeout after ${req.timeoutMs} ms`
        : (err as Error).message,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Retry-After as delta-seconds or an HTTP date, in ms. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
