// One process at a time on a spool directory. Two collectors sharing a spool (two replicas on one
// volume against a ClickHouse server, or `spool replay` run beside a live collector) would replay
// each other's records, move each other's checkpoint and delete each other's segments: acked
// spans lost or counted twice. The embedded engine already refuses a second process on its data
// directory; a server-backed collector's data directory holds only the spool, so it needs this.
//
// proper-lockfile does the locking (an atomic mkdir, kept fresh by touching its mtime, so it works
// on network volumes and across hosts; a lock untouched for `staleMs` is taken over). Beside it an
// `owner.json` names the holder: a restart on the same host after kill -9 takes the lock at once
// when the recorded pid is gone (otherwise a restart policy would wait out the staleness window),
// and a refusal says who holds it.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import { check, lock } from 'proper-lockfile';
import { SpoolLockedError } from '../shared/errors.js';

const LOCK_NAME = 'owner.lock';
const OWNER_NAME = 'owner.json';
/** A lock not refreshed for this long is taken over (the holder crashed on another host). */
export const SPOOL_LOCK_STALE_MS = 30_000;
const WAIT_POLL_MS = 500;

export interface SpoolOwner {
  pid: number;
  host: string;
  since: string;
}

export interface SpoolLock {
  release(): Promise<void>;
}

export interface SpoolLockOptions {
  staleMs?: number;
  /** Told when the lock was lost while held (its directory removed or left stale). */
  onCompromised?: (err: Error) => void;
  /** How long to wait for a holder to go away or go stale before refusing (default 0). */
  waitMs?: number;
  /** Told once when waiting starts. */
  onWait?: (owner: SpoolOwner | undefined) => void;
}

/** Take the spool directory's lock or throw SpoolLockedError naming the holder. */
export async function acquireSpoolLock(
  dir: string,
  options: SpoolLockOptions = {},
): Promise<SpoolLock> {
  const staleMs = options.staleMs ?? SPOOL_LOCK_STALE_MS;
  const take = () =>
    lock(dir, {
      lockfilePath: join(dir, LOCK_NAME),
      realpath: false,
      stale: staleMs,
      update: Math.max(1_000, Math.floor(staleMs / 3)),
      // The default throws from a timer, which would kill the collector; losing the lock is
      // reported instead (another process decided we were stale: our event loop stalled).
      onCompromised: options.onCompromised ?? (() => undefined),
    });
  // A container recreated on the same volume has a new hostname: its predecessor's lock looks
  // foreign until it goes stale, so a collector waits that long instead of failing its start.
  const deadline = Date.now() + (options.waitMs ?? 0);
  let release = await attempt(dir, take);
  let told = false;
  while (release === undefined) {
    const owner = readSpoolOwner(dir);
    // A live holder on this host will not go stale: refuse at once (a second `start` on one
    // data directory says so in a second, not in 35).
    const live = owner?.host === hostname() || heldHere.has(resolve(dir));
    if (live || Date.now() >= deadline) throw lockedError(dir, owner, staleMs);
    if (!told) options.onWait?.(owner);
    told = true;
    await sleep(WAIT_POLL_MS);
    release = await attempt(dir, take);
  }
  const owner: SpoolOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileSync(join(dir, OWNER_NAME), `${JSON.stringify(owner)}\n`);
  const key = resolve(dir);
  heldHere.add(key);
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      heldHere.delete(key);
      await release();
    },
  };
}

/** Whether a live process holds the spool's lock (for read-only inspection). */
export async function spoolLockHolder(dir: string): Promise<SpoolOwner | 'unknown' | undefined> {
  const held = await check(dir, {
    lockfilePath: join(dir, LOCK_NAME),
    realpath: false,
    stale: SPOOL_LOCK_STALE_MS,
  });
  if (!held) return undefined;
  const owner = readSpoolOwner(dir);
  if (owner !== undefined && deadOnThisHost(dir, owner)) return undefined;
  return owner ?? 'unknown';
}

export function readSpoolOwner(dir: string): SpoolOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, OWNER_NAME), 'utf8')) as Partial<SpoolOwner>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host, since: String(parsed.since ?? '') };
  } catch {
    return undefined;
  }
}

function deadOnThisHost(dir: string, owner: SpoolOwner): boolean {
  if (owner.host !== hostname()) return false;
  // Our own pid recorded by an earlier incarnation: a container's collector is often pid 1 on
  // every start. Unless this process holds the lock itself (a second open in one process).
  if (owner.pid === process.pid) return !heldHere.has(resolve(dir));
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (err) {
    // EPERM: the process exists under another user.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** The lock, or undefined while a live holder (or one not yet stale) has it. */
async function attempt(
  dir: string,
  take: () => Promise<() => Promise<void>>,
): Promise<(() => Promise<void>) | undefined> {
  try {
    return await take();
  } catch (err) {
    if (!isLocked(err)) throw err;
  }
  const owner = readSpoolOwner(dir);
  if (owner === undefined || !deadOnThisHost(dir, owner)) return undefined;
  // The holder crashed on this host: its lock is ours to take now, not once it is stale.
  rmSync(join(dir, LOCK_NAME), { recursive: true, force: true });
  try {
    return await take();
  } catch (again) {
    if (isLocked(again)) return undefined;
    throw again;
  }
}

function isLocked(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ELOCKED';
}

function lockedError(dir: string, owner: SpoolOwner | undefined, staleMs: number): Error {
  const who =
    owner === undefined
      ? 'another process'
      : `pid ${owner.pid} on ${owner.host} since ${owner.since}`;
  return new SpoolLockedError(
    `the ingest spool ${dir} is in use by ${who}; stop that process first (a holder that crashed ` +
      `on another host is taken over after ${Math.round(staleMs / 1000)} s)`,
  );
}

/** Spool directories this process holds (to tell its own lock from an earlier incarnation's). */
const heldHere = new Set<string>();
