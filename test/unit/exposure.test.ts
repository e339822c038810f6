// The exposure guard: which hosts count as loopback, and that a collector or API bound beyond
// loopback without keys is refused (naming the keys, the flag and the address) unless insecure.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/shared/config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { checkExposure, isLoopbackHost } from '../../src/shared/exposure.js';

const KEY = { name: 'k', key_sha256: 'a'.repeat(64) };
const both = { collector: true, api: true };

describe('isLoopbackHost', () => {
  it('accepts only addresses another machine cannot reach', () => {
    for (const h of [
      '127.0.0.1',
      '127.8.9.10',
      '::1',
      '[::1]',
      'localhost',
      'LOCALHOST',
      '::ffff:127.0.0.1',
    ])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of [
      '0.0.0.0',
      '::',
      '',
      '10.0.0.5',
      '192.168.1.2',
      '::ffff:10.0.0.1',
      'api.internal',
      'fe80::1',
      '128.0.0.1',
    ])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe('checkExposure', () => {
  it('lets loopback listeners run without keys', () => {
    expect(checkExposure(parseConfig({}), both)).toEqual([]);
  });

  it('refuses a collector or API beyond loopback without keys, naming keys, flag and address', () => {
    const config = parseConfig({ collector: { host: '0.0.0.0' }, api: { host: '::' } });
    const err = (() => {
      try {
        checkExposure(config, both);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a refusal');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('0.0.0.0:4318 (collector.host) without security.ingest_keys');
    expect(err.message).toContain(':::8080 (api.host) without security.api_keys');
    expect(err.message).toContain('--insecure');
    expect(err.message).toContain('security.insecure: true');
    expect(err.message).toContain('llm-finops keys generate');
  });

  it('checks only the listeners that run, each against its own keys', () => {
    const exposed = { collector: { host: '0.0.0.0' }, api: { host: '0.0.0.0' } };
    // A collector-only replica needs ingest keys only; an API-only one, API keys only.
    const ingestOnly = parseConfig({ ...exposed, security: { ingest_keys: [KEY] } });
    expect(checkExposure(ingestOnly, { collector: true, api: false })).toEqual([]);
    expect(() => checkExposure(ingestOnly, both)).toThrow(/api\.host\) without security\.api_keys/);
    const apiOnly = parseConfig({
      ...exposed,
      security: { api_keys: [{ ...KEY, role: 'admin' }] },
    });
    expect(checkExposure(apiOnly, { collector: false, api: true })).toEqual([]);
    expect(() => checkExposure(apiOnly, both)).toThrow(
      /collector\.host\) without security\.ingest_keys/,
    );
  });

  it('with insecure, returns loud warnings instead of refusing', () => {
    const config = parseConfig({ collector: { host: '0.0.0.0' }, security: { insecure: true } });
    const warnings = checkExposure(config, both);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^INSECURE: the collector listens on 0\.0\.0\.0:4318/);
  });
});
