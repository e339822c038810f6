// The launcher's decision: re-execute with llm-finops' malloc tunables only on Linux and only
// when the user set none of their own (src/shared/malloc-env.ts).
import { describe, expect, it } from 'vitest';
import { MALLOC_TUNABLES, mallocReexecEnv } from '../../src/shared/malloc-env.js';

describe('malloc tunables for the launcher', () => {
  it('adds them to GLIBC_TUNABLES on Linux, keeping tunables of other namespaces', () => {
    expect(mallocReexecEnv({ PATH: '/bin' }, 'linux')).toEqual({
      PATH: '/bin',
      GLIBC_TUNABLES: MALLOC_TUNABLES,
    });
    expect(
      mallocReexecEnv({ GLIBC_TUNABLES: 'glibc.pthread.rseq=0' }, 'linux')?.GLIBC_TUNABLES,
    ).toBe(`glibc.pthread.rseq=0:${MALLOC_TUNABLES}`);
  });

  it('leaves a user-set malloc tunable exactly as given, and does not run twice', () => {
    expect(mallocReexecEnv({ MALLOC_ARENA_MAX: '8' }, 'linux')).toBeUndefined();
    expect(mallocReexecEnv({ MALLOC_TRIM_THRESHOLD_: '0' }, 'linux')).toBeUndefined();
    expect(
      mallocReexecEnv({ GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0' }, 'linux'),
    ).toBeUndefined();
    const once = mallocReexecEnv({}, 'linux');
    expect(once).toBeDefined();
    expect(mallocReexecEnv(once!, 'linux')).toBeUndefined();
  });

  it('takes LLM_FINOPS_MALLOC_TUNABLES instead of its own, and off for none', () => {
    const env = { LLM_FINOPS_MALLOC_TUNABLES: 'glibc.malloc.arena_max=2' };
    expect(mallocReexecEnv(env, 'linux')?.GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2');
    expect(mallocReexecEnv({ LLM_FINOPS_MALLOC_TUNABLES: 'off' }, 'linux')).toBeUndefined();
  });

  it('does nothing where glibc is not the allocator', () => {
    expect(mallocReexecEnv({}, 'darwin')).toBeUndefined();
    expect(mallocReexecEnv({}, 'win32')).toBeUndefined();
  });
});
