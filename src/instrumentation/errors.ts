// Error facts for a failed call: `error.type` (low cardinality: the SDK's error class, e.g.
// `RateLimitError`, or a provider error code), the HTTP status, and retry-after in ms.
import type { Attributes } from '@opentelemetry/api';
import { FINOPS, GENERAL } from '../shared/semconv.js';

type Rec = Record<string, unknown>;

/** Reads a header from a fetch `Headers` (openai/anthropic v5+) or a plain record (older SDKs). */
function header(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const h = headers as { get?: (n: string) => string | null } & Rec;
  if (typeof h.get === 'function') return h.get(name) ?? undefined;
  const v = h[name];
  return typeof v === 'string' ? v : undefined;
}

/** `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: unknown, nowMs = Date.now()): number | undefined {
  const msRaw = header(headers, 'retry-after-ms')?.trim();
  if (msRaw) {
    const ms = Number(msRaw);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  const raw = header(headers, 'retry-after')?.trim();
  if (!raw) return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export function errorType(error: unknown): string {
  if (error instanceof Error) {
    const name = error.constructor?.name;
    if (name && name !== 'Error') return name;
    const code = (error as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    return error.name || 'Error';
  }
  return '_OTHER';
}

export function errorAttributes(error: unknown): { attributes: Attributes; message: string } {
  const attributes: Attributes = { [GENERAL.ERROR_TYPE]: errorType(error) };
  const e = (error ?? {}) as Rec;
  // openai / anthropic / @google/genai: `status`; AWS SDK: `$metadata.httpStatusCode`.
  const meta = (e['$metadata'] ?? {}) as Rec;
  const status = typeof e['status'] === 'number' ? e['status'] : meta['httpStatusCode'];
  if (typeof status === 'number') attributes[GENERAL.HTTP_RESPONSE_STATUS_CODE] = status;
  const retry = retryAfterMs(e['headers'] ?? ((e['$response'] ?? {}) as Rec)['headers']);
  if (retry !== undefined) attributes[FINOPS.RETRY_AFTER_MS] = retry;
  const message = error instanceof Error ? error.message : String(error);
  return { attributes, message };
}
