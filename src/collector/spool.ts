// The ingest spool: a write-ahead log of accepted OTLP request bodies, fsynced before the
// collector answers 200, replayed at start for every record whose rows were not yet committed.
// Cost data is money: an acknowledged span must survive kill -9, a store outage and a bad disk.
//
// Layout (read back by spool-disk.ts): `<dir>/seg-<first seq>.log` segments of records
// (see spool-format.ts), plus
//   `checkpoint`    every record at or below this seq is committed (or dead-lettered);
//   `seq-reserved`  seqs below this may have been handed out: a restart starts there, so no
//                   seq is ever used twice, even one whose record was torn or corrupted.
// Concurrent appends share one fsync (group commit). A write that fails or comes up short is
// cut off again (or its segment abandoned) before anything is acknowledged, and the client gets
// 503 + Retry-After. Replay skips a corrupt record (counted, reported) and goes on after it.
import { mkdirSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../shared/durable-file.js';
import { SpoolFullError, SpoolWriteError } from '../shared/errors.js';
import {
  loadSpoolDir,
  writeNumberDurably,
  type Segment,
  type SpoolLoadReport,
} from './spool-disk.js';
import { encodeRecord, frameSize, type SpoolEncoding, type SpoolRecord } from './spool-format.js';

export type { SpoolLoadReport } from './spool-disk.js';
export type { SpoolEncoding, SpoolRecord } from './spool-format.js';

const SEGMENT_BYTES = 64 * 1024 * 1024;
/** Seqs reserved per durable write of `seq-reserved`. */
const SEQ_BLOCK = 65_536;

/** The file operations under a segment: node:fs by default; tests inject disk faults here. */
export interface SpoolFile {
  write(buffer: Buffer): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export type OpenSegment = (path: string) => Promise<SpoolFile>;

export interface SpoolOptions {
  dir: string;
  /** Bound on spooled bytes not yet committed; past it appends fail with 503. */
  maxBytes: number;
  retryAfterSeconds: number;
  /** Opens a segment for appending (default: node:fs/promises `open(path, 'a')`). */
  openSegment?: OpenSegment;
}

export interface SpoolStats {
  corruptRecords: number;
  writeErrors: number;
  checkpointErrors: number;
}

export class Spool {
  private segments: Segment[] = [];
  private handle: SpoolFile | undefined;
  /** The current segment must not take more writes (a failed write or fsync): rotate first. */
  private broken = false;
  private nextSeq = 1;
  private reservedUntil = 1;
  private checkpoint = 0;
  private checkpointScheduled = false;
  /** Frame size of every record not yet done, in seq order (insertion order is seq order). */
  private readonly outstanding = new Map<number, number>();
  private outstandingBytes = 0;
  /** Handles written since their last fsync, and rotated-away ones to close after it. */
  private readonly dirty = new Set<SpoolFile>();
  private readonly retired = new Set<SpoolFile>();
  /** Files whose fsync failed, with the error. */
  private readonly poisoned = new WeakMap<SpoolFile, unknown>();
  private pendingSync: Promise<void> | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private readonly openSegment: OpenSegment;
  readonly stats: SpoolStats = { corruptRecords: 0, writeErrors: 0, checkpointErrors: 0 };
  readonly loadReport: SpoolLoadReport = { corrupt: [], tornTails: [] };

  private constructor(private readonly options: SpoolOptions) {
    this.openSegment = options.openSegment ?? ((path) => open(path, 'a'));
  }

  static async open(options: SpoolOptions): Promise<{ spool: Spool; replay: SpoolRecord[] }> {
    mkdirSync(options.dir, { recursive: true });
    const spool = new Spool(options);
    const replay = spool.load();
    try {
      await spool.rotate();
    } catch {
      // A full disk must not keep the collector from starting and replaying: appends will
      // retry the rotation and answer 503 until it works.
      spool.broken = true;
    }
    return { spool, replay };
  }

  /** Bytes of records not yet committed (the bound applies to these). */
  get bytes(): number {
    return this.outstandingBytes;
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

  /**
   * Append and fsync a record; resolves with its sequence number once it is durable. Throws
   * SpoolFullError past the bound and SpoolWriteError when the disk fails (nothing acknowledged).
   */
  async append(encoding: SpoolEncoding, body: Buffer, meta = ''): Promise<number> {
    const frameBytes = frameSize(body.length, Buffer.byteLength(meta, 'utf8'));
    if (this.outstandingBytes + frameBytes > this.options.maxBytes) {
      throw new SpoolFullError(
        'ingest spool is full (the store is behind or unreachable)',
        this.options.retryAfterSeconds,
      );
    }
    const seq = this.takeSeq();
    const frame = encodeRecord(seq, encoding, meta, body);
    this.track(seq, frame.length);
    const write = this.writeChain.then(() => this.writeFrame(seq, frame));
    this.writeChain = write.then(
      () => undefined,
      () => undefined,
    );
    try {
      const handle = await write;
      await this.sync();
      // The file's fsync failed after this record reached it: its bytes may be gone.
      const failure = this.poisoned.get(handle);
      if (failure !== undefined) throw failure;
    } catch (err) {
      // Never acknowledged: it holds no space, and the checkpoint must not wait for it.
      this.markDone([seq]);
      this.stats.writeErrors += 1;
      throw this.writeError(err);
    }
    return seq;
  }

  /** Every row of these records is settled in the store: let the checkpoint move past them. */
  markDone(seqs: Iterable<number>): void {
    for (const seq of seqs) this.untrack(seq);
    const first = this.outstanding.keys().next();
    const next = first.done === true ? this.nextSeq - 1 : first.value - 1;
    if (next <= this.checkpoint) return;
    this.checkpoint = next;
    // One checkpoint write per tick, however many records settle in it.
    if (!this.checkpointScheduled) {
      this.checkpointScheduled = true;
      setImmediate(() => this.persistCheckpoint());
    }
  }

  async close(): Promise<void> {
    await this.writeChain;
    await this.sync();
    if (this.checkpointScheduled) this.persistCheckpoint();
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  private takeSeq(): number {
    if (this.nextSeq >= this.reservedUntil) {
      const until = this.nextSeq + SEQ_BLOCK;
      try {
        writeNumberDurably(this.options.dir, 'seq-reserved', until);
      } catch (err) {
        this.stats.writeErrors += 1;
        throw this.writeError(err);
      }
      this.reservedUntil = until;
    }
    return this.nextSeq++;
  }

  /** Write one frame to the current segment; returns the handle it went to. */
  private async writeFrame(seq: number, frame: Buffer): Promise<SpoolFile> {
    if (
      this.broken ||
      this.handle === undefined ||
      (this.current()?.bytes ?? 0) > this.segmentBytes
    )
      await this.rotate();
    const segment = this.current();
    const handle = this.handle;
    if (segment === undefined || handle === undefined) throw new Error('spool is closed');
    let written: number;
    try {
      ({ bytesWritten: written } = await handle.write(frame));
    } catch (err) {
      await this.cutBack(segment, handle);
      throw err;
    }
    if (written !== frame.length) {
      await this.cutBack(segment, handle);
      throw new Error(`short write: ${written} of ${frame.length} bytes reached the spool`);
    }
    this.dirty.add(handle);
    segment.bytes += frame.length;
    segment.lastSeq = seq;
    return handle;
  }

  /** Remove a partial frame, so records appended later are not stuck behind garbage. */
  private async cutBack(segment: Segment, handle: SpoolFile): Promise<void> {
    try {
      await handle.truncate(segment.bytes);
    } catch {
      this.broken = true; // replay resynchronizes past the garbage; never write after it
    }
  }

  /**
   * Share one fsync among the appends that arrive while one is running. Never throws: a file
   * whose fsync fails is marked poisoned, and every append that wrote to it fails (on Linux a
   * failed fsync may drop the dirty pages and a later fsync of the same file then succeeds).
   */
  private sync(): Promise<void> {
    this.pendingSync ??= (async () => {
      await new Promise((resolve) => setImmediate(resolve));
      this.pendingSync = undefined;
      await this.writeChain;
      const handles = [...this.dirty];
      this.dirty.clear();
      for (const handle of handles) {
        try {
          await handle.sync();
        } catch (err) {
          this.poisoned.set(handle, err);
          if (handle === this.handle) this.broken = true; // never write to it again
        }
        if (this.retired.delete(handle)) await handle.close().catch(() => undefined);
      }
    })();
    return this.pendingSync;
  }

  private current(): Segment | undefined {
    return this.segments[this.segments.length - 1];
  }

  private async rotate(): Promise<void> {
    const old = this.handle;
    this.handle = undefined;
    if (old !== undefined) {
      // Records written to it may still wait for their group fsync: close it after that.
      if (this.dirty.has(old)) this.retired.add(old);
      else await old.close().catch(() => undefined);
    }
    const path = join(this.options.dir, `seg-${String(this.nextSeq).padStart(16, '0')}.log`);
    this.handle = await this.openSegment(path);
    this.broken = false;
    this.segments.push({ lastSeq: this.nextSeq - 1, path, bytes: 0 });
    fsyncDir(this.options.dir);
  }

  private track(seq: number, size: number): void {
    this.outstanding.set(seq, size);
    this.outstandingBytes += size;
  }

  private untrack(seq: number): void {
    const size = this.outstanding.get(seq);
    if (size === undefined) return;
    this.outstanding.delete(seq);
    this.outstandingBytes -= size;
  }

  private writeError(err: unknown): SpoolWriteError {
    if (err instanceof SpoolWriteError) return err;
    const errno = (err as NodeJS.ErrnoException | undefined)?.code;
    const what = errno === 'ENOSPC' ? 'the disk is full' : (err as Error | undefined)?.message;
    return new SpoolWriteError(
      `cannot write the ingest spool (${what ?? 'unknown error'}); nothing was stored, retry later`,
      this.options.retryAfterSeconds,
      errno,
    );
  }

  private persistCheckpoint(): void {
    this.checkpointScheduled = false;
    try {
      writeNumberDurably(this.options.dir, 'checkpoint', this.checkpoint);
    } catch {
      // Replay then starts from an older checkpoint: more records are re-read, and calls
      // already stored are recognized and skipped. Deleting segments below still frees space.
      this.stats.checkpointErrors += 1;
    }
    while (this.segments.length > 1 && (this.segments[0]?.lastSeq ?? Infinity) <= this.checkpoint) {
      const old = this.segments.shift();
      if (old !== undefined) rmSync(old.path, { force: true });
    }
  }

  /** Read the checkpoint and every intact record after it; keep their segments until done. */
  private load(): SpoolRecord[] {
    const loaded = loadSpoolDir(this.options.dir);
    this.checkpoint = loaded.checkpoint;
    this.segments = loaded.segments;
    this.loadReport.corrupt.push(...loaded.report.corrupt);
    this.loadReport.tornTails.push(...loaded.report.tornTails);
    this.stats.corruptRecords += loaded.report.corrupt.length;
    for (const r of loaded.replay) this.track(r.seq, r.bytes);
    this.nextSeq = loaded.maxSeq + 1;
    this.reservedUntil = this.nextSeq; // this run reserves its own block before its first append
    return loaded.replay;
  }
}
