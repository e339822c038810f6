// Start-up failures a person can fix, in one sentence each that names the flag, config key or
// environment variable to change: a port in use, a data directory held by another process, a
// ClickHouse server that cannot be reached or refuses the credentials. Anything else is passed
// through unchanged. The engine's and the client's own errors are matched by code, never by
// importing them, so this module stays below storage.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, StartupError } from './errors.js';

/** One listening socket and the settings that move it. */
export interface Listener {
  /** What listens, in words: "OTLP collector", "analytics API". */
  name: string;
  host: string;
  port: number;
  portSetting: string;
  hostSetting: string;
}

export const COLLECTOR_SETTINGS = {
  name: 'OTLP collector',
  portSetting: '--otlp-port (config collector.port)',
  hostSetting: '--host (config collector.host)',
} as const;

export const GRPC_SETTINGS = {
  name: 'OTLP/gRPC collector',
  portSetting: '--otlp-grpc-port (config collector.grpc_port; off / false turns it off)',
  hostSetting: '--host (config collector.host)',
} as const;

export const API_SETTINGS = {
  name: 'analytics API',
  portSetting: '--api-port (config api.port)',
  hostSetting: '--host (config api.host)',
} as const;

const DATA_DIR_SETTING = '--data-dir (config storage.data_dir, env LLM_FINOPS_DATA_DIR)';

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim();
}

export function listenFailure(err: unknown, l: Listener): unknown {
  const at = `${l.host}:${l.port}`;
  switch (codeOf(err)) {
    case 'EADDRINUSE':
      return new StartupError(
        `cannot listen on ${at} for the ${l.name}: the port is in use (another llm-finops or another program). Choose a free port with ${l.portSetting}, or stop what holds it`,
      );
    case 'EACCES':
      return new StartupError(
        `cannot listen on ${at} for the ${l.name}: permission denied (ports below 1024 need privileges). Choose another port with ${l.portSetting}`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(
        `cannot listen on ${at} for the ${l.name}: ${l.host} is not an address of this machine. Change ${l.hostSetting}`,
      );
    default:
      return err;
  }
}

/**
 * The process holding the embedded store's lock on `dir`, when there is one. ClickHouse writes
 * its pid into `<dir>/status` and holds an flock on that file while it runs; on Linux
 * /proc/locks shows the lock (pid and inode), so a live holder is told apart from a status file
 * a crashed process left behind. Elsewhere (no /proc) this answers undefined.
 */
export function dataDirHolder(dir: string): number | undefined {
  let pid: number;
  let inode: number;
  try {
    const status = resolve(dir, 'status');
    const match = /^PID:\s*(\d+)/m.exec(readFileSync(status, 'utf8'));
    if (match === null) return undefined;
    pid = Number(match[1]);
    inode = statSync(status).ino;
    if (pid === process.pid) return undefined;
    const locks = readFileSync('/proc/locks', 'utf8');
    // "1: FLOCK  ADVISORY  WRITE 12345 08:01:1234567 0 EOF": pid, then maj:min:inode.
    const held = locks.split('\n').some((line) => {
      const f = line.trim().split(/\s+/);
      return f[1] === 'FLOCK' && Number(f[4]) === pid && Number(f[5]?.split(':')[2]) === inode;
    });
    return held ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function dataDirInUse(dir: string, pid: number): StartupError {
  return new StartupError(
    `the data directory ${resolve(dir)} is in use by another process (pid ${pid}): the embedded store opens in one process at a time. Stop that process or give this one its own ${DATA_DIR_SETTING}; to share one store, run a ClickHouse server and set CLICKHOUSE_URL`,
  );
}

const FS_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'ENOSPC', 'ELOOP']);

export function embeddedStoreFailure(err: unknown, dir: string): unknown {
  if (err instanceof ConfigError || err instanceof StartupError) return err;
  const holder = dataDirHolder(dir);
  if (holder !== undefined) return dataDirInUse(dir, holder);
  const code = codeOf(err);
  const name = (err as { name?: unknown } | null)?.name;
  if ((code !== undefined && FS_CODES.has(code)) || name === 'ChdbConnectionError')
    return new StartupError(
      `cannot open the embedded store in ${resolve(dir)}: ${messageOf(err)}. Check the directory (permissions, free space, not used by another process) or choose another with ${DATA_DIR_SETTING}`,
    );
  return err;
}

/** The URL without its password (a URL may carry credentials). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/([^/@]*):[^/@]*@/, '//$1:***@');
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPROTO',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);
// ClickHouse server codes: UNKNOWN_USER, WRONG_PASSWORD, REQUIRED_PASSWORD, AUTHENTICATION_FAILED.
const AUTH_CODES = new Set(['192', '193', '194', '516']);

/** A CLICKHOUSE_URL the client cannot use at all, said before it is tried. */
export function serverUrlProblem(url: string): StartupError | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = '';
  }
  if (protocol === 'http:' || protocol === 'https:') return undefined;
  return new StartupError(
    `CLICKHOUSE_URL=${safeUrl(url)} is not an http(s) URL: set it to the server's HTTP interface, e.g. http://localhost:8123, or unset it to use the embedded store`,
  );
}

export function clickhouseFailure(err: unknown, url: string): unknown {
  if (err instanceof ConfigError || err instanceof StartupError) return err;
  const where = `ClickHouse at CLICKHOUSE_URL=${safeUrl(url)}`;
  const code = codeOf(err);
  const message = messageOf(err);
  if ((code !== undefined && NETWORK_CODES.has(code)) || /timeout/i.test(message)) {
    const cause = code !== undefined && !message.includes(code) ? `${code}: ${message}` : message;
    return new StartupError(
      `cannot reach ${where} (${cause}). Start the server or correct CLICKHOUSE_URL; unset it to use the embedded store`,
    );
  }
  if (code !== undefined && AUTH_CODES.has(code))
    return new StartupError(
      `${where} refused the credentials (${message}). Set CLICKHOUSE_USER and CLICKHOUSE_PASSWORD`,
    );
  return new StartupError(`cannot use ${where}: ${message}`);
}
