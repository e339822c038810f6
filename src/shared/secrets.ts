// Secret references in config values, resolved when the file is loaded: `${env:NAME}` takes an
// environment variable, `${file:PATH}` the content of a file (Docker and Kubernetes secrets are
// files; a relative PATH is relative to the config file). A reference may sit inside a longer
// string (`Bearer ${env:TOKEN}`); `$${` writes a literal `${`. Resolved text is never scanned
// again, and errors name the key and the reference, never a value.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { EnvLookup } from './env.js';
import { ConfigError } from './errors.js';

export interface SecretSources {
  env: EnvLookup;
  /** Directory relative `${file:...}` paths start from (the config file's). */
  baseDir?: string;
  readFile?: (path: string) => string;
}

export interface ResolvedConfig {
  value: unknown;
  /** Every value a reference produced, so error messages can be scrubbed of them. */
  secrets: string[];
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Replace every reference in every string value of a parsed config document. */
export function resolveSecrets(raw: unknown, sources: SecretSources): ResolvedConfig {
  const secrets: string[] = [];
  const walk = (value: unknown, path: string[]): unknown => {
    if (typeof value === 'string') return resolveString(value, path, sources, secrets);
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, String(i)]));
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          walk(v, [...path, k]),
        ]),
      );
    return value;
  };
  return { value: walk(raw, []), secrets };
}

function resolveString(
  text: string,
  path: string[],
  sources: SecretSources,
  secrets: string[],
): string {
  if (!text.includes('${')) return text;
  const key = path.length > 0 ? path.join('.') : '(root)';
  return text.replace(REFERENCE, (match, body: string | undefined) => {
    if (body === undefined) return '${'; // the $${ escape
    const value = lookup(body, key, sources);
    secrets.push(value);
    return value;
  });
}

function lookup(body: string, key: string, sources: SecretSources): string {
  const colon = body.indexOf(':');
  const scheme = colon < 0 ? '' : body.slice(0, colon);
  const target = colon < 0 ? body : body.slice(colon + 1);
  const ref = `\${${body}}`;
  if (scheme === 'env') {
    if (!ENV_NAME.test(target))
      throw new ConfigError(`${key}: ${ref} is not a valid environment variable name`);
    const value = sources.env(target);
    if (value === undefined)
      throw new ConfigError(
        `${key}: ${ref} refers to environment variable ${target}, which is not set (or empty)`,
      );
    return value;
  }
  if (scheme === 'file') {
    if (target === '') throw new ConfigError(`${key}: ${ref} names no file`);
    const file = isAbsolute(target) ? target : resolve(sources.baseDir ?? '.', target);
    try {
      // A secret file usually ends with a newline that is not part of the secret.
      return (sources.readFile ?? ((p) => readFileSync(p, 'utf8')))(file).replace(/[\r\n]+$/, '');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(`${key}: ${ref} cannot be read (${code} on ${file})`);
    }
  }
  throw new ConfigError(
    `${key}: unsupported reference ${ref}: use \${env:NAME} or \${file:PATH} (write $\${ for a literal \${)`,
  );
}

/** Replace resolved secret values in a message (short ones are left: they would mangle it). */
export function scrubSecrets(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  return out;
}
