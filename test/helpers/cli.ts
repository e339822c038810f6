// The CLI as users run it: `bin/llm-finops.js` in a child process, its exit code, stdout and
// stderr. For start-up tests (what a person sees when something is wrong) and runs of the
// shipped sample config.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/llm-finops.js', import.meta.url));

export interface CliOptions {
  cwd?: string;
  /** Replaces these variables; `undefined` removes one. LLM_FINOPS_* and CLICKHOUSE_* are cleared. */
  env?: Record<string, string | undefined>;
}

function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(LLM_FINOPS_|CLICKHOUSE_)/.test(k)) env[k] = v;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function spawnCli(args: string[], options: CliOptions = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv(options.env),
  });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run to completion (killed after `timeoutMs`: a start-up error must end the process). */
export function runCli(
  args: string[],
  options: CliOptions & { timeoutMs?: number } = {},
): Promise<CliResult> {
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
}

export interface StartedCli {
  child: ChildProcess;
  otlpPort: number;
  /** NaN when gRPC is off. */
  otlpGrpcPort: number;
  apiPort: number;
  /** Everything written so far (JSON log lines). */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** `start ...` until its "llm-finops started" line; the ports come from that line. */
export function startCli(
  args: string[],
  options: CliOptions & { timeoutMs?: number } = {},
): Promise<StartedCli> {
  const child = spawnCli(['start', ...args], {
    ...options,
    env: { LOG_LEVEL: 'info', ...options.env },
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => resolve(code)),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`start did not report started:\n${out}`));
    }, options.timeoutMs ?? 120_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"msg":"llm-finops started"'));
      if (line === undefined) return;
      clearTimeout(timer);
      const started = JSON.parse(line) as { otlp: string; otlp_grpc: string; api: string };
      const port = (hostPort: string): number =>
        Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
      resolve({
        child,
        otlpPort: port(started.otlp),
        otlpGrpcPort: port(started.otlp_grpc),
        apiPort: port(started.api),
        output: () => out,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`start exited with ${code}:\n${out}`));
    });
  });
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
