#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx's loader, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
// The server (`start`) runs with malloc tunables (src/shared/malloc-env.ts says why), which glibc
// reads only when a process starts: re-execute once with them, in the same pid (signals and
// supervisors see no difference), unless the user set their own. Without process.execve
// (Node < 22.15) it runs with glibc's defaults; other commands are short-lived and run as is.
if (process.argv[2] === 'start' && typeof process.execve === 'function') {
  const { mallocReexecEnv } = await import('../src/shared/malloc-env.ts');
  const env = mallocReexecEnv(process.env, process.platform);
  if (env !== undefined)
    process.execve(
      process.execPath,
      [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
      env,
    );
}
await import('../src/cli.ts');
