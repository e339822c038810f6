// What the OTLP/HTTP and OTLP/gRPC receivers share, so a request is admitted the same way
// whichever protocol carried it: one in-flight budget (slots, bytes, fair shares per peer and
// per key) for both listeners, one authorizer (one rate limiter per key), the decoded-size
// budget and per-span admission (./decode.ts), then the pipeline's ingest (spool, partial success).
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../../shared/config.js';
import { UnavailableError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { decodeRequest } from './decode.js';
import type { DecodedBatch } from './decoded.js';
import { Inflight, type Slot } from './inflight.js';
import type { IngestAuth } from './ingest-auth.js';

export type Encoding = 'protobuf' | 'json';

export interface IngestOutcome {
  rejected: number;
  messages: string[];
}

export interface IngestContext {
  encoding: Encoding;
  /** The request body, decompressed (what the spool keeps for replay). */
  body: Buffer;
  /** What `authorize` returned for this request. */
  auth: IngestAuth | undefined;
  /** When the request arrived: the admission time window was applied relative to it. */
  receivedAtMs: number;
}

/** The collector config keys the receivers enforce. */
export type ReceiverLimits = Pick<
  Config['collector'],
  | 'max_body_bytes'
  | 'max_decoded_bytes'
  | 'max_inflight_requests'
  | 'max_inflight_bytes'
  | 'max_inflight_share_per_key'
  | 'max_inflight_share_per_peer'
  | 'body_timeout_ms'
  | 'retry_after_s'
  | 'admission'
>;

export interface ReceiverOptions {
  limits: ReceiverLimits;
  /**
   * Checked before the body is decoded, with the HTTP headers or the gRPC metadata (the same
   * `authorization` / `x-api-key` names); throws UnauthorizedError / RateLimitedError.
   */
  authorize?: (headers: IncomingHttpHeaders) => IngestAuth | undefined;
  /**
   * The key check alone, no rate limit spent: what a listener that can refuse before reading
   * the body (gRPC, on the call's metadata) runs first. `authorize` still runs after.
   */
  checkKey?: (headers: IncomingHttpHeaders) => void;
  /** Hand an admitted request to the pipeline; may throw RetryableError for backpressure. */
  ingest: (batch: DecodedBatch, context: IngestContext) => IngestOutcome | Promise<IngestOutcome>;
  /** True while shutting down: new requests get 503 / UNAVAILABLE. */
  isDraining: () => boolean;
  logger: Logger;
  now?: () => number;
  /**
   * The in-flight budget; pass one to share it between listeners (the service does, so the
   * HTTP and gRPC receivers together stay within collector.max_inflight_*).
   */
  inflight?: Inflight;
}

export function createInflight(l: ReceiverLimits): Inflight {
  return new Inflight({
    maxRequests: l.max_inflight_requests,
    maxBytes: l.max_inflight_bytes,
    sharePerKey: l.max_inflight_share_per_key,
    sharePerPeer: l.max_inflight_share_per_peer,
    retryAfterSeconds: l.retry_after_s,
  });
}

/** Before anything is read: refuse while draining, past the slots, without a valid key. */
export function admitRequest(
  options: ReceiverOptions,
  inflight: Inflight,
  slot: Slot,
  headers: IncomingHttpHeaders,
): IngestAuth | undefined {
  if (options.isDraining())
    throw new UnavailableError('collector is shutting down', options.limits.retry_after_s);
  inflight.checkRequests(slot);
  const auth = options.authorize?.(headers);
  if (auth !== undefined) inflight.claimKey(slot, auth.key);
  return auth;
}

/**
 * Decode a body already read (and charged to the slot) within the decoded-size budget, admit
 * its spans and hand them to the pipeline.
 */
export async function ingestBody(
  options: ReceiverOptions,
  inflight: Inflight,
  slot: Slot,
  context: IngestContext,
): Promise<IngestOutcome> {
  const l = options.limits;
  const { body } = context;
  const { batch } = decodeRequest(
    context.encoding,
    body,
    {
      admission: l.admission,
      maxDecodedBytes: Math.min(l.max_decoded_bytes, l.max_inflight_bytes),
    },
    context.receivedAtMs,
    (estimate) => inflight.take(Math.max(0, estimate - body.length), slot),
  );
  return options.ingest(batch, context);
}

const MAX_ERROR_MESSAGE = 4096;

/** Error and partial-success messages are bounded: a batch of bad spans must not echo megabytes. */
export function truncate(text: string): string {
  return text.length <= MAX_ERROR_MESSAGE ? text : `${text.slice(0, MAX_ERROR_MESSAGE - 1)}…`;
}
