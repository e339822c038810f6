// The configuration file schema (YAML, validated with zod) and its loader. Every key has a
// default so `llm-finops start` runs with no file; a wrong key fails at start with a message
// naming the key path and what is accepted.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { FINOPS, GENERAL } from './semconv.js';
import { finopsConfigSchema } from './config-finops.js';
import { performanceConfigSchema } from './config-performance.js';
import { alertsConfigSchema } from './config-alerts.js';
import { routingConfigSchema } from './config-routing.js';
import { securityConfigSchema } from './config-security.js';
import { envLookup, type EnvLookup } from './env.js';
import { resolveSecrets, scrubSecrets } from './secrets.js';
import { admissionSchema, DEFAULT_ADMISSION, edgeShape } from './config-admission.js';
import { describeIssue } from './zod-messages.js';
import { checkStorage } from './config-storage.js';

const MiB = 1024 * 1024;

const attributionSchema = z
  .object({
    /** Span or resource attribute keys read, first present wins, after the finops.* key. */
    keys: z
      .object({
        route: z.array(z.string().min(1)).default([FINOPS.ROUTE, GENERAL.HTTP_ROUTE]),
        feature: z.array(z.string().min(1)).default([FINOPS.FEATURE]),
        tenant: z.array(z.string().min(1)).default([FINOPS.TENANT]),
      })
      .strict()
      .default({
        route: [FINOPS.ROUTE, GENERAL.HTTP_ROUTE],
        feature: [FINOPS.FEATURE],
        tenant: [FINOPS.TENANT],
      }),
    defaults: z
      .object({
        route: z.string().default('unattributed'),
        feature: z.string().default('unattributed'),
        tenant: z.string().default('unattributed'),
      })
      .strict()
      .default({ route: 'unattributed', feature: 'unattributed', tenant: 'unattributed' }),
    /** How long spans of a trace wait for their ancestors (groupbytrace's wait_duration). */
    wait_ms: z.number().int().min(0).max(600_000).default(2_000),
    /** Once the root span arrived, how long to wait for stragglers from other services. */
    root_grace_ms: z.number().int().min(0).max(60_000).default(250),
    /** Bound on spans held while waiting; past it the oldest traces are flushed early. */
    max_pending_spans: z.number().int().min(100).default(200_000),
    /** How long the attribution of a flushed trace is remembered for late spans. */
    remember_ms: z.number().int().min(0).default(600_000),
  })
  .strict();

const forwardSchema = z
  .object({
    endpoint: z
      .url()
      .describe('the OTLP/HTTP traces URL to forward to, e.g. http://tempo:4318/v1/traces'),
    headers: z.record(z.string(), z.string()).default({}),
    queue_max_spans: z.number().int().min(1).default(50_000),
    timeout_ms: z.number().int().min(100).default(10_000),
    max_retries: z.number().int().min(0).default(5),
  })
  .strict();

const writerSchema = z
  .object({
    batch_rows: z.number().int().min(1).default(50_000),
    flush_interval_ms: z.number().int().min(10).default(200),
    /** Consecutive failed attempts of one insert after which each failure is logged as an error. */
    max_retries: z.number().int().min(0).default(5),
    /** Cap on the wait between retries of an insert that failed for a retryable reason. */
    max_backoff_ms: z.number().int().min(10).default(30_000),
    /** Partitions one insert may touch: at most the store's max_partitions_per_insert_block. */
    max_partitions_per_insert: z.number().int().min(1).default(100),
    /** Rows waiting and nothing committed for this long: /readyz 503, a metric and a log line. */
    stall_timeout_s: z.number().min(1).default(60),
    /** A read waits at most this long for acknowledged rows to commit (0: never waits). */
    read_wait_ms: z.number().int().min(0).default(2_000),
  })
  .strict();

const collectorSchema = z
  .object({
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(0).max(65535).default(4318),
    /**
     * OTLP/gRPC (TraceService/Export) on collector.host; 0 picks a free port, false turns it off.
     * The OTel Collector's `loadbalancing` exporter, which keeps a trace on one replica, speaks
     * only gRPC.
     */
    grpc_port: z
      .union([z.number().int().min(0).max(65535), z.literal(false)])
      .default(4317)
      .describe('OTLP/gRPC port (0: any free port, false: no gRPC listener)'),
    max_body_bytes: z
      .number()
      .int()
      .min(1024)
      .default(64 * MiB),
    /** Requests being read or decoded at once; past it new ones get 429 before their body is read. */
    max_inflight_requests: z.number().int().min(1).default(256),
    /** Request bytes (wire and decompressed) held at once by requests in flight; past it, 429. */
    max_inflight_bytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * MiB),
    ...edgeShape,
    /** Time window, string, attribute and depth caps checked on every span before it is spooled. */
    admission: admissionSchema.default(DEFAULT_ADMISSION),
    /** Rows held in memory (waiting traces plus the write queue) before 429. */
    max_queue_rows: z.number().int().min(100).default(500_000),
    retry_after_s: z.number().int().min(1).default(2),
    capture_content: z.boolean().default(false),
    /** Write-ahead spool: a 200 means the request is fsynced to disk (replayed after a crash). */
    spool: z
      .object({
        enabled: z.boolean().default(true),
        max_bytes: z
          .number()
          .int()
          .min(1024 * 1024)
          .default(1024 * MiB),
      })
      .strict()
      .default({ enabled: true, max_bytes: 1024 * MiB }),
    attribution: attributionSchema.default(attributionSchema.parse({})),
    writer: writerSchema.default(writerSchema.parse({})),
    /** SIGTERM: at most this long to commit what is acknowledged; the rest replays from the spool. */
    drain_timeout_s: z.number().min(1).default(20),
    forward: forwardSchema.optional(),
  })
  .strict()
  .refine((c) => c.max_inflight_bytes >= c.max_body_bytes, {
    message:
      'must be at least collector.max_body_bytes (a request that size could never be accepted)',
    path: ['max_inflight_bytes'],
  });

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
     * suits a 2 GB container); split by src/storage/memory.ts.
     */
    max_memory: z
      .number()
      .int()
      .min(256 * MiB)
      .default(1536 * MiB),
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
