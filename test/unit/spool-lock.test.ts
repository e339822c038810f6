// One process at a time on a spool: a second collector (or `spool replay`) beside a live holder is
// refused with the holder named; a holder killed with -9 on this host is taken over at once (a
// restart policy must not wait out the staleness window); a lock from another host is taken over
// only once it went stale. The holder is a real child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool } from '../../src/collector/spool.js';
import { acquireSpoolLock } from '../../src/collector/spool-lock.js';
import { SpoolLockedError } from '../../src/shared/errors.js';
import { ROOT } from '../helpers/cli.js';

const open = (dir: string) => Spool.open({ dir, maxBytes: 1 << 24, retryAfterSeconds: 1 });
const tmp = () => mkdtempSync(join(tmpdir(), 'spool-lock-'));

/** A child process that opens the spool, acknowledges one record and waits. */
async function holder(dir: string): Promise<ChildProcess> {
  const script = `
    const { Spool } = await import(${JSON.stringify(join(ROOT, 'src/collector/spool.ts'))});
    const { spool } = await Spool.open({ dir: ${JSON.stringify(dir)}, maxBytes: 1 << 24, retryAfterSeconds: 1 });
    await spool.append('json', Buffer.from('{"acked":1}'));
    process.stdout.write('ready\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`holder exited early (${String(code)})`)));
  });
  return child;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});

describe('spool lock', () => {
  it('refuses a second process while the holder lives, naming it; takes over at once after kill -9', async () => {
    const dir = tmp();
    const child = await holder(dir);
    const started = Date.now();
    const refused = await Spool.open({
      dir,
      maxBytes: 1 << 24,
      retryAfterSeconds: 1,
      lockWaitMs: 20_000,
    }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SpoolLockedError);
    expect((refused as Error).message).toContain(`pid ${String(child.pid)}`);
    // A live holder on this host is refused at once, whatever the wait allows for foreign ones.
    expect(Date.now() - started).toBeLessThan(10_000);

    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    // Well inside the 30 s staleness window: the recorded pid is gone on this host.
    const { spool, replay } = await open(dir);
    expect(replay.map((r) => r.body.toString())).toEqual(['{"acked":1}']);
    await spool.close();
  }, 60_000);

  it('refuses a second open in the same process until the first closes', async () => {
    const dir = tmp();
    const first = await open(dir);
    await expect(open(dir)).rejects.toBeInstanceOf(SpoolLockedError);
    await first.spool.close();
    const second = await open(dir);
    await second.spool.close();
  });

  it("respects another host's fresh lock, waits for it to go stale, takes over a stale one", async () => {
    const dir = tmp();
    const lockDir = join(dir, 'owner.lock');
    mkdirSync(lockDir);
    const owner = { pid: 1, host: 'another-host.example', since: new Date().toISOString() };
    writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
    const refused = await open(dir).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SpoolLockedError);
    expect((refused as Error).message).toContain('another-host.example');

    // A start waits for a foreign lock to go stale (a container recreated with a new hostname)
    // but gives up on one its holder keeps refreshing.
    const fresh = setInterval(() => utimesSync(lockDir, new Date(), new Date()), 200);
    const waited = await acquireSpoolLock(dir, { staleMs: 2_000, waitMs: 3_000 }).catch(
      (err: unknown) => err,
    );
    clearInterval(fresh);
    expect(waited).toBeInstanceOf(SpoolLockedError);
    let told = 0;
    const started = Date.now();
    const taken = await acquireSpoolLock(dir, {
      staleMs: 2_000,
      waitMs: 10_000,
      onWait: () => (told += 1),
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(told).toBe(1);
    await taken.release();

    // Not refreshed for a minute: its holder is gone.
    mkdirSync(lockDir);
    writeFileSync(join(dir, 'owner.json'), JSON.stringify(owner));
    const old = new Date(Date.now() - 60_000);
    utimesSync(lockDir, old, old);
    const { spool } = await open(dir);
    await spool.close();
  }, 30_000);
});
