// The highest feed version a gateway has accepted, kept across restarts. Without it a restarted
// gateway takes any correctly signed document, so whoever can answer its poll (a stale cache, a
// rolled-back server, an attacker replaying an old response) can roll routing back to an old
// version. The store is a file (written atomically) or any load/save pair the gateway has
// (Redis, a ConfigMap, its own database). Node built-ins only.
import { open, readFile, rename, unlink } from 'node:fs/promises';

export interface FeedState {
  feed_id: string;
  version: number;
  /** The accepted document's signature: the same version may only come back byte-identical. */
  sig?: string;
}

export interface FeedStateStore {
  /** The saved state, or undefined when there is none yet. Throw when it cannot be read. */
  load(): Promise<FeedState | undefined> | FeedState | undefined;
  save(state: FeedState): Promise<void> | void;
}

const SCHEMA = 'llm-routing-feed-state/v1';

/** Check a loaded value; a malformed state is an error, never silently "no state". */
export function parseFeedState(value: unknown, source = 'feed state'): FeedState {
  const v = value as Partial<FeedState> | null;
  if (v === null || typeof v !== 'object') throw new Error(`${source} is not an object`);
  if (typeof v.feed_id !== 'string' || v.feed_id === '')
    throw new Error(`${source}: feed_id must be a non-empty string`);
  if (typeof v.version !== 'number' || !Number.isSafeInteger(v.version) || v.version < 0)
    throw new Error(`${source}: version must be a non-negative integer`);
  if (v.sig !== undefined && typeof v.sig !== 'string')
    throw new Error(`${source}: sig must be a string`);
  return { feed_id: v.feed_id, version: v.version, ...(v.sig !== undefined ? { sig: v.sig } : {}) };
}

/** A state file: JSON, replaced atomically (write, fsync, rename) so a crash leaves old or new. */
export function fileFeedState(path: string): FeedStateStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(`cannot read routing feed state ${path}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new Error(`routing feed state ${path} is not JSON (delete it to start over)`, {
          cause: err,
        });
      }
      return parseFeedState(parsed, `routing feed state ${path}`);
    },
    async save(state) {
      const tmp = `${path}.${process.pid}.tmp`;
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(
          `${JSON.stringify({ schema: SCHEMA, ...state, saved_at: new Date().toISOString() })}\n`,
        );
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(tmp, path);
      } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
    },
  };
}
