// Secret references in the config file: `${env:NAME}` and `${file:PATH}` resolved at load, in
// any string value (webhook URLs and secrets, forwarder headers, key digests); a missing
// variable or unreadable file is a ConfigError naming the key and the reference; no error
// message ever carries a resolved value.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config.js';
import { envLookup } from '../../src/shared/env.js';
import { ConfigError } from '../../src/shared/errors.js';
import { sha256Hex } from '../../src/shared/keys.js';
import { resolveSecrets, scrubSecrets } from '../../src/shared/secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'cfg-secrets-'));
const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const env = (vars: Record<string, string>) => envLookup(vars);

const HOOK_SECRET = 'whsec-4f1b8c2d9e7a6b5c';
const FORWARD_TOKEN = 'fwd-token-8a7b6c5d4e3f';
const INGEST_KEY = 'lfo_ingest_0123456789abcdef';

const CONFIG = `
collector:
  forward:
    endpoint: http://tempo:4318/v1/traces
    headers:
      authorization: Bearer \${env:FORWARD_TOKEN}
security:
  ingest_keys:
    - name: gateway
      key_sha256: \${file:ingest.sha256}
alerts:
  notifiers:
    hook:
      type: webhook
      url: \${env:HOOK_URL}
      secret: '\${file:${join(dir, 'hook.secret')}}'
`;

describe('secret references in the config file', () => {
  it('resolves env and file references anywhere in a string, files relative to the config', () => {
    write('hook.secret', `${HOOK_SECRET}\n`);
    write('ingest.sha256', `${sha256Hex(INGEST_KEY)}\n`);
    const file = write('ok.yaml', CONFIG);
    const config = loadConfig(file, {
      env: env({ FORWARD_TOKEN, HOOK_URL: 'https://hooks.example.com/T0/B1' }),
    });
    expect(config.collector.forward?.headers.authorization).toBe(`Bearer ${FORWARD_TOKEN}`);
    expect(config.security.ingest_keys[0]?.key_sha256).toBe(sha256Hex(INGEST_KEY));
    expect(config.alerts.notifiers.hook).toMatchObject({
      url: 'https://hooks.example.com/T0/B1',
      secret: HOOK_SECRET,
    });
  });

  it('names the key and the reference when a variable is unset or empty', () => {
    write('hook.secret', HOOK_SECRET);
    write('ingest.sha256', sha256Hex(INGEST_KEY));
    const file = write('unset.yaml', CONFIG);
    const cases: Record<string, string>[] = [
      { HOOK_URL: 'https://h.example.com' },
      { FORWARD_TOKEN: '', HOOK_URL: 'x' },
    ];
    for (const vars of cases) {
      const err = catchError(() => loadConfig(file, { env: env(vars) }));
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.message).toContain('unset.yaml');
      expect(err.message).toContain('collector.forward.headers.authorization');
      expect(err.message).toContain('${env:FORWARD_TOKEN}');
      expect(err.message).toMatch(/FORWARD_TOKEN, which is not set/);
    }
  });

  it('names the key and the reference when a file cannot be read, without its content', () => {
    write('hook.secret', HOOK_SECRET);
    const file = write('nofile.yaml', CONFIG.replace('ingest.sha256', 'missing.sha256'));
    const err = catchError(() =>
      loadConfig(file, { env: env({ FORWARD_TOKEN, HOOK_URL: 'https://h.example.com' }) }),
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('security.ingest_keys.0.key_sha256');
    expect(err.message).toContain('${file:missing.sha256}');
    expect(err.message).toContain('ENOENT');
    if (userInfo().uid !== 0) {
      // root reads any file: the permission case only means something for other users.
      const locked = write('locked.secret', 'x');
      chmodSync(locked, 0o000);
      const e2 = catchError(() =>
        loadConfig(
          write(
            'locked.yaml',
            `alerts: { notifiers: { h: { type: webhook, url: 'http://h', secret: '\${file:locked.secret}' } } }`,
          ),
          {
            env: env({}),
          },
        ),
      );
      expect(e2.message).toContain('EACCES');
    }
  });

  it('never puts a resolved value in a validation error', () => {
    // A secret that lands where the schema refuses it: the error names the key, not the value.
    const badUrl = 'not-a-url-but-a-secret-9f8e7d';
    const file = write(
      'invalid.yaml',
      "alerts:\n  notifiers:\n    hook: { type: webhook, url: '${env:HOOK_URL}' }\n",
    );
    const err = catchError(() => loadConfig(file, { env: env({ HOOK_URL: badUrl }) }));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('alerts.notifiers.hook.url');
    expect(err.message).not.toContain(badUrl);
    const digest = write(
      'digest.yaml',
      "security:\n  api_keys: [{ name: a, role: admin, key_sha256: '${env:KEY_DIGEST}' }]\n",
    );
    const e2 = catchError(() => loadConfig(digest, { env: env({ KEY_DIGEST: INGEST_KEY }) }));
    expect(e2.message).toContain('security.api_keys.0.key_sha256');
    expect(e2.message).not.toContain(INGEST_KEY);
    // Messages that quote a value (refinements do) are scrubbed of every resolved secret.
    expect(scrubSecrets(`duplicate pool ${HOOK_SECRET} and ${HOOK_SECRET}`, [HOOK_SECRET])).toBe(
      'duplicate pool *** and ***',
    );
  });

  it('keeps $${ as a literal, refuses unknown schemes, and never re-scans resolved text', () => {
    const sources = { env: env({ A: '${env:B}', B: 'leaked' }) };
    expect(resolveSecrets({ x: 'cost is $${not a ref}' }, sources).value).toEqual({
      x: 'cost is ${not a ref}',
    });
    expect(resolveSecrets({ x: ['${env:A}'] }, sources).value).toEqual({ x: ['${env:B}'] });
    expect(() => resolveSecrets({ a: { b: '${HOME}' } }, sources)).toThrow(
      /a\.b: unsupported reference \$\{HOME\}: use \$\{env:NAME\}/,
    );
    expect(() => resolveSecrets({ a: '${env:1BAD}' }, sources)).toThrow(/not a valid/);
    expect(() => resolveSecrets({ a: '${file:}' }, sources)).toThrow(/names no file/);
    // Numbers, booleans and keys are left alone.
    expect(resolveSecrets({ '${env:A}': 1, b: true }, sources).value).toEqual({
      '${env:A}': 1,
      b: true,
    });
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}
