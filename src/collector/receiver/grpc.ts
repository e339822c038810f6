// OTLP/gRPC receiver: opentelemetry.proto.collector.trace.v1.TraceService/Export on
// @grpc/grpc-js. The request bytes are passed through untouched (no generated stubs): they are
// the same ExportTraceServiceRequest an OTLP/HTTP protobuf body carries, so they go through the
// same decode, admission, spool and partial success (./edge.ts), and refusals get the gRPC code
// of the same typed error (./status.ts) plus a RetryInfo when the client should come back later.
// grpc-js inflates gzip (and deflate) messages itself and refuses any message, on the wire or
// inflated, above `grpc.max_receive_message_length` with RESOURCE_EXHAUSTED. As HTTP refuses
// before reading a body, a gate on the call's metadata refuses a missing or wrong key, a full
// in-flight budget or a draining process before grpc-js reads the message at all (it reads a
// stream only once the metadata has passed), so such a client cannot make us buffer it.
import type { IncomingHttpHeaders } from 'node:http';
import {
  Metadata,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  type sendUnaryData,
  type ServerInterceptor,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { BackpressureError, BodyTimeoutError, UnavailableError } from '../../shared/errors.js';
import {
  admitRequest,
  createInflight,
  ingestBody,
  truncate,
  type ReceiverOptions,
} from './edge.js';
import type { Inflight } from './inflight.js';
import { encodeStatusDetails, STATUS_DETAILS_KEY } from './grpc-status.js';
import { encodeProtoResponse } from './otlp-proto.js';
import { edgeStatus } from './status.js';

export const TRACE_SERVICE = 'opentelemetry.proto.collector.trace.v1.TraceService';
export const EXPORT_PATH = `/${TRACE_SERVICE}/Export`;

const passthrough = (bytes: Buffer): Buffer => bytes;

/** The one method, with raw (de)serializers: decoding is ours, not grpc-js's. */
export const TRACE_SERVICE_DEFINITION: ServiceDefinition = {
  Export: {
    path: EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: passthrough,
    requestDeserialize: passthrough,
    responseSerialize: passthrough,
    responseDeserialize: passthrough,
    originalName: 'export',
  },
};

export interface GrpcReceiver {
  /** Bind `host:port` (0: a free port); resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** The bound port, once listening. */
  readonly port: number | undefined;
  /**
   * Stop accepting (GOAWAY; new calls fail UNAVAILABLE at the client), let calls in flight
   * finish, and cut whatever is still open after `cutAfterMs`.
   */
  close(cutAfterMs: number): Promise<void>;
}

export function createGrpcReceiver(options: ReceiverOptions): GrpcReceiver {
  const l = options.limits;
  const inflight = options.inflight ?? createInflight(l);
  const server = new Server({
    // The same cap as an HTTP body, on the wire and inflated (grpc-js checks both).
    'grpc.max_receive_message_length': Math.min(l.max_body_bytes, l.max_inflight_bytes),
    'grpc.max_concurrent_streams': l.max_inflight_requests,
    interceptors: [metadataGate(options, inflight)],
  });
  server.addService(TRACE_SERVICE_DEFINITION, {
    Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
      exportTraces(call, options, inflight).then(
        (response) => callback(null, response),
        (err: unknown) => callback(toServiceError(err, options)),
      );
    },
  });
  let bound: number | undefined;
  return {
    get port() {
      return bound;
    },
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.bindAsync(
          `${host.includes(':') ? `[${host}]` : host}:${port}`,
          ServerCredentials.createInsecure(),
          (err, actual) => {
            if (err !== null) return reject(withCode(err));
            bound = actual;
            resolve(actual);
          },
        );
      }),
    close: (cutAfterMs) =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.forceShutdown(), cutAfterMs);
        cut.unref();
        server.tryShutdown(() => {
          clearTimeout(cut);
          resolve();
        });
      }),
  };
}

