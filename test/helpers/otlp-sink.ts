// A real OTLP/HTTP JSON receiver standing in for a downstream (Tempo, another collector): it
// records every request body the forwarder sends, for tests to look spans up by id.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkKeyValue {
  key: string;
  value: Record<string, unknown>;
}
export interface SinkSpan {
  spanId: string;
  name: string;
  attributes: SinkKeyValue[];
  events?: { name: string; attributes?: SinkKeyValue[] }[];
}
interface SinkBody {
  resourceSpans: { scopeSpans: { spans: SinkSpan[] }[] }[];
}

export interface OtlpSink {
  url: string;
  /** Raw request bodies, as sent. */
  bodies: string[];
  span(spanId: string): SinkSpan | undefined;
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    bodies,
    span(spanId) {
      for (const raw of bodies) {
        const body = JSON.parse(raw) as SinkBody;
        for (const rs of body.resourceSpans)
          for (const ss of rs.scopeSpans)
            for (const span of ss.spans) if (span.spanId === spanId) return span;
      }
      return undefined;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export const sinkAttr = (attrs: SinkKeyValue[], key: string): Record<string, unknown> | undefined =>
  attrs.find((a) => a.key === key)?.value;
