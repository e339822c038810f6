// The configuration file schema (YAML, validated with zod) and its loader. Every key has a
// default so `llm-finops start` runs with no file; a wrong key fails at start with a message
// naming the key path and what is accepted.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { finopsConfigSchema } from './config-finops.js';
import { performanceConfigSchema } from './config-performance.js';
import { alertsConfigSchema } from './config-alerts.js';
import { routingConfigSchema } from './config-routing.js';
import { securityConfigSchema } from './config-security.js';
import { envLookup, type EnvLookup } from './env.js';
import { resolveSecrets, scrubSecrets } from './secrets.js';
import type { forwardSchema } from './config-collector.js';
import { collectorSchema, MiB } from './config-collector.js';
import { describeIssue } from './zod-messages.js';
import { checkStorage } from './config-storage.js';

const apiSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(8080),
  })
  .strict();

const storageSchema = z
  .object({
    data_dir: z.string().default('./data'),
    /** Rows older than this are dropped by ClickHouse TTL. */
    ttl_days: z.number().int().min(1).default(400),
    database: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .default('default'),
    /**
     * Memory budget in bytes for the embedded engine plus the collector's queues (the default
     * suits a 2 GB container); split by src/storage/memory.ts. At the minimum, 256 MiB, a burst
     * into 503s then 1,500 spans/s commits everything (test/bench/stall-drive.mts) since inserts
     * are cut to the engine's share; below it the engine's own idle account (40-60 MiB) and one
     * insert through every view (about 50 MiB) leave merges no room.
     */
    max_memory: z
      .number()
      .int()
      .min(256 * MiB)
      .default(1536 * MiB),
    /**
     * How the embedded engine takes the collector's TSV inserts: 'raw' hands the bytes to chdb's
     * rawInsert; 'file' writes them to a file under data_dir and inserts `SELECT * FROM file()`,
     * which costs the engine 0.6-0.9x the CPU a row (storage/file-insert.ts): the default since
     * the whole suite, the chaos cases and a quiet soak passed on it. A server ignores it.
     */
    insert_mode: z.enum(['raw', 'file']).default('file'),
    /**
     * How the collector's llm_calls rows are written: 'rowbinary' (storage/rows-rowbinary.ts;
     * the engine reads it through a file for less CPU than TSV: the default since thirteen
     * alternating bench:ingest pairs measured the collector at 0.80-1.19x, median 0.94x, lower
     * in nine, the engine's pool lower in twelve) or 'tsv'. RowBinary
     * needs insert_mode 'file' on the embedded engine: with 'raw' (chdb's rawInsert takes line
     * formats only) or a server, the rows are TSV whatever this says.
     */
    insert_format: z.enum(['rowbinary', 'tsv']).default('rowbinary'),
    /**
     * The embedded engine's inserts on a chDB connection of their own ('own') or on the one the
     * reads use ('shared'). A connection runs one statement at a time, so with one an API read
     * waits for the insert in flight (test/bench/read-under-ingest.bench.ts). A server ignores it.
     */
    insert_connection: z.enum(['own', 'shared']).default('own'),
    planner: z
      .object({
        /**
         * A tenant-scoped read with fewer of the tenant's calls in its range than this is read
         * from llm_calls by its tenant-first sort key instead of the tenant rollups (capacity
         * never is); 0 always reads the rollups. storage/planner/tenant-size.ts.
         */
        raw_tenant_calls: z.number().int().min(0).default(150_000),
      })
      .strict()
      .default({ raw_tenant_calls: 150_000 }),
  })
  .strict();

