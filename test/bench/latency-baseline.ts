// The latency benchmark's baseline: a bare HTTP server that does what the collector's receiver
// does to a request before any of the collector's own work (read the body, decode the OTLP
// protobuf) and answers 200 with the same empty ExportTraceServiceResponse. Run as its own
// process, like the collector, so both pay for the same loopback, process and event loop.
//   node --import tsx test/bench/latency-baseline.ts <port>
import { createServer } from 'node:http';
import { decodeProtoRequest } from '../../src/collector/receiver/otlp-proto.js';

const port = Number(process.argv[2] ?? 0);
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const spans = decodeProtoRequest(Buffer.concat(chunks)).spans.length;
    res.writeHead(spans > 0 ? 200 : 400, { 'content-type': 'application/x-protobuf' });
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.send?.('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
