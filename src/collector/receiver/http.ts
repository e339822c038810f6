// OTLP/HTTP receiver: POST /v1/traces in protobuf or JSON, gzip or identity. Before a body
// is handed on: fair in-flight shares per peer and per key, a body timeout, size caps on the
// wire, after gunzip and decoded (./budget.ts), and per-span admission (./admission.ts); the
// steps shared with the gRPC receiver are in ./edge.ts. Errors are typed; ./status.ts alone
// maps them to HTTP and gRPC codes (400 undecodable, 408 body timeout, 413 too large, 415
// wrong type, 429/503 + Retry-After under backpressure).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { UnsupportedMediaTypeError } from '../../shared/errors.js';
import { ClientGoneError, readBody } from './body.js';
import {
  admitRequest,
  createInflight,
  ingestBody,
  type Encoding,
  type IngestOutcome,
  type ReceiverOptions,
  truncate,
} from './edge.js';
import type { Inflight } from './inflight.js';
import { encodeProtoResponse, encodeProtoStatus } from './otlp-proto.js';
import { lingerOnClose } from './linger.js';
import { edgeStatus } from './status.js';

export type {
  Encoding,
  IngestContext,
  IngestOutcome,
  ReceiverLimits,
  ReceiverOptions,
} from './edge.js';

export const TRACES_PATH = '/v1/traces';

export interface HttpReceiverOptions extends ReceiverOptions {
  /** GET /metrics on this port (the composition root renders it; the collector only counts). */
  metrics?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

export function createReceiver(options: HttpReceiverOptions): Server {
  const l = options.limits;
  const inflight = options.inflight ?? createInflight(l);
  const server = createServer((req, res) => {
    handle(req, res, options, inflight).catch((err: unknown) => {
      options.logger.error('receiver failed unexpectedly', { err });
      if (!res.headersSent) sendText(res, 500, 'internal error');
    });
  });
  server.keepAliveTimeout = 65_000;
  // Backstops behind the body timeout: Node's own limits on the whole request and its headers.
  server.requestTimeout = l.body_timeout_ms + 5_000;
  server.headersTimeout = Math.min(60_000, server.requestTimeout);
  return server;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: HttpReceiverOptions,
  inflight: Inflight,
): Promise<void> {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/healthz' && req.method === 'GET') {
    sendText(res, options.isDraining() ? 503 : 200, options.isDraining() ? 'draining' : 'ok');
    return;
  }
  if (path === '/metrics' && req.method === 'GET' && options.metrics !== undefined)
    return options.metrics(req, res);
  if (path !== TRACES_PATH)
    return sendText(res, 404, `not found: only POST ${TRACES_PATH} is served here`);
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    return sendText(res, 405, 'method not allowed: use POST');
  }
  const receivedAtMs = (options.now ?? Date.now)();
  const l = options.limits;
  let encoding: Encoding = 'json';
  const slot = inflight.enter(req.socket.remoteAddress ?? 'unknown');
  try {
    encoding = contentEncodingOf(req.headers['content-type']);
    const auth = admitRequest(options, inflight, slot, req.headers);
    const take = (n: number): void => inflight.take(n, slot);
    const body = await readBody(req, l.max_body_bytes, l.body_timeout_ms, take);
    const outcome = await ingestBody(options, inflight, slot, {
      encoding,
      body,
      auth,
      receivedAtMs,
    });
    sendSuccess(res, encoding, outcome);
  } catch (err) {
    // A refusal before the body was read to its end: the connection cannot be reused, and the
    // client may still be writing the body (./linger.ts).
    if (!req.complete) {
      res.setHeader('Connection', 'close');
      lingerOnClose(req.socket);
    }
    sendError(res, encoding, err, options);
  } finally {
    inflight.leave(slot);
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
  if (err instanceof ClientGoneError || res.destroyed) return;
  const status = edgeStatus(err, options.isDraining());
  if (status.unexpected) options.logger.error('ingest failed', { err });
  if (status.retryAfterSeconds !== undefined)
    res.setHeader('Retry-After', String(status.retryAfterSeconds));
  if (status.close) res.setHeader('Connection', 'close');
  const message = truncate(status.message);
  if (encoding === 'protobuf') {
    res.writeHead(status.http, { 'Content-Type': 'application/x-protobuf' });
    res.end(encodeProtoStatus(status.grpc, message));
  } else {
    // The JSON form of google.rpc.Status: `code` is the gRPC code, as in the protobuf body.
    res.writeHead(status.http, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ code: status.grpc, message }));
  }
}

function sendText(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(message);
}
