// OTLP/HTTP receiver: POST /v1/traces in protobuf or JSON, gzip or identity. Errors from the
// decoders and the pipeline are typed; this edge alone maps them to OTLP status codes
// (400 undecodable, 413 too large, 415 wrong type, 429/503 + Retry-After under backpressure).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import {
  DecodeError,
  ForbiddenError,
  PayloadTooLargeError,
  PermanentError,
  RetryableError,
  UnauthorizedError,
  UnavailableError,
  UnsupportedMediaTypeError,
} from '../../shared/errors.js';
import type { Logger } from '../../shared/logger.js';
import { decodeJsonRequest } from './otlp-json.js';
import { decodeProtoRequest, encodeProtoResponse, encodeProtoStatus } from './otlp-proto.js';
import type { DecodedBatch } from './decoded.js';

const gunzipAsync = promisify(gunzip);

export const TRACES_PATH = '/v1/traces';
const MAX_ERROR_MESSAGE = 4096;

export interface IngestOutcome {
  rejected: number;
  messages: string[];
}

export interface IngestContext {
  encoding: Encoding;
  /** The request body, decompressed (what the spool keeps for replay). */
  body: Buffer;
  request: IncomingMessage;
  /** What `authorize` returned for this request. */
  auth: unknown;
}

export interface ReceiverOptions {
  maxBodyBytes: number;
  /** Bounds on what requests in flight hold (memory under overload); past them, 429. */
  maxInflightRequests: number;
  maxInflightBytes: number;
  /** Checked before the body is read; throws UnauthorizedError / RateLimitedError. */
  authorize?: (request: IncomingMessage) => unknown;
  /** Hand a decoded request to the pipeline; may throw RetryableError for backpressure. */
  ingest: (batch: DecodedBatch, context: IngestContext) => IngestOutcome | Promise<IngestOutcome>;
  /** True while shutting down: new requests get 503. */
  isDraining: () => boolean;
  retryAfterSeconds: number;
  logger: Logger;
}

export type Encoding = 'protobuf' | 'json';

/** Requests and bytes held by requests being read, decoded or handed to the pipeline. */
class Inflight {
  private requests = 0;
  private bytes = 0;
  constructor(private readonly options: ReceiverOptions) {}

  /** Count one more request; what it holds is released by `leave`. */
  enter(): { bytes: number } {
    this.requests += 1;
    return { bytes: 0 };
  }

  leave(held: { bytes: number }): void {
    this.requests -= 1;
    this.bytes -= held.bytes;
  }

  /** Refuse (429) a request that arrives while too many are in flight. */
  checkRequests(): void {
    if (this.requests > this.options.maxInflightRequests) {
      throw new RetryableError(
        `too many requests in flight (collector.max_inflight_requests ${this.options.maxInflightRequests})`,
        this.options.retryAfterSeconds,
      );
    }
  }

  /** Account `n` more bytes to a request; refuse (429) past the budget. */
  take(n: number, held: { bytes: number }): void {
    this.bytes += n;
    held.bytes += n;
    if (this.bytes > this.options.maxInflightBytes) {
      throw new RetryableError(
        `too many request bytes in flight (collector.max_inflight_bytes ${this.options.maxInflightBytes})`,
        this.options.retryAfterSeconds,
      );
    }
  }
}