const pricingSchema = z
  .object({
    /** LiteLLM-format price file, searched before the price database (an overlay). */
    prices_file: z.string().optional(),
    overrides_file: z.string().optional(),
    /** false: price only from prices_file and overrides (no maintained price database). */
    use_database: z.boolean().default(true),
    /** Where `llm-finops prices refresh` fetches newer price data (default: the database's feed). */
    refresh_url: z.url().optional(),
    /** Azure (or gateway) deployment name -> model name, for pricing. */
    deployment_models: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export const configSchema = z
  .object({
    environment: z.string().default('production'),
    collector: collectorSchema.default(collectorSchema.parse({})),
    api: apiSchema.default(apiSchema.parse({})),
    storage: storageSchema.default(storageSchema.parse({})),
    pricing: pricingSchema.default(pricingSchema.parse({})),
    finops: finopsConfigSchema.default(finopsConfigSchema.parse({})),
    performance: performanceConfigSchema.default(performanceConfigSchema.parse({})),
    alerts: alertsConfigSchema.default(alertsConfigSchema.parse({})),
    routing: routingConfigSchema.default(routingConfigSchema.parse({})),
    security: securityConfigSchema.default(securityConfigSchema.parse({})),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    checkStorage(cfg, ctx, Date.now());
    // A budget alert rule naming finops budgets must name ones that exist.
    const names = new Set(cfg.finops.budgets.map((b) => b.name));
    cfg.alerts.rules.forEach((rule, i) => {
      if (rule.kind !== 'budget') return;
      rule.budgets?.forEach((name, j) => {
        if (!names.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['alerts', 'rules', i, 'budgets', j],
            message: `unknown budget ${name}; define it under finops.budgets`,
          });
      });
    });
  });

export type Config = z.infer<typeof configSchema>;
export type AttributionConfig = Config['collector']['attribution'];
export type ForwardConfig = z.infer<typeof forwardSchema>;

/** Validate a parsed object; throw a ConfigError naming every bad key (never a secret's value). */
export function parseConfig(
  raw: unknown,
  source = 'config',
  secrets: readonly string[] = [],
): Config {
  const result = configSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map(
    (issue) => `  ${describeIssue(configSchema, issue).sentence}`,
  );
  throw new ConfigError(scrubSecrets(`invalid ${source}:\n${lines.join('\n')}`, secrets));
}

/**
 * Keys whose values are file system paths. Written in a config file, a relative one is relative
 * to that file (like `${file:}` references), so a config works from any working directory;
 * defaults, flags and environment variables stay relative to the working directory.
 */
export const CONFIG_PATH_KEYS: readonly (readonly string[])[] = [
  ['storage', 'data_dir'],
  ['pricing', 'prices_file'],
  ['pricing', 'overrides_file'],
  ['routing', 'signing', 'key_file'],
];

function resolvePaths(raw: unknown, baseDir: string): unknown {
  for (const path of CONFIG_PATH_KEYS) {
    let node: unknown = raw;
    for (const key of path.slice(0, -1))
      node =
        typeof node === 'object' && node !== null
          ? (node as Record<string, unknown>)[key]
          : undefined;
    if (typeof node !== 'object' || node === null) continue;
    const parent = node as Record<string, unknown>;
    const leaf = path[path.length - 1] as string;
    const value = parent[leaf];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value))
      parent[leaf] = resolve(baseDir, value);
  }
  return raw;
}

export interface LoadOptions {
  /** Where `${env:NAME}` references are looked up (default: the process environment). */
  env?: EnvLookup;
}

/**
 * Read and validate a YAML (or JSON) config file; no file means every default. `${env:NAME}` and
 * `${file:PATH}` references in string values are resolved first (see secrets.ts).
 */
export function loadConfig(file: string | undefined, options: LoadOptions = {}): Config {
  if (file === undefined) return parseConfig({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
  }
  let resolved;
  try {
    resolved = resolveSecrets(raw, { env: options.env ?? envLookup(), baseDir: dirname(file) });
  } catch (err) {
    if (err instanceof ConfigError)
      throw new ConfigError(`invalid config file ${file}:\n  ${err.message}`);
    throw err;
  }
  return parseConfig(
    resolvePaths(resolved.value, dirname(resolve(file))),
    `config file ${file}`,
    resolved.secrets,
  );
}
