// The ingest spool: a write-ahead log of accepted OTLP request bodies, fsynced before the
// collector answers 200, replayed at start for every record whose rows were not yet committed.
// Cost data is money: an acknowledged span must survive kill -9 and a store outage.
//
// Layout: `<dir>/seg-<first seq>.log` segments of records
//   [magic u32][seq u64][encoding u8][meta length u16][body length u32][crc32 u32][meta][body]
// where meta is JSON the replay needs besides the body (e.g. the ingest key's tenant binding).
// and `<dir>/checkpoint` (the highest seq below which every record is committed).
// Concurrent appends share one fsync (group commit). A torn tail record (a crash mid-write) was
// never acknowledged, so replay stops at the first record that does not check out.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { SpoolFullError } from '../shared/errors.js';

const MAGIC = 0x4c4c4d53; // "LLMS"
const HEADER = 23;
const SEGMENT_BYTES = 64 * 1024 * 1024;

export type SpoolEncoding = 'protobuf' | 'json';

export interface SpoolRecord {
  seq: number;
  encoding: SpoolEncoding;
  /** JSON text, '' when there is nothing besides the body. */
  meta: string;
  body: Buffer;
}

export interface SpoolOptions {
  dir: string;
  /** Bound on spooled bytes not yet committed; past it appends fail with 503. */
  maxBytes: number;
  retryAfterSeconds: number;
}

interface Segment {
  firstSeq: number;
  lastSeq: number;
  path: string;
  bytes: number;
}

export class Spool {
  private segments: Segment[] = [];
  private handle: FileHandle | undefined;
  private nextSeq = 1;
  private checkpoint = 0;
  private readonly done = new Set<number>();
  /** Frame size of every record not yet committed: what the bound applies to. */
  private readonly sizes = new Map<number, number>();
  private outstanding = 0;
  private pendingSync: Promise<void> | undefined;
  private writeChain: Promise<void> = Promise.resolve();

  private constructor(private readonly options: SpoolOptions) {}

  static async open(options: SpoolOptions): Promise<{ spool: Spool; replay: SpoolRecord[] }> {
    mkdirSync(options.dir, { recursive: true });
    const spool = new Spool(options);
    const replay = spool.load();
    await spool.rotate();
    return { spool, replay };
  }

  /** Bytes of records not yet committed (the bound applies to these). */
  get bytes(): number {
    return this.outstanding;
  }

  /** Bytes on disk: outstanding records plus committed ones whose segment is still in use. */
  get diskBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  /**
   * Segments rotate at an eighth of the bound (at most 64 MiB): space is reclaimed a whole
   * segment at a time, so a segment as large as the bound would never be released.
   */
  private get segmentBytes(): number {
    return Math.min(SEGMENT_BYTES, Math.max(1024 * 1024, Math.floor(this.options.maxBytes / 8)));
  }

  /** Append and fsync a record; resolves with its sequence number once it is durable. */
  async append(encoding: SpoolEncoding, body: Buffer, meta = ''): Promise<number> {
    const metaLength = Buffer.byteLength(meta, 'utf8');
    if (this.outstanding + body.length + metaLength + HEADER > this.options.maxBytes) {
      throw new SpoolFullError(
        'ingest spool is full (the store is behind or unreachable)',
        this.options.retryAfterSeconds,
      );
    }
    const seq = this.nextSeq++;
    const frame = encodeRecord(seq, encoding, meta, body);
    this.track(seq, frame.length);
    const write = this.writeChain.then(async () => {
      if ((this.current()?.bytes ?? 0) > this.segmentBytes) await this.rotate();
      const segment = this.current();
      if (this.handle === undefined || segment === undefined) throw new Error('spool is closed');
      await this.handle.write(frame);
      segment.bytes += frame.length;
      segment.lastSeq = seq;
    });
    this.writeChain = write.catch(() => undefined);
    try {
      await write;
    } catch (err) {
      // Never acknowledged: it holds no space, and the checkpoint must not wait for it.
      this.markDone([seq]);
      throw err;
    }
    await this.sync();
    return seq;
  }

  /** Every row of these records is committed to the store: let the checkpoint move past them. */
  markDone(seqs: Iterable<number>): void {
    for (const seq of seqs) {
      this.done.add(seq);
      this.untrack(seq);
    }
    let advanced = false;
    while (this.done.has(this.checkpoint + 1)) {
      this.done.delete(this.checkpoint + 1);
      this.checkpoint += 1;
      advanced = true;
    }
    if (advanced) this.persistCheckpoint();
  }

  async close(): Promise<void> {
    await this.writeChain;
    await this.handle?.close();
    this.handle = undefined;
  }

  private track(seq: number, size: number): void {
    this.sizes.set(seq, size);
    this.outstanding += size;
  }

