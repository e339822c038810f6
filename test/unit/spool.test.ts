import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool } from '../../src/collector/spool.js';
import { SpoolFullError } from '../../src/shared/errors.js';

const open = (dir: string, maxBytes = 64 * 1024 * 1024) =>
  Spool.open({ dir, maxBytes, retryAfterSeconds: 1 });

describe('spool', () => {
  it('replays records not marked done, with their meta, after a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
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
    expect(await again.spool.append('protobuf', Buffer.from('next'))).toBe(4);
    await again.spool.close();
  });

  it('ignores a torn tail record (a crash mid-write was never acknowledged)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const { spool } = await open(dir);
    await spool.append('json', Buffer.from('complete'));
    await spool.close();
    const segment = readdirSync(dir).find((f) => f.startsWith('seg-'));
    appendFileSync(join(dir, segment ?? ''), Buffer.from([0x53, 0x4d, 0x4c, 0x4c, 9, 9]));
    const again = await open(dir);
    expect(again.replay.map((r) => r.body.toString())).toEqual(['complete']);
    await again.spool.close();
  });

  it('refuses with SpoolFullError past its bound, and deletes segments once all is done', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
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
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
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
    }
    // 40 fills of ~2 MiB went through, yet disk holds at most the bound plus one segment.
    expect(accepted).toBeGreaterThan(40 * 15);
    expect(refused).toBe(40);
    expect(spool.diskBytes).toBeLessThanOrEqual(maxBytes + 1024 * 1024 + body.length + 64);
    await spool.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('seg-')).length).toBeLessThanOrEqual(3);
  });
});