export function createReceiver(options: ReceiverOptions): Server {
  const inflight = new Inflight(options);
  const server = createServer((req, res) => {
    handle(req, res, options, inflight).catch((err: unknown) => {
      options.logger.error('receiver failed unexpectedly', { err });
      if (!res.headersSent) sendText(res, 500, 'internal error');
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: ReceiverOptions,
  inflight: Inflight,
): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/healthz' && req.method === 'GET') {
    sendText(res, options.isDraining() ? 503 : 200, options.isDraining() ? 'draining' : 'ok');
    return;
  }
  if (path !== TRACES_PATH)
    return sendText(res, 404, `not found: only POST ${TRACES_PATH} is served here`);
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendText(res, 405, 'method not allowed: use POST');
  }
  let encoding: Encoding = 'json';
  const held = inflight.enter();
  try {
    encoding = contentEncodingOf(req.headers['content-type']);
    if (options.isDraining())
      throw new RetryableError('collector is shutting down', options.retryAfterSeconds);
    inflight.checkRequests();
    const auth = options.authorize?.(req);
    const body = await readBody(req, options.maxBodyBytes, (n) => inflight.take(n, held));
    const batch = encoding === 'protobuf' ? decodeProtoRequest(body) : decodeJsonRequest(body);
    const outcome = await options.ingest(batch, { encoding, body, request: req, auth });
    sendSuccess(res, encoding, outcome);
  } catch (err) {
    // A refusal before the body was read to its end: the connection cannot be reused.
    if (!req.complete) res.setHeader('Connection', 'close');
    sendError(res, encoding, err, options);
  } finally {
    inflight.leave(held);
  }
}

function contentEncodingOf(contentType: string | undefined): Encoding {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new UnsupportedMediaTypeError(
    `unsupported content-type ${JSON.stringify(contentType ?? '')}: use application/x-protobuf or application/json`,
  );
}

/** Read the body, enforcing the cap on the wire and again after decompression. */
async function readBody(
  req: IncomingMessage,
  limit: number,
  take: (bytes: number) => void,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new PayloadTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeError(limit);
    take(chunk.length);
    chunks.push(chunk);
  }
  const raw = Buffer.concat(chunks, size);
  const contentEncoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (contentEncoding === 'identity' || contentEncoding === '' || contentEncoding === 'none')
    return raw;
  if (contentEncoding !== 'gzip') {
    throw new UnsupportedMediaTypeError(
      `unsupported content-encoding ${JSON.stringify(contentEncoding)}: use gzip or none`,
    );
  }
  try {
    const inflated = await gunzipAsync(raw, { maxOutputLength: limit });
    take(inflated.length);
    return inflated;
  } catch (err) {
    if (err instanceof RetryableError) throw err;
    if (
      (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ||
      err instanceof RangeError
    ) {
      throw new PayloadTooLargeError(limit);
    }
    throw new DecodeError(`body is not valid gzip: ${(err as Error).message}`);
  }
}

function sendSuccess(res: ServerResponse, encoding: Encoding, outcome: IngestOutcome): void {
  const message = truncate(outcome.messages.join('; '));
  if (encoding === 'protobuf') {
    res.writeHead(200, { 'Content-Type': 'application/x-protobuf' });
    res.end(encodeProtoResponse(outcome.rejected, outcome.rejected > 0 ? message : ''));
    return;
  }
  const body =
    outcome.rejected > 0
      ? { partialSuccess: { rejectedSpans: String(outcome.rejected), errorMessage: message } }
      : {};
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  encoding: Encoding,
  err: unknown,
  options: ReceiverOptions,
): void {
  let status = 500;
  let message = 'internal error';
  if (err instanceof UnauthorizedError) status = 401;
  else if (err instanceof ForbiddenError) status = 403;
  else if (err instanceof PayloadTooLargeError) status = 413;
  else if (err instanceof UnsupportedMediaTypeError) status = 415;
  else if (err instanceof PermanentError) status = 400;
  else if (err instanceof RetryableError) {
    status = options.isDraining() || err instanceof UnavailableError ? 503 : 429;
    res.setHeader('Retry-After', String(err.retryAfterSeconds));
  } else options.logger.error('ingest failed', { err });
  if (err instanceof PermanentError || err instanceof RetryableError) message = err.message;
  // The request body may be unread (413/415), or we are shutting down (503): close the connection.
  if (status === 413 || status === 415 || status === 503) res.setHeader('Connection', 'close');
  if (encoding === 'protobuf') {
    res.writeHead(status, { 'Content-Type': 'application/x-protobuf' });
    res.end(encodeProtoStatus(status, message));
  } else {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ code: status, message }));
  }
}

function sendText(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(message);
}

function truncate(text: string): string {
  return text.length <= MAX_ERROR_MESSAGE ? text : `${text.slice(0, MAX_ERROR_MESSAGE - 1)}…`;
}
