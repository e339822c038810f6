#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx's loader, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
// The server (`start`) runs with malloc tunables (src/shared/malloc-env.ts says why), which glibc
// reads only when a process starts, and with V8 flags (src/shared/v8-flags.ts), which size the
// heap when it starts: re-execute once with them, in the same pid (signals and supervisors see no
// difference), unless the user set their own. Without process.execve (Node < 22.15) it runs with
// glibc's and V8's defaults; other commands are short-lived and run as is.
if (process.argv[2] === 'start' && typeof process.execve === 'function') {
  const { mallocReexecEnv } = await import('../src/shared/malloc-env.ts');
  const { serverV8Flags } = await import('../src/shared/v8-flags.ts');
  const env = mallocReexecEnv(process.env, process.platform);
  const flags = serverV8Flags(process.env, process.execArgv);
  if (env !== undefined || flags.length > 0)
    process.execve(
      process.execPath,
      [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)],
      env ?? process.env,
    );
}
await import('../src/cli.ts');
