// Relative paths in a config file are relative to that file, not to wherever the process was
// started: `llm-finops start --config /etc/llm-finops/config.yaml` with `overrides_file:
// prices.yaml` reads /etc/llm-finops/prices.yaml from any working directory.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_PATH_KEYS, loadConfig, parseConfig } from '../../src/shared/config.js';
import { configJsonSchema } from '../../src/schemas.js';

const noEnv = (): undefined => undefined;

function configIn(yaml: string): { dir: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'llm-finops-paths-'));
  const dir = join(root, 'etc', 'llm-finops');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'config.yaml');
  writeFileSync(file, yaml);
  return { dir, file };
}

describe('config paths', () => {
  it('resolves every relative path key from the config file, never from the working directory', () => {
    const { dir, file } = configIn(
      [
        'storage: { data_dir: ./data }',
        'pricing: { prices_file: prices.json, overrides_file: ../shared/overrides.yaml }',
        'routing: { signing: { key_file: keys/feed.pem } }',
      ].join('\n'),
    );
    expect(process.cwd()).not.toBe(dir);
    const config = loadConfig(file, { env: noEnv });
    expect(config.storage.data_dir).toBe(join(dir, 'data'));
    expect(config.pricing.prices_file).toBe(join(dir, 'prices.json'));
    expect(config.pricing.overrides_file).toBe(join(dir, '..', 'shared', 'overrides.yaml'));
    expect(config.routing.signing.key_file).toBe(join(dir, 'keys', 'feed.pem'));
  });

  it('keeps absolute paths, and resolves a path that came from an ${env:} reference from the file too', () => {
    const { dir, file } = configIn(
      'storage: { data_dir: /var/lib/llm-finops }\npricing: { overrides_file: "${env:OVERRIDES}" }\n',
    );
    const config = loadConfig(file, {
      env: (name) => (name === 'OVERRIDES' ? 'o.yaml' : undefined),
    });
    expect(config.storage.data_dir).toBe('/var/lib/llm-finops');
    expect(config.pricing.overrides_file).toBe(join(dir, 'o.yaml'));
  });

  it('leaves defaults (no file, or a key the file does not set) relative to the working directory', () => {
    expect(parseConfig({}).storage.data_dir).toBe('./data');
    const { file } = configIn('environment: staging\n');
    const config = loadConfig(file, { env: noEnv });
    expect(config.storage.data_dir).toBe('./data');
    expect(config.pricing.prices_file).toBeUndefined();
  });

  it('knows every path key of the schema (a new *_file or *_dir key must be added to the list)', () => {
    const found: string[] = [];
    const walk = (node: unknown, path: string[]): void => {
      if (typeof node !== 'object' || node === null) return;
      const n = node as Record<string, unknown>;
      for (const [key, child] of Object.entries((n.properties ?? {}) as Record<string, unknown>)) {
        if (/(_file|_dir|_path)$/.test(key)) found.push([...path, key].join('.'));
        walk(child, [...path, key]);
      }
      for (const key of ['items', 'additionalProperties'])
        if (typeof n[key] === 'object') walk(n[key], [...path, '*']);
      for (const key of ['anyOf', 'oneOf', 'allOf'])
        for (const option of (n[key] ?? []) as unknown[]) walk(option, path);
    };
    walk(configJsonSchema(), []);
    expect(found.length).toBeGreaterThanOrEqual(4);
    expect(new Set(found)).toEqual(new Set(CONFIG_PATH_KEYS.map((k) => k.join('.'))));
  });
});
