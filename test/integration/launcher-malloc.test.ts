// `llm-finops start` as users run it (bin/llm-finops.js) runs with the malloc tunables in its
// environment and the V8 flags in its arguments, in the process the caller started (same pid:
// execve, not a child), and with a user's own MALLOC_ARENA_MAX or V8 flag left as given.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MALLOC_TUNABLES } from '../../src/shared/malloc-env.js';
import { SERVER_V8_FLAGS } from '../../src/shared/v8-flags.js';
import { startCli } from '../helpers/cli.js';

function environOf(pid: number | undefined): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .filter((kv) => kv.includes('='))
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const);
  return new Map(entries);
}

async function startedEnviron(env: Record<string, string | undefined>): Promise<{
  environ: Map<string, string>;
  /** Whether the process maps libchdb.so: it is the server, not a launcher waiting on one. */
  engine: boolean;
  /** Its arguments (node's flags first). */
  argv: string[];
}> {
  const dir = mkdtempSync(join(tmpdir(), 'llm-finops-malloc-'));
  const cli = await startCli(
    ['--data-dir', dir, '--otlp-port', '0', '--otlp-grpc-port', 'off', '--api-port', '0'],
    { env },
  );
  try {
    return {
      environ: environOf(cli.child.pid),
      engine: readFileSync(`/proc/${cli.child.pid}/maps`, 'utf8').includes('libchdb'),
      argv: readFileSync(`/proc/${cli.child.pid}/cmdline`, 'utf8').split('\0'),
    };
  } finally {
    expect(await cli.stop()).toBe(0);
  }
}

describe('the launcher sets malloc tunables', () => {
  it('starts the server with them, in the pid its caller holds', async () => {
    const { environ, engine, argv } = await startedEnviron({ GLIBC_TUNABLES: undefined });
    expect(environ.get('GLIBC_TUNABLES')).toBe(MALLOC_TUNABLES);
    expect(engine).toBe(true);
    expect(argv.filter((a) => SERVER_V8_FLAGS.includes(a))).toEqual(SERVER_V8_FLAGS);
  });

  it("leaves a user's own MALLOC_ARENA_MAX as given", async () => {
    const { environ } = await startedEnviron({ GLIBC_TUNABLES: undefined, MALLOC_ARENA_MAX: '4' });
    expect(environ.get('MALLOC_ARENA_MAX')).toBe('4');
    expect(environ.has('GLIBC_TUNABLES')).toBe(false);
  });

  it("gives V8 its flags also when malloc is the user's, and leaves the user's own", async () => {
    const { argv, engine } = await startedEnviron({
      GLIBC_TUNABLES: undefined,
      MALLOC_ARENA_MAX: '4',
    });
    expect(engine).toBe(true);
    expect(argv.filter((a) => SERVER_V8_FLAGS.includes(a))).toEqual(SERVER_V8_FLAGS);
    const own = await startedEnviron({ NODE_OPTIONS: '--max-semi-space-size=8' });
    expect(own.environ.get('NODE_OPTIONS')).toBe('--max-semi-space-size=8');
    expect(own.argv.some((a) => a.includes('semi-space'))).toBe(false);
  });
});
