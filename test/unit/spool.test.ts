import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool } from '../../src/collector/spool.js';
import { SpoolFullError } from '../../src/shared/errors.js';

const open = (dir: string, maxBytes = 64 * 1024 * 1024) => Spool.open({ dir, maxBytes, retryAfterSeconds: 1 });

describe('spool', () => {
  it('replays records not marked done, with their meta, after a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const { spool, replay } = await open(dir);
    expect(replay).toEqual([]);
    const seqs = await Promise.all([1, 2, 3].map((i) => spool.append('json', Buffer.from(`body-${i}`), i === 2 ? '{"binding":{"tenant":"t"}}' : '')));
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
});
