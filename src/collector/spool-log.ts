// The spool's segment files as an append-only log: frames go to the current segment one at a
// time (a write chain), concurrent appends share one fsync (group commit), a write that fails or
// comes up short is cut off again (or its segment abandoned), and segments rotate at a size and
// are deleted once every record in them is settled. The bookkeeping of what is settled (seqs,
// bounds, the checkpoint) is spool.ts's.
import { rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../shared/durable-file.js';
import type { Segment } from './spool-disk.js';

/** The file operations under a segment: node:fs by default; tests inject disk faults here. */
export interface SpoolFile {
  write(buffer: Buffer): Promise<{ bytesWritten: number }>;
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export type OpenSegment = (path: string) => Promise<SpoolFile>;

export class SegmentLog {
  private handle: SpoolFile | undefined;
  /** The current segment must not take more writes (a failed write or fsync): rotate first. */
  private broken = false;
  /** Handles written since their last fsync, and rotated-away ones to close after it. */
  private readonly dirty = new Set<SpoolFile>();
  private readonly retired = new Set<SpoolFile>();
  /** Files whose fsync failed, with the error. */
  private readonly poisoned = new WeakMap<SpoolFile, unknown>();
  private pendingSync: Promise<void> | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private readonly openSegment: OpenSegment;

  constructor(
    private readonly dir: string,
    /** Segments loaded at start, oldest first (the last one is never appended to again). */
    private segments: Segment[],
    /** Rotate once the current segment holds more than this. */
    private readonly segmentBytes: number,
    /** The next seq to be handed out: a new segment is named after it. */
    private readonly nextSeq: () => number,
    openSegment?: OpenSegment,
  ) {
    this.openSegment = openSegment ?? ((path) => open(path, 'a'));
  }

  /** Bytes on disk: outstanding records plus settled ones whose segment is still in use. */
  get bytes(): number {
    return this.segments.reduce((sum, s) => sum + s.bytes, 0);
  }

  /**
   * Open a fresh segment for this run's appends. A failure (a full disk) leaves the log broken:
   * the next append retries the rotation.
   */
  async start(): Promise<void> {
    try {
      await this.rotate();
    } catch {
      this.broken = true;
    }
  }

  /**
   * Write a frame and wait for its fsync (shared with concurrent appends). Throws when the write
   * or the fsync failed: then the record may not be on disk and must not be acknowledged.
   */
  async append(seq: number, frame: Buffer): Promise<void> {
    const write = this.writeChain.then(() => this.writeFrame(seq, frame));
    this.writeChain = write.then(
      () => undefined,
      () => undefined,
    );
    const handle = await write;
    await this.sync();
    // The file's fsync failed after this record reached it: its bytes may be gone.
    const failure = this.poisoned.get(handle);
    if (failure !== undefined) throw failure;
  }

  /** Delete segments whose every record is at or below `checkpoint` (never the current one). */
  releaseThrough(checkpoint: number): void {
    while (this.segments.length > 1 && (this.segments[0]?.lastSeq ?? Infinity) <= checkpoint) {
      const old = this.segments.shift();
      if (old !== undefined) rmSync(old.path, { force: true });
    }
  }

  async close(): Promise<void> {
    await this.writeChain;
    await this.sync();
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
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

  /** Start a new segment, named after the next seq to be handed out. */
  private async rotate(): Promise<void> {
    const firstSeq = this.nextSeq();
    const old = this.handle;
    this.handle = undefined;
    if (old !== undefined) {
      // Records written to it may still wait for their group fsync: close it after that.
      if (this.dirty.has(old)) this.retired.add(old);
      else await old.close().catch(() => undefined);
    }
    const path = join(this.dir, `seg-${String(firstSeq).padStart(16, '0')}.log`);
    this.handle = await this.openSegment(path);
    this.broken = false;
    this.segments.push({ lastSeq: firstSeq - 1, path, bytes: 0 });
    fsyncDir(this.dir);
  }
}
