// Secure by default: a listener reachable beyond this machine must authenticate. Start refuses
// a collector bound beyond loopback without ingest keys (anyone could write spans, i.e. invent
// spend) and an API without API keys (anyone could read every tenant's costs), unless the
// operator says `--insecure`; then the risk is logged at start and reported on /healthz.
import { BlockList, isIP } from 'node:net';
import type { Config } from './config.js';
import { ConfigError } from './errors.js';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** True only for hosts that cannot be reached from another machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)?.[1];
  if (mapped !== undefined) return LOOPBACK.check(mapped, 'ipv4');
  const family = isIP(h);
  if (family === 0) return false; // '', 0.0.0.0-style wildcards are IPs; any other name may resolve anywhere
  return LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

export interface Listeners {
  collector: boolean;
  api: boolean;
}

interface Exposure {
  part: string;
  where: string;
  missing: string;
  why: string;
}

function exposures(config: Config, listeners: Listeners): Exposure[] {
  const out: Exposure[] = [];
  const { collector, api, security } = config;
  if (listeners.collector && !isLoopbackHost(collector.host) && security.ingest_keys.length === 0)
    out.push({
      part: 'collector',
      where: `${collector.host}:${collector.port} (collector.host)`,
      missing: 'security.ingest_keys',
      why: 'anyone who can reach it can write spans and invent spend',
    });
  if (listeners.api && !isLoopbackHost(api.host) && security.api_keys.length === 0)
    out.push({
      part: 'API',
      where: `${api.host}:${api.port} (api.host)`,
      missing: 'security.api_keys',
      why: "anyone who can reach it can read every tenant's costs and the routing feed",
    });
  return out;
}

/**
 * Throw a ConfigError for an unauthenticated listener beyond loopback; with
 * `security.insecure` return the warnings to log and report instead.
 */
export function checkExposure(config: Config, listeners: Listeners): string[] {
  const found = exposures(config, listeners);
  if (found.length === 0) return [];
  if (config.security.insecure)
    return found.map(
      (e) =>
        `INSECURE: the ${e.part} listens on ${e.where} without ${e.missing}: ${e.why} (--insecure / security.insecure is set)`,
    );
  const lines = found.map(
    (e) => `  the ${e.part} would listen on ${e.where} without ${e.missing}: ${e.why}`,
  );
  throw new ConfigError(
    `refusing to listen beyond loopback without keys:\n${lines.join('\n')}\n` +
      'Configure the keys (`llm-finops keys generate` prints a key and the key_sha256 to paste), ' +
      'or bind to 127.0.0.1 (--host), or pass --insecure (security.insecure: true) to accept the risk.',
  );
}
