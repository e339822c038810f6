// Lingering close for a refusal sent before the request body was read (408, 413 on the wire,
// 415, or 429/503 decided from the headers). Node closes such a socket as soon as the response
// is flushed; the bytes the client is still sending then arrive at a closed socket, the kernel
// answers them with a reset, and a client that writes its whole body before it reads (Python's
// http.client and `requests`, so the Python OTLP exporter) reports a broken pipe instead of
// the status and its Retry-After. As nginx's lingering close and Go's RST-avoidance delay do:
// send the response and a FIN, keep reading (Node's parser discards the body) until the client
// closes or a bounded time passes, then close.
import type { Socket } from 'node:net';

/** How long a refused upload may keep its connection open: bounded, so a client that never
 * stops sending holds nothing for long. Python's exporter posts at most a few MiB. */
export const LINGER_MS = 2_000;

const lingering = new WeakSet<Socket>();

/** Replace the socket's close-after-flush with half-close, discard, and close after `ms`. */
export function lingerOnClose(socket: Socket, ms: number = LINGER_MS): void {
  if (lingering.has(socket) || socket.destroyed) return;
  lingering.add(socket);
  // Node's HTTP server calls `destroySoon()` once a `Connection: close` response is flushed;
  // this instance's override keeps the read side open instead of destroying at once.
  socket.destroySoon = (): void => {
    socket.end();
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}