  private untrack(seq: number): void {
    const size = this.sizes.get(seq);
    if (size === undefined) return;
    this.sizes.delete(seq);
    this.outstanding -= size;
  }

  /** Share one fsync among the appends that arrive while one is running. */
  private sync(): Promise<void> {
    this.pendingSync ??= (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      this.pendingSync = undefined;
      await this.writeChain;
      await this.handle?.sync();
    })();
    return this.pendingSync;
  }

  private current(): Segment | undefined {
    return this.segments[this.segments.length - 1];
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    const path = join(this.options.dir, `seg-${String(this.nextSeq).padStart(16, '0')}.log`);
    this.handle = await open(path, 'a');
    this.segments.push({ firstSeq: this.nextSeq, lastSeq: this.nextSeq - 1, path, bytes: 0 });
    fsyncDir(this.options.dir);
  }

  private persistCheckpoint(): void {
    const tmp = join(this.options.dir, 'checkpoint.tmp');
    writeFileSync(tmp, String(this.checkpoint));
    const fd = openSync(tmp, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.options.dir, 'checkpoint'));
    // Segments entirely below the checkpoint hold nothing left to replay.
    while (this.segments.length > 1 && (this.segments[0]?.lastSeq ?? Infinity) <= this.checkpoint) {
      const old = this.segments.shift();
      if (old !== undefined) rmSync(old.path, { force: true });
    }
  }

  /** Read the checkpoint and every intact record after it; keep their segments until done. */
  private load(): SpoolRecord[] {
    try {
      this.checkpoint =
        Number(readFileSync(join(this.options.dir, 'checkpoint'), 'utf8').trim()) || 0;
    } catch {
      this.checkpoint = 0;
    }
    const files = readdirSync(this.options.dir)
      .filter((f) => /^seg-\d+\.log$/.test(f))
      .sort();
    const replay: SpoolRecord[] = [];
    let maxSeq = this.checkpoint;
    for (const file of files) {
      const path = join(this.options.dir, file);
      const records = decodeRecords(readFileSync(path));
      const pending = records.filter((r) => r.seq > this.checkpoint);
      for (const r of records) maxSeq = Math.max(maxSeq, r.seq);
      if (pending.length === 0) {
        rmSync(path, { force: true });
        continue;
      }
      replay.push(...pending);
      for (const r of pending)
        this.track(r.seq, HEADER + Buffer.byteLength(r.meta, 'utf8') + r.body.length);
      const lastSeq = pending[pending.length - 1]?.seq ?? 0;
      this.segments.push({
        firstSeq: pending[0]?.seq ?? 0,
        lastSeq,
        path,
        bytes: statSync(path).size,
      });
    }
    this.nextSeq = maxSeq + 1;
    // Sequence numbers between the checkpoint and the first replayed record were committed
    // (or never durable): count them done so the checkpoint can advance past them.
    const replayed = new Set(replay.map((r) => r.seq));
    for (let seq = this.checkpoint + 1; seq < this.nextSeq; seq += 1) {
      if (!replayed.has(seq)) this.done.add(seq);
    }
    return replay;
  }
}

function encodeRecord(seq: number, encoding: SpoolEncoding, meta: string, body: Buffer): Buffer {
  const metaBytes = Buffer.from(meta, 'utf8');
  const header = Buffer.alloc(HEADER);
  header.writeUInt32LE(MAGIC, 0);
  header.writeBigUInt64LE(BigInt(seq), 4);
  header.writeUInt8(encoding === 'protobuf' ? 1 : 2, 12);
  header.writeUInt16LE(metaBytes.length, 13);
  header.writeUInt32LE(body.length, 15);
  header.writeUInt32LE(crc32(body, crc32(metaBytes)), 19);
  return Buffer.concat([header, metaBytes, body]);
}

export function decodeRecords(data: Buffer): SpoolRecord[] {
  const out: SpoolRecord[] = [];
  let offset = 0;
  while (offset + HEADER <= data.length) {
    if (data.readUInt32LE(offset) !== MAGIC) break;
    const seq = Number(data.readBigUInt64LE(offset + 4));
    const encoding: SpoolEncoding = data.readUInt8(offset + 12) === 1 ? 'protobuf' : 'json';
    const metaLength = data.readUInt16LE(offset + 13);
    const length = data.readUInt32LE(offset + 15);
    const checksum = data.readUInt32LE(offset + 19);
    const metaStart = offset + HEADER;
    const end = metaStart + metaLength + length;
    if (end > data.length) break; // torn tail: never acknowledged
    const meta = data.subarray(metaStart, metaStart + metaLength);
    const body = data.subarray(metaStart + metaLength, end);
    if (crc32(body, crc32(meta)) !== checksum) break;
    out.push({ seq, encoding, meta: meta.toString('utf8'), body: Buffer.from(body) });
    offset = end;
  }
  return out;
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // some filesystems do not allow fsync on directories; the data files are still synced
  }
}
