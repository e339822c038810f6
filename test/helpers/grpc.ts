// A raw OTLP/gRPC client for tests that need exact control over the bytes (garbage, oversized,
// gzip bombs, partial success): grpc-js with pass-through (de)serializers. The method path is
// written out here, not imported from src, so a renamed service would fail these tests.
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';

export const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

export type ExportResult = { ok: true; response: Buffer } | { ok: false; error: ServiceError };

export interface RawClient {
  export(body: Uint8Array, key?: string): Promise<ExportResult>;
  close(): void;
}

/** A client to `address` (host:port); `gzip` compresses every message it sends. */
export function rawClient(address: string, options: { gzip?: boolean } = {}): RawClient {
  const client = new Client(address, credentials.createInsecure(), {
    // grpc-js compression algorithm ids: 0 identity, 1 deflate, 2 gzip.
    ...(options.gzip === true ? { 'grpc.default_compression_algorithm': 2 } : {}),
    // Large enough for any test message: the server's limit is what is under test.
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  return {
    export: (body, key) =>
      new Promise((resolve) => {
        const metadata = new Metadata();
        if (key !== undefined) metadata.set('authorization', `Bearer ${key}`);
        client.makeUnaryRequest<Buffer, Buffer>(
          EXPORT_PATH,
          (b) => b,
          (b) => b,
          Buffer.from(body),
          metadata,
          { deadline: Date.now() + 20_000 },
          (error, response) => {
            if (error !== null) resolve({ ok: false, error });
            else resolve({ ok: true, response: response ?? Buffer.alloc(0) });
          },
        );
      }),
    close: () => client.close(),
  };
}
