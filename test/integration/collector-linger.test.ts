// A refusal sent before the body was read must reach a client that writes its whole body
// before it reads the answer (Python's http.client and `requests`, so the Python OTLP
// exporter): without a lingering close the client's write hits a closed socket and it sees a
// broken pipe or a reset instead of the status. The client here is a raw socket that does
// exactly that, so the test does not depend on one HTTP library's recovery.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../helpers/runtime.js';

let t: TestRuntime;
const MAX_BODY = 1024 * 1024;

beforeAll(async () => {
  t = await startTestRuntime({ collector: { max_body_bytes: MAX_BODY } });
});
afterAll(async () => {
  await t.runtime.stop();
});

interface Exchange {
  /** The status line and headers the client read, '' when none arrived. */
  head: string;
  /** The first socket error the client saw (EPIPE, ECONNRESET), if any. */
  error?: string;
}

/** Write the request head and the whole body, and only then read what came back. */
function writeThenRead(contentType: string, body: Buffer): Promise<Exchange> {
  const url = new URL(t.otlpUrl);
  return new Promise((resolve) => {
    const socket: Socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.pause(); // read nothing until the body is written
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ head: text.split('\r\n\r\n')[0] ?? '', ...(error ? { error } : {}) });
    });
    const head =
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n` +
      `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
    socket.write(head);
    socket.write(body, (err) => {
      if (err) return; // the 'error' handler records it
      socket.resume();
      socket.end();
    });
  });
}

describe('lingering close after an early refusal', () => {
  const body = Buffer.alloc(6 * MAX_BODY, 7); // several times what the kernel buffers at once

  it('a 415 decided from the headers reaches a client still writing its body', async () => {
    const ex = await writeThenRead('text/plain', body);
    expect(ex.error).toBeUndefined();
    expect(ex.head).toMatch(/^HTTP\/1\.1 415 /);
    expect(ex.head.toLowerCase()).toContain('connection: close');
  });

  it('a 413 decided from Content-Length reaches it too', async () => {
    const ex = await writeThenRead('application/x-protobuf', body);
    expect(ex.error).toBeUndefined();
    expect(ex.head).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('a client that never stops sending is cut off, and the collector keeps serving', async () => {
    const url = new URL(t.otlpUrl);
    const socket = connect(Number(url.port), url.hostname);
    socket.on('error', () => undefined); // the reset is the expected end
    socket.write(
      `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\n` +
        `Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const chunk = Buffer.concat([
      Buffer.from('10000\r\n'),
      Buffer.alloc(0x10000, 1),
      Buffer.from('\r\n'),
    ]);
    const pump = setInterval(() => socket.writable && socket.write(chunk), 5);
    await new Promise<void>((resolve) => socket.on('close', () => resolve()));
    clearInterval(pump);
    const res = await fetch(t.otlpUrl, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(res.status).toBe(415);
  });
});
