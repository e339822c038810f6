// The spool's directory on disk: loading it at start (checkpoint, reserved seqs, every intact
// record after the checkpoint, what was skipped) and the small durable files it keeps.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, writeFileDurably } from '../shared/durable-file.js';
import { decodeRecords, type SpoolRecord } from './spool-format.js';

/** What loading found besides intact records. */
export interface SpoolLoadReport {
  /** Byte ranges skipped because they held no intact record (a flipped byte, garbage). */
  corrupt: { file: string; offset: number; bytes: number }[];
  /** Incomplete last records (a crash mid-write: never acknowledged). */
  tornTails: { file: string; bytes: number }[];
}

export interface Segment {
  /** Highest seq written to it (first seq - 1 while empty). */
  lastSeq: number;
  path: string;
  bytes: number;
}

export interface LoadedSpool {
  checkpoint: number;
  /** The highest seq that may have been handed out: a header seen, or the reserved block. */
  maxSeq: number;
  /** Records after the checkpoint, in seq order, with their size on disk. */
  replay: (SpoolRecord & { bytes: number })[];
  /** Segments holding them (segments with nothing to replay are deleted). */
  segments: Segment[];
  report: SpoolLoadReport;
}

/** `prune: false` reads without deleting finished segments (inspecting a spool another process holds). */
export function loadSpoolDir(dir: string, { prune = true }: { prune?: boolean } = {}): LoadedSpool {
  const checkpoint = readNumber(dir, 'checkpoint');
  const out: LoadedSpool = {
    checkpoint,
    maxSeq: Math.max(checkpoint, readNumber(dir, 'seq-reserved') - 1),
    replay: [],
    segments: [],
    report: { corrupt: [], tornTails: [] },
  };
  const seen = new Set<number>();
  const files = readdirSync(dir)
    .filter((f) => /^seg-\d+\.log$/.test(f))
    .sort();
  for (const file of files) {
    const path = join(dir, file);
    const decoded = decodeRecords(readFileSync(path));
    for (const c of decoded.corrupt) out.report.corrupt.push({ file, ...c });
    if (decoded.tornTailBytes > 0)
      out.report.tornTails.push({ file, bytes: decoded.tornTailBytes });
    out.maxSeq = Math.max(out.maxSeq, decoded.maxSeq);
    let lastSeq = 0;
    for (const r of decoded.records) {
      if (r.seq <= checkpoint || seen.has(r.seq)) continue;
      seen.add(r.seq);
      out.replay.push(r);
      lastSeq = Math.max(lastSeq, r.seq);
    }
    if (lastSeq === 0) {
      if (prune) rmSync(path, { force: true });
    } else out.segments.push({ lastSeq, path, bytes: statSync(path).size });
  }
  out.replay.sort((a, b) => a.seq - b.seq);
  return out;
}

export function readNumber(dir: string, name: string): number {
  try {
    const n = Number(readFileSync(join(dir, name), 'utf8').trim());
    return Number.isSafeInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** Write a small file so that a crash leaves the old or the new value, never a torn one. */
export function writeNumberDurably(dir: string, name: string, value: number): void {
  writeFileDurably(join(dir, name), String(value), join(dir, `${name}.tmp`));
  fsyncDir(dir);
}
