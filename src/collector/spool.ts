// The ingest spool: a write-ahead log of accepted OTLP request bodies, fsynced before the
// collector answers 200, replayed at start for every record whose rows were not yet committed.
// Cost data is money: an acknowledged span must survive kill -9, a store outage and a bad disk.
//
// Layout (read back by spool-disk.ts): `<dir>/seg-<first seq>.log` segments of records
// (see spool-format.ts), plus
//   `checkpoint`    every record at or below this seq is committed (or dead-lettered);
//   `seq-reserved`  seqs below this may have been handed out: a restart starts there, so no
//                   seq is ever used twice, even one whose record was torn or corrupted.
// The segment files, their group fsync and what happens when a write fails are spool-log.ts's;
// this file keeps the bound, the seqs and the checkpoint. A failed write is never acknowledged:
// the client gets 503 + Retry-After. Replay skips a corrupt record (counted, reported) and goes
// on after it.
import { mkdirSync } from 'node:fs';
import { SpoolFullError, SpoolWriteError } from '../shared/errors.js';
import { loadSpoolDir, writeNumberDurably, type SpoolLoadReport } from './spool-disk.js';
import { encodeRecord, frameSize, type SpoolEncoding, type SpoolRecord } from './spool-format.js';
import { SegmentLog, type OpenSegment } from './spool-log.js';
import { acquireSpoolLock, type SpoolLock, type SpoolOwner } from './spool-lock.js';

export type { SpoolLoadReport } from './spool-disk.js';
export type { SpoolEncoding, SpoolRecord } from './spool-format.js';
export type { OpenSegment, SpoolFile } from './spool-log.js';

const SEGMENT_BYTES = 64 * 1024 * 1024;
/** Seqs reserved per durable write of `seq-reserved`. */
const SEQ_BLOCK = 65_536;

export interface SpoolOptions {
  dir: string;
  /** Bound on spooled bytes not yet committed; past it appends fail with 503. */
  maxBytes: number;
  retryAfterSeconds: number;
  /** Opens a segment for appending (default: node:fs/promises `open(path, 'a')`). */
  openSegment?: OpenSegment;
  /** Told if another process took the directory's lock while this one held it. */
  onLockLost?: (err: Error) => void;
  /** Wait this long for another holder to stop or go stale (a collector start); default 0. */
  lockWaitMs?: number;
  onLockWait?: (owner: SpoolOwner | undefined) => void;
}

export interface SpoolStats {
  corruptRecords: number;
  writeErrors: number;
  checkpointErrors: number;
}

export class Spool {
  private log!: SegmentLog;
  private lock: SpoolLock | undefined;
  private nextSeq = 1;
  private reservedUntil = 1;
  private checkpoint = 0;
  private checkpointScheduled = false;
  /** Frame size of every record not yet done, in seq order (insertion order is seq order). */
  private readonly outstanding = new Map<number, number>();
  private outstandingBytes = 0;
  readonly stats: SpoolStats = { corruptRecords: 0, writeErrors: 0, checkpointErrors: 0 };
  readonly loadReport: SpoolLoadReport = { corrupt: [], tornTails: [] };

  private constructor(private readonly options: SpoolOptions) {}

  static async open(options: SpoolOptions): Promise<{ spool: Spool; replay: SpoolRecord[] }> {
    mkdirSync(options.dir, { recursive: true });
    // Before reading anything: a second process must not replay, checkpoint or delete what the
    // holder still owns (throws SpoolLockedError naming the holder).
    const lock = await acquireSpoolLock(options.dir, {
      ...(options.onLockLost ? { onCompromised: options.onLockLost } : {}),
      ...(options.lockWaitMs !== undefined ? { waitMs: options.lockWaitMs } : {}),
      ...(options.onLockWait ? { onWait: options.onLockWait } : {}),
    });
    const spool = new Spool(options);
    spool.lock = lock;
    let replay: SpoolRecord[];
    try {
      replay = spool.load();
    } catch (err) {
      await lock.release();
      throw err;
    }
    // A full disk must not keep the collector from starting and replaying: appends will retry
    // the rotation and answer 503 until it works.
    await spool.log.start();
    return { spool, replay };
  }

  /** Bytes of records not yet committed (the bound applies to these). */
  get bytes(): number {
    return this.outstandingBytes;
  }

  /** Bytes on disk: outstanding records plus committed ones whose segment is still in use. */
  get diskBytes(): number {
    return this.log.bytes;
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
    try {
      await this.log.append(seq, frame);
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
    await this.log.close();
    if (this.checkpointScheduled) this.persistCheckpoint();
    await this.lock?.release();
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
    this.log.releaseThrough(this.checkpoint);
  }

  /** Read the checkpoint and every intact record after it; keep their segments until done. */
  private load(): SpoolRecord[] {
    const loaded = loadSpoolDir(this.options.dir);
    this.checkpoint = loaded.checkpoint;
    this.log = new SegmentLog(
      this.options.dir,
      loaded.segments,
      this.segmentBytes,
      () => this.nextSeq,
      this.options.openSegment,
    );
    this.loadReport.corrupt.push(...loaded.report.corrupt);
    this.loadReport.tornTails.push(...loaded.report.tornTails);
    this.stats.corruptRecords += loaded.report.corrupt.length;
    for (const r of loaded.replay) this.track(r.seq, r.bytes);
    this.nextSeq = loaded.maxSeq + 1;
    this.reservedUntil = this.nextSeq; // this run reserves its own block before its first append
    return loaded.replay;
  }
}
