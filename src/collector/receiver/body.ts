// Reading a request body at the edge: the size cap on the wire and again after gunzip, the
// body timeout (a client trickling bytes loses its slot), and every byte held charged to the
// in-flight budget as it arrives. Inflating writes into one buffer sized from the gzip trailer,
// so a bomb holds about its inflated size once, not the chunks plus their concatenation.
import type { IncomingMessage } from 'node:http';
import { createGunzip } from 'node:zlib';
import {
  DecodeError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../../shared/errors.js';
import { BodyTimeoutError } from './status.js';

/** The client went away mid-body: nobody to answer. */
export class ClientGoneError extends Error {}

/** The decompressed body; throws 413 / 415 / 400 / 408 errors or what `take` throws. */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  timeoutMs: number,
  take: (bytes: number) => void,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new PayloadTooLargeError(limit);
  const raw = await receive(req, limit, timeoutMs, take);
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
  return inflate(raw, limit, take);
}

/** Collect the raw body; rejects past `limit` bytes, past `timeoutMs`, or when the client goes. */
function receive(
  req: IncomingMessage,
  limit: number,
  timeoutMs: number,
  take: (bytes: number) => void,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: unknown): void => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err === undefined) resolve(Buffer.concat(chunks, size));
      else {
        req.pause(); // stop reading what we will not use; the connection closes after the answer
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      try {
        if (size > limit) throw new PayloadTooLargeError(limit);
        take(chunk.length);
        chunks.push(chunk);
      } catch (err) {
        finish(err);
      }
    };
    const onEnd = (): void => finish(undefined);
    const onError = (err: Error): void => finish(new ClientGoneError(err.message));
    const onClose = (): void => {
      if (!req.complete) finish(new ClientGoneError('client closed the connection mid-body'));
    };
    const timer = setTimeout(
      () =>
        finish(
          new BodyTimeoutError(
            `request body not received within ${timeoutMs} ms (collector.body_timeout_ms)`,
          ),
        ),
      timeoutMs,
    );
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** Largest expansion deflate can produce (RFC 1951: ~1032:1), to sanity-check the trailer. */
const MAX_RATIO = 1032;

/** Gunzip into one growing buffer, charging its capacity to `take`; 413 past `limit`. */
function inflate(raw: Buffer, limit: number, take: (bytes: number) => void): Promise<Buffer> {
  // ISIZE, the last 4 bytes, is the (last member's) size mod 2^32: a hint, never trusted.
  const hint = raw.length >= 18 ? raw.readUInt32LE(raw.length - 4) : 0;
  const first = Math.min(limit, raw.length * MAX_RATIO, Math.max(hint, 64 * 1024));
  return new Promise<Buffer>((resolve, reject) => {
    let out = Buffer.allocUnsafe(0);
    let size = 0;
    const gunzip = createGunzip({ chunkSize: 64 * 1024 });
    const fail = (err: unknown): void => {
      gunzip.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const grow = (needed: number): void => {
      if (needed > limit) throw new PayloadTooLargeError(limit);
      const capacity = Math.min(limit, Math.max(needed, out.length === 0 ? first : out.length * 2));
      take(capacity - out.length);
      const next = Buffer.allocUnsafe(capacity);
      out.copy(next, 0, 0, size);
      out = next;
    };
    gunzip.on('data', (chunk: Buffer) => {
      try {
        if (size + chunk.length > out.length) grow(size + chunk.length);
        chunk.copy(out, size);
        size += chunk.length;
      } catch (err) {
        fail(err);
      }
    });
    gunzip.on('end', () => resolve(out.subarray(0, size)));
    gunzip.on('error', (err) => fail(new DecodeError(`body is not valid gzip: ${err.message}`)));
    gunzip.end(raw);
  });
}
