// The spool on a real filesystem, with disk faults injected under it (the SpoolFile seam:
// ENOSPC on write, short writes, EIO on fsync) and bytes flipped in its segments: an append that
// was acknowledged is always replayed, one that failed never was acknowledged, a corrupt record
// costs that record only, and no sequence number is handed out twice.
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Spool, type OpenSegment, type SpoolFile } from '../../src/collector/spool.js';
import { SpoolFullError, SpoolWriteError, UnavailableError } from '../../src/shared/errors.js';

const open = (dir: string, maxBytes = 64 * 1024 * 1024, openSegment?: OpenSegment) =>
  Spool.open({ dir, maxBytes, retryAfterSeconds: 1, ...(openSegment ? { openSegment } : {}) });
const tmp = () => mkdtempSync(join(tmpdir(), 'spool-'));
const segments = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith('seg-'))
    .sort();

function flip(data: Buffer, at: number, mask: number): void {
  data.writeUInt8(data.readUInt8(at) ^ mask, at);
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected`), { code });
}

interface Faults {
  /** Called before each write (1-based count); return a fault to inject. */
  write?: (n: number) => 'enospc' | 'short' | undefined;
  sync?: (n: number) => 'eio' | undefined;
  truncateFails?: boolean;
}

/** Real files, with the faults a full or failing disk produces injected on demand. */
function faulty(faults: Faults): OpenSegment {
  let writes = 0;
  let syncs = 0;
  return async (path) => {
    const real = await openFile(path, 'a');
    const file: SpoolFile = {
      async write(buffer) {
        writes += 1;
        const fault = faults.write?.(writes);
        if (fault === 'enospc') {
          // A full disk may take part of the frame before it refuses.
          await real.write(buffer.subarray(0, 5));
          throw errno('ENOSPC');
        }
        if (fault === 'short') {
          const { bytesWritten } = await real.write(buffer.subarray(0, buffer.length >> 1));
          return { bytesWritten };
        }
        return real.write(buffer);
      },
      async sync() {
        syncs += 1;
        if (faults.sync?.(syncs) === 'eio') throw errno('EIO');
        await real.sync();
      },
      async truncate(length) {
        if (faults.truncateFails) throw errno('EIO');
        await real.truncate(length);
      },
      close: () => real.close(),
    };
    return file;
  };
}

/** Append, remembering what was acknowledged and what failed. */
async function appendAll(spool: Spool, bodies: string[]) {
  const acked = new Map<number, string>();
  const failed: unknown[] = [];
  for (const body of bodies) {
    try {
      acked.set(await spool.append('json', Buffer.from(body)), body);
    } catch (err) {
      failed.push(err);
    }
  }
  return { acked, failed };
}

describe('spool', () => {
  it('replays records not marked done, with their meta, after a reopen', async () => {
    const dir = tmp();
    const { spool, replay } = await open(dir);
    expect(replay).toEqual([]);
    const seqs = await Promise.all(
      [1, 2, 3].map((i) =>
        spool.append('json', Buffer.from(`body-${i}`), i === 2 ? '{"binding":{"tenant":"t"}}' : ''),
      ),
    );
    expect(seqs).toEqual([1, 2, 3]);
    spool.markDone([1, 3]);
    await spool.close();
    const again = await open(dir);
    expect(again.replay.map((r) => [r.seq, r.body.toString(), r.meta])).toEqual([
      [2, 'body-2', '{"binding":{"tenant":"t"}}'],
      [3, 'body-3', ''],
    ]);
    // A restart starts past every seq the last run may have handed out (its reserved block).
    expect(await again.spool.append('protobuf', Buffer.from('next'))).toBeGreaterThan(3);
    await again.spool.close();
  });

  it('moves the checkpoint only past records that are done, gaps included', async () => {
    const dir = tmp();
    const { spool } = await open(dir);
    const { acked } = await appendAll(spool, ['a', 'b', 'c', 'd']);
    spool.markDone([2, 4]); // 1 outstanding: the checkpoint stays at 0
    await new Promise((resolve) => setImmediate(resolve));
    expect(readdirSync(dir)).not.toContain('checkpoint');
    spool.markDone([1]);
    await spool.close();
    expect(readFileSync(join(dir, 'checkpoint'), 'utf8')).toBe('2');
    const again = await open(dir);
    // Past the checkpoint everything is replayed, done or not: the collector recognizes calls
    // already stored, so replaying 'd' again writes nothing twice.
    expect(again.replay.map((r) => r.body.toString())).toEqual(['c', 'd']);
    expect(acked.size).toBe(4);
    await again.spool.close();
  });

  it('ignores a torn tail record (a crash mid-write was never acknowledged)', async () => {
    const dir = tmp();
    const { spool } = await open(dir);
    await spool.append('json', Buffer.from('complete'));
    await spool.close();
    const [segment] = segments(dir);
    appendFileSync(join(dir, segment ?? ''), Buffer.from([0x4c, 0x4c, 0x4d, 0x32, 9, 9]));
    const again = await open(dir);
    expect(again.replay.map((r) => r.body.toString())).toEqual(['complete']);
    expect(again.spool.loadReport.tornTails).toHaveLength(1);
    expect(again.spool.stats.corruptRecords).toBe(0);
    await again.spool.close();
  });

  it('skips one record with a flipped body byte and replays every record after it', async () => {
    const dir = tmp();
    const { spool } = await open(dir);
    const { acked } = await appendAll(spool, ['one', 'two', 'three', 'four', 'five']);
    await spool.close();
    const path = join(dir, segments(dir)[0] ?? '');
    const data = readFileSync(path);
    flip(data, data.indexOf('three') + 2, 0x20);
    writeFileSync(path, data);
    const again = await open(dir);
    expect(again.replay.map((r) => r.body.toString())).toEqual(['one', 'two', 'four', 'five']);
    expect(again.spool.stats.corruptRecords).toBe(1);
    expect(again.spool.loadReport.corrupt).toHaveLength(1);
    expect(acked.size).toBe(5);
    await again.spool.close();
  });

  it('skips a record whose length field is flipped (header checksum) and replays the rest', async () => {
    const dir = tmp();
    const { spool } = await open(dir);
    await appendAll(spool, ['one', 'two', 'three', 'four']);
    await spool.close();
    const path = join(dir, segments(dir)[0] ?? '');
    const data = readFileSync(path);
    const second = data.indexOf('two') - 27; // its header
    flip(data, second + 17, 0x01); // a high byte of the body length: the frame would run past the file
    writeFileSync(path, data);
    const again = await open(dir);
    expect(again.replay.map((r) => r.body.toString())).toEqual(['one', 'three', 'four']);
    expect(again.spool.stats.corruptRecords).toBe(1);
    await again.spool.close();
  });

  it('still reads records written in the version-1 format', async () => {
    const dir = tmp();
    const v1 = (seq: number, body: string): Buffer => {
      const b = Buffer.from(body);
      const h = Buffer.alloc(23);
      h.writeUInt32LE(0x4c4c4d53, 0);
      h.writeBigUInt64LE(BigInt(seq), 4);
      h.writeUInt8(2, 12);
      h.writeUInt16LE(0, 13);
      h.writeUInt32LE(b.length, 15);
      h.writeUInt32LE(crc32(b, crc32(Buffer.alloc(0))), 19);
      return Buffer.concat([h, b]);
    };
    writeFileSync(
      join(dir, 'seg-0000000000000001.log'),
      Buffer.concat([v1(1, 'old-1'), v1(2, 'old-2')]),
    );
    const { spool, replay } = await open(dir);
    expect(replay.map((r) => [r.seq, r.body.toString()])).toEqual([
      [1, 'old-1'],
      [2, 'old-2'],
    ]);
    expect(await spool.append('json', Buffer.from('new'))).toBeGreaterThan(2);
    await spool.close();
  });

  it('never hands out a seq twice across restarts, torn tails and corrupt frames', async () => {
    const dir = tmp();
    const all: number[] = [];
    for (let round = 0; round < 4; round += 1) {
      const { spool } = await open(dir);
      const { acked } = await appendAll(spool, ['a', 'b', 'c']);
      all.push(...acked.keys());
      await spool.close();
      const last = segments(dir).at(-1) ?? '';
      const path = join(dir, last);
      const data = readFileSync(path);
      if (round % 2 === 0) {
        flip(data, data.length - 3, 0xff); // corrupt the newest record (its seq unreadable after)
        flip(data, data.length - 10, 0xff);
        writeFileSync(path, data);
      } else {
        writeFileSync(path, data.subarray(0, data.length - 2)); // torn newest record
      }
    }
    expect(new Set(all).size).toBe(all.length);
  });

  it('answers a full disk with SpoolWriteError (503), keeps every acknowledged record', async () => {
    const dir = tmp();
    const { spool } = await open(
      dir,
      64 * 1024 * 1024,
      faulty({ write: (n) => (n === 3 || n === 4 ? 'enospc' : undefined) }),
    );
    const { acked, failed } = await appendAll(spool, ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    expect(failed).toHaveLength(2);
    for (const err of failed) {
      expect(err).toBeInstanceOf(SpoolWriteError);
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as SpoolWriteError).errno).toBe('ENOSPC');
      expect((err as SpoolWriteError).retryAfterSeconds).toBe(1);
    }
    expect([...acked.values()]).toEqual(['r1', 'r2', 'r5', 'r6']);
    expect(spool.stats.writeErrors).toBe(2);
    await spool.close();
    const again = await open(dir);
    expect(again.replay.map((r) => r.body.toString())).toEqual(['r1', 'r2', 'r5', 'r6']);
    expect(again.spool.stats.corruptRecords).toBe(0); // the partial frames were cut off
    await again.spool.close();
  });

  it('detects a short write before acknowledging and cuts the partial frame off', async () => {
    const dir = tmp();
    const { spool } = await open(
      dir,
      64 * 1024 * 1024,
      faulty({ write: (n) => (n === 2 ? 'short' : undefined) }),
    );
    const { acked, failed } = await appendAll(spool, ['first', 'second', 'third']);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toBeInstanceOf(SpoolWriteError);
    expect((failed[0] as Error).message).toMatch(/short write/);
    expect([...acked.values()]).toEqual(['first', 'third']);
    await spool.close();
    const path = join(dir, segments(dir)[0] ?? '');
    expect(statSync(path).size).toBe(2 * 27 + 'first'.length + 'third'.length);
    const again = await open(dir);
    expect(again.replay.map((r) => r.body.toString())).toEqual(['first', 'third']);
    await again.spool.close();
  });

  it('abandons a segment it cannot cut back; replay resynchronizes past the garbage', async () => {
    const dir = tmp();
    const faults = faulty({ write: (n) => (n === 2 ? 'short' : undefined), truncateFails: true });
    const { spool } = await open(dir, 64 * 1024 * 1024, faults);
    const { acked } = await appendAll(spool, ['first', 'second', 'third', 'fourth']);
    expect([...acked.values()]).toEqual(['first', 'third', 'fourth']);
    await spool.close();
    expect(segments(dir).length).toBe(2); // third and fourth went to a fresh segment
    const again = await open(dir);
    expect(again.replay.map((r) => r.body.toString())).toEqual(['first', 'third', 'fourth']);
    await again.spool.close();
  });

  it('fails the appends of a group whose fsync hits EIO and never writes to that file again', async () => {
    const dir = tmp();
    const { spool } = await open(
      dir,
      64 * 1024 * 1024,
      faulty({ sync: (n) => (n === 2 ? 'eio' : undefined) }),
    );
    const first = await appendAll(spool, ['a']);
    const group = await Promise.allSettled(
      ['b', 'c'].map((b) => spool.append('json', Buffer.from(b))),
    );
    const later = await appendAll(spool, ['d']);
    expect(first.acked.size).toBe(1);
    for (const r of group) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(SpoolWriteError);
      expect(((r as PromiseRejectedResult).reason as SpoolWriteError).errno).toBe('EIO');
    }
    expect([...later.acked.values()]).toEqual(['d']);
    await spool.close();
    expect(segments(dir).length).toBe(2);
    const again = await open(dir);
    const replayed = again.replay.map((r) => r.body.toString());
    // Acknowledged records are all there; b and c may be too (they reached the file, unacknowledged).
    expect(replayed).toEqual(expect.arrayContaining(['a', 'd']));
    await again.spool.close();
  });

  it('refuses with SpoolFullError past its bound, and deletes segments once all is done', async () => {
    const dir = tmp();
    const { spool } = await open(dir, 1024 * 1024);
    const big = Buffer.alloc(600 * 1024, 1);
    const seq = await spool.append('json', big);
    await expect(spool.append('json', big)).rejects.toBeInstanceOf(SpoolFullError);
    spool.markDone([seq]);
    await spool.close();
    const again = await open(dir, 1024 * 1024);
    expect(again.replay).toEqual([]);
    await again.spool.close();
  });

  it('reclaims committed space while running: a spool no larger than a segment keeps accepting', async () => {
    // Regression: the bound used to count whole segment files, and a segment is only released
    // once rotated; with the bound at or below the segment size the spool refused forever.
    const dir = tmp();
    const maxBytes = 2 * 1024 * 1024;
    const { spool } = await open(dir, maxBytes);
    const body = Buffer.alloc(100 * 1024, 7);
    let accepted = 0;
    let refused = 0;
    for (let round = 0; round < 40; round += 1) {
      const seqs: number[] = [];
      for (;;) {
        try {
          seqs.push(await spool.append('protobuf', body));
        } catch (err) {
          expect(err).toBeInstanceOf(SpoolFullError);
          refused += 1;
          break;
        }
      }
      expect(seqs.length).toBeGreaterThanOrEqual(15); // ~20 x 100 KiB fit in 2 MiB
      accepted += seqs.length;
      expect(spool.bytes).toBeLessThanOrEqual(maxBytes);
      spool.markDone(seqs);
      expect(spool.bytes).toBe(0);
      await new Promise((resolve) => setImmediate(resolve)); // the checkpoint write frees segments
    }
    // 40 fills of ~2 MiB went through, yet disk holds at most the bound plus one segment.
    expect(accepted).toBeGreaterThan(40 * 15);
    expect(refused).toBe(40);
    expect(spool.diskBytes).toBeLessThanOrEqual(maxBytes + 1024 * 1024 + body.length + 64);
    await spool.close();
    expect(segments(dir).length).toBeLessThanOrEqual(3);
  });
});
