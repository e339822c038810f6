// The sample config runs as written: the README's Configuration block is the shipped file
// deploy/example/llm-finops.yaml; it loads with no environment variable set, every file it names
// exists, and `llm-finops start --config` on it (from another working directory) prices a call
// through the overrides file it names.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { CONFIG_PATH_KEYS, loadConfig } from '../../src/shared/config.js';
import { loadCatalog } from '../../src/pricing/index.js';
import { FINOPS, GEN_AI } from '../../src/shared/semconv.js';
import { ROOT, startCli } from '../helpers/cli.js';
import { postJson, requestJson, spanJson } from '../helpers/otlp.js';
import { eventually, getJson } from '../helpers/runtime.js';

const SAMPLE = join(ROOT, 'deploy/example/llm-finops.yaml');
const noEnv = (): undefined => undefined;

function readmeConfigBlock(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error('no yaml block in the Configuration section');
  return block[1]!;
}

describe('sample config (deploy/example/llm-finops.yaml)', () => {
  it('is what the README shows', () => {
    expect(readmeConfigBlock()).toBe(readFileSync(SAMPLE, 'utf8'));
  });

  it('loads with no environment variable set, and every file it names exists and parses', () => {
    const config = loadConfig(SAMPLE, { env: noEnv });
    expect(config.collector.forward).toBeUndefined();
    const dir = join(ROOT, 'deploy/example');
    expect(config.storage.data_dir).toBe(join(dir, 'data'));
    const files = CONFIG_PATH_KEYS.filter((k) => k[1] !== 'data_dir').map((path) =>
      path.reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], config),
    );
    const named = files.filter((f): f is string => typeof f === 'string');
    expect(named).toContain(join(dir, 'prices.overrides.yaml'));
    for (const file of named) expect(existsSync(file), file).toBe(true);
    const catalog = loadCatalog({
      pricesFile: config.pricing.prices_file,
      overridesFile: config.pricing.overrides_file,
      deploymentModels: config.pricing.deployment_models,
      useDatabase: config.pricing.use_database,
      dataDir: config.storage.data_dir,
    });
    // Only the shipped price data's age may warn (it ages between releases); nothing else.
    expect(catalog.warnings.filter((w) => !/^price data .* days old/.test(w))).toEqual([]);
  });

  it('starts as written (from another working directory) and prices a call with its overrides', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'llm-finops-sample-'));
    const cli = await startCli(
      [
        '--config',
        SAMPLE,
        '--data-dir',
        dataDir,
        '--otlp-port',
        '0',
        '--otlp-grpc-port',
        '0',
        '--api-port',
        '0',
      ],
      { cwd: tmpdir() },
    );
    try {
      const now = Date.now();
      const span = spanJson({
        startMs: now - 1_000,
        attributes: {
          [GEN_AI.OPERATION_NAME]: 'chat',
          [GEN_AI.PROVIDER_NAME]: 'openai',
          [GEN_AI.REQUEST_MODEL]: 'support-bot', // an alias in the sample's overrides file
          [GEN_AI.USAGE_INPUT_TOKENS]: 1000,
          [GEN_AI.USAGE_OUTPUT_TOKENS]: 100,
          [FINOPS.TENANT]: 'acme',
        },
      });
      const res = await postJson(`http://127.0.0.1:${cli.otlpPort}/v1/traces`, requestJson([span]));
      expect(res.status).toBe(200);
      const from = new Date(now - 3_600_000).toISOString();
      const to = new Date(now + 3_600_000).toISOString();
      const costs = await eventually(
        () =>
          getJson<{ rows: { calls: number; cost_usd: string }[] }>(
            `http://127.0.0.1:${cli.apiPort}/v1/costs?from=${from}&to=${to}&group_by=tenant`,
          ),
        (r) => r.body.rows[0]?.calls === 1,
        30_000,
      );
      // 1000 x 0.0000003 + 100 x 0.0000012: the contract price in prices.overrides.yaml.
      expect(new Decimal(costs.body.rows[0]!.cost_usd).equals('0.00042')).toBe(true);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  }, 180_000);
});
