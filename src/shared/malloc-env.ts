// glibc malloc tunables for an llm-finops process. The embedded engine (libchdb.so) has no
// allocator of its own: it allocates through glibc's malloc, as Node does. glibc serves a block
// of 128 KiB or more with its own mmap (returned to the system when freed) until the first such
// block is freed; from then on it raises that threshold to the freed block's size (up to 32 MiB)
// and trims a heap only when twice that is free at its top. Blocks of request and insert bodies
// then land inside the arenas, and what their frees leave behind stays resident: in the soak the
// main arena held 86-182 MiB and the other threads' 44-50 MiB. A fixed threshold of 1 MiB (which
// also keeps the trim threshold at 128 KiB) left 53-59 and 10-13 MiB, CPU a span within the
// noise; 128 KiB left 37-43 and 9-12 MiB at the same RSS and more CPU a span in both runs (a
// mmap and page faults for every block from 128 KiB). README "Where the resident memory is" has
// the runs. Tunables are read once, when the process starts, so the launcher (bin/llm-finops.js)
// re-executes itself with them (process.execve: same pid) unless the user set any malloc
// tunable, which is then left exactly as given.

/** What llm-finops sets in GLIBC_TUNABLES when the user set no malloc tunable. */
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=1048576';

/** Environment variables through which a user already chose malloc's behaviour. */
const USER_MALLOC_VARS = [
  'MALLOC_ARENA_MAX',
  'MALLOC_ARENA_TEST',
  'MALLOC_TRIM_THRESHOLD_',
  'MALLOC_MMAP_THRESHOLD_',
  'MALLOC_TOP_PAD_',
  'MALLOC_MMAP_MAX_',
];

/**
 * The environment to re-execute with, or undefined to run as is: not on Linux (glibc), not when
 * the user set a malloc tunable (GLIBC_TUNABLES with glibc.malloc.*, or a MALLOC_* variable), and
 * so not a second time (the re-executed process has them). LLM_FINOPS_MALLOC_TUNABLES replaces
 * MALLOC_TUNABLES (`off`: glibc's defaults).
 */
export function mallocReexecEnv(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): NodeJS.ProcessEnv | undefined {
  if (platform !== 'linux') return undefined;
  if (USER_MALLOC_VARS.some((name) => env[name] !== undefined)) return undefined;
  const tunables = env.GLIBC_TUNABLES ?? '';
  if (tunables.includes('glibc.malloc.')) return undefined;
  const ours = env.LLM_FINOPS_MALLOC_TUNABLES ?? MALLOC_TUNABLES;
  if (ours === 'off' || ours === '') return undefined;
  return { ...env, GLIBC_TUNABLES: tunables === '' ? ours : `${tunables}:${ours}` };
}
