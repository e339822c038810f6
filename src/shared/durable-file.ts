// Small files that must survive a crash whole: written to a temporary name, fsynced, then renamed
// over the old one, so a reader finds the old content or the new, never a torn mix.
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';

/** Replace `path` with `text` atomically; `tmp` is the scratch name (same directory). */
export function writeFileDurably(path: string, text: string, tmp = `${path}.tmp`): void {
  writeFileSync(tmp, text);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Make a rename in `dir` durable (where the filesystem allows fsync on a directory). */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    fsyncSync(fd);
    closeSync(fd);
  } catch {
    // some filesystems do not allow fsync on directories; the data files are still synced
  }
}