async function exportTraces(
  call: ServerUnaryCall<Buffer, Buffer>,
  options: ReceiverOptions,
  inflight: Inflight,
): Promise<Buffer> {
  const receivedAtMs = (options.now ?? Date.now)();
  const slot = inflight.enter(peerAddress(call.getPeer()));
  try {
    const auth = admitRequest(options, inflight, slot, headersOf(call.metadata));
    // grpc-js has read (and inflated) the whole message: charge it now, as HTTP does per chunk.
    const body = call.request;
    inflight.take(body.length, slot);
    const outcome = await ingestBody(options, inflight, slot, {
      encoding: 'protobuf',
      body,
      auth,
      receivedAtMs,
    });
    const message = outcome.rejected > 0 ? truncate(outcome.messages.join('; ')) : '';
    return Buffer.from(encodeProtoResponse(outcome.rejected, message));
  } finally {
    inflight.leave(slot);
  }
}

/**
 * Refuse on the metadata what needs no body: draining, no slot free, a missing or wrong key.
 * Nothing is held or counted here (the handler's admission does that); the key's rate limit is
 * spent only by requests that get that far.
 */
function metadataGate(options: ReceiverOptions, inflight: Inflight): ServerInterceptor {
  const l = options.limits;
  const precheck = (metadata: Metadata): void => {
    if (options.isDraining())
      throw new UnavailableError('collector is shutting down', l.retry_after_s);
    if (inflight.inFlight >= l.max_inflight_requests)
      throw new BackpressureError(
        `too many requests in flight (collector.max_inflight_requests ${l.max_inflight_requests})`,
        l.retry_after_s,
      );
    options.checkKey?.(headersOf(metadata));
  };
  return (_method, call) => {
    let timer: NodeJS.Timeout | undefined;
    let refused = false;
    const stop = (): void => clearTimeout(timer);
    const refuse = (err: unknown): void => {
      stop();
      refused = true;
      gated.sendStatus(toServiceError(err, options));
    };
    const gated: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, pass) => {
            try {
              precheck(metadata);
            } catch (err) {
              // The message is never read: grpc-js starts reading only after `pass`.
              refuse(err);
              return;
            }
            // As for an HTTP body: the message must arrive in full within body_timeout_ms.
            timer = setTimeout(
              () =>
                refuse(
                  new BodyTimeoutError(
                    `request message not received within ${l.body_timeout_ms} ms (collector.body_timeout_ms)`,
                  ),
                ),
              l.body_timeout_ms,
            ).unref();
            pass(metadata);
          },
          // After a refusal nothing more reaches the handler (it must not answer twice).
          onReceiveMessage: (message: unknown, pass) => {
            if (!refused) pass(message);
          },
          onReceiveHalfClose: (pass) => {
            stop();
            if (!refused) pass();
          },
          onCancel: stop,
        }),
    });
    return gated;
  };
}

/** The typed error as a gRPC status, with the google.rpc.Status (and RetryInfo) in the trailer. */
function toServiceError(
  err: unknown,
  options: ReceiverOptions,
): Pick<ServiceError, 'code' | 'details' | 'metadata'> {
  const status = edgeStatus(err, options.isDraining());
  if (status.unexpected) options.logger.error('ingest failed', { err });
  const message = truncate(status.message);
  const metadata = new Metadata();
  metadata.set(
    STATUS_DETAILS_KEY,
    encodeStatusDetails({
      code: status.grpc,
      message,
      ...(status.retryAfterSeconds !== undefined
        ? { retryDelaySeconds: status.retryAfterSeconds }
        : {}),
    }),
  );
  return { code: status.grpc, details: message, metadata };
}

/** `authorization` and `x-api-key` from the call's metadata, as the HTTP headers would carry them. */
function headersOf(metadata: Metadata): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const name of ['authorization', 'x-api-key'] as const) {
    const value = metadata.get(name)[0];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

/** grpc-js reports `address:port` (`[v6]:port` style without brackets); the fair share is per address. */
function peerAddress(peer: string): string {
  const colon = peer.lastIndexOf(':');
  return colon > 0 ? peer.slice(0, colon) : peer;
}

/**
 * grpc-js reports a failed bind as one message listing the socket errors; lift the errno code
 * (EADDRINUSE, ...) onto the error so start-up can name the flag to change, as for HTTP.
 */
function withCode(err: Error): Error {
  const code = /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL|ENOTFOUND|EAI_AGAIN)\b/.exec(err.message)?.[1];
  return code !== undefined ? Object.assign(err, { code }) : err;
}
