import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/shared/config.js';
import { ConfigError } from '../../src/shared/errors.js';

describe('config', () => {
  it('runs on defaults with no file', () => {
    const config = loadConfig(undefined);
    expect(config.collector.port).toBe(4318);
    expect(config.api.port).toBe(8080);
    expect(config.collector.capture_content).toBe(false);
    expect(config.storage.data_dir).toBe('./data');
  });

  it('names the bad key and what is accepted', () => {
    expect(() => parseConfig({ collector: { port: 'eighty' } })).toThrow(
      /collector\.port: .*number/,
    );
    expect(() => parseConfig({ collector: { prot: 1 } })).toThrow(/collector.*prot/);
    expect(() =>
      parseConfig({
        security: { api_keys: [{ name: 'x', key_sha256: 'nothex', role: 'reader' }] },
      }),
    ).toThrow(/security\.api_keys\.0\.key_sha256: must be the 64-char lowercase hex SHA-256/);
    expect(() =>
      parseConfig({
        security: { api_keys: [{ name: 'x', key_sha256: 'a'.repeat(64), role: 'tenant' }] },
      }),
    ).toThrow(/needs `tenant`/);
  });

  it('has edge admission defaults and names a bad admission key', () => {
    const c = loadConfig(undefined).collector;
    expect(c.admission).toMatchObject({ max_age_days: 400, max_future_days: 1 });
    expect(c.max_inflight_share_per_key).toBe(0.25);
    expect(c.body_timeout_ms).toBe(30_000);
    expect(() => parseConfig({ collector: { admission: { max_attribute_depth: 0 } } })).toThrow(
      /collector\.admission\.max_attribute_depth/,
    );
    expect(() => parseConfig({ collector: { max_inflight_share_per_peer: 1.5 } })).toThrow(
      /collector\.max_inflight_share_per_peer/,
    );
  });

  it("says what is wrong in a config user's words, never in zod's", () => {
    const message = (raw: unknown): string => {
      try {
        parseConfig(raw);
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    const cases: [unknown, string][] = [
      [{ collector: { port: 'eighty' } }, 'collector.port: must be a number, not a string'],
      [{ collector: { port: 70000 } }, 'collector.port: must be at most 65535'],
      [{ storage: { ttl_days: 0 } }, 'storage.ttl_days: must be at least 1'],
      [{ api: [] }, 'api: must be an object (key: value mapping), not a list'],
      [
        { collector: { forward: { endpoint: 'tempo' } } },
        'collector.forward.endpoint: must be a URL',
      ],
      [
        { collector: { forward: {} } },
        'collector.forward.endpoint is required: the OTLP/HTTP traces URL to forward to, e.g. http://tempo:4318/v1/traces',
      ],
      [
        { alerts: { rules: [{ name: 'r', kind: 'nope' }] } },
        'alerts.rules.0.kind: must be one of: ttft_drift',
      ],
      [{ collector: { prot: 1 } }, 'collector.prot: unknown key (known: host, port,'],
    ];
    for (const [raw, expected] of cases) {
      const text = message(raw);
      expect(text, expected).toContain(expected);
      expect(text).not.toMatch(
        /Invalid input|expected \w+, received|Too (small|big)|Unrecognized key/,
      );
    }
  });

  it('fails on unreadable or invalid YAML with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'collector: [unclosed');
    expect(() => loadConfig(file)).toThrow(ConfigError);
    expect(() => loadConfig(file)).toThrow(/bad\.yaml/);
    expect(() => loadConfig(join(dir, 'missing.yaml'))).toThrow(/cannot read config file/);
  });
});
