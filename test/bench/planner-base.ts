// The base tree of the planner A/Bs: a detached worktree of BENCH_BASE under .tmp/ (made once),
// or BENCH_BASE_DIR when given.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

export function baseDir(): string {
  if (process.env.BENCH_BASE_DIR !== undefined) return process.env.BENCH_BASE_DIR;
  const base = process.env.BENCH_BASE;
  if (base === undefined) throw new Error('set BENCH_BASE=<commit> (or BENCH_BASE_DIR=<dir>)');
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', base);
  const dir = join(ROOT, '.tmp', `planner-base-${commit.slice(0, 12)}`);
  if (!existsSync(dir)) git('worktree', 'add', '--detach', dir, commit);
  return dir;
}
