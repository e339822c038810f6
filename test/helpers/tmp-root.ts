import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: the whole run's temporary files live under one directory that is removed
 * when the run ends. Test files create data directories, spools, sockets and config files with
 * `mkdtemp(tmpdir())` and a crash or a failed assertion skips their own clean-up; a full run used
 * to leave about 2,000 directories (tens of GB of chDB data) in /tmp. Setting TMPDIR here, before
 * the worker processes fork, points every `os.tmpdir()` in them (and in the servers they spawn)
 * at the run's root.
 */
export function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'llm-finops-vitest-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    // KEEP_TEST_TMP=1 leaves the run's files for a post-mortem.
    if (process.env.KEEP_TEST_TMP === '1') return;
    rmSync(root, { recursive: true, force: true });
  };
}
