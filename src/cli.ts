// `llm-finops start | migrate | keys | gen-env | prices explain|refresh | export focus | dead-letter | demo`:
// the command-line entry point (commander).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { sha256Hex } from './shared/keys.js';
import { writeEnvFile } from './shared/gen-env.js';
import { openStorage, startRuntime } from './runtime.js';
import { formatDeadLetters, readDeadLetters, replayDeadLetters } from './collector/dead-letter.js';
import { loadConfig, parseConfig, type Config } from './shared/config.js';
import { readEnv } from './shared/env.js';
import { ConfigError, StartupError } from './shared/errors.js';
import { createLogger, parseLogLevel } from './shared/logger.js';
import { migrate } from './storage/migrate.js';
import { explainModel, formatExplanation, loadCatalog } from './pricing/index.js';
import { formatRefresh, refreshPrices } from './pricing/refresh.js';
import {
  formatOption,
  isoOption,
  runFocusExport,
  type FocusCliOptions,
} from './analytics/export/focus-cli.js';

interface CommonOptions {
  config?: string;
  dataDir?: string;
  prices?: string;
}

interface StartOptions extends CommonOptions {
  /** Not a real flag: start has two listeners (see AMBIGUOUS_PORT). */
  port?: string;
  otlpPort?: number;
  apiPort?: number;
  host?: string;
  insecure?: boolean;
}

const env = readEnv();
const logger = createLogger(parseLogLevel(env.logLevel));

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

// commander answered `--port` with "Did you mean --host?" (the closest spelling); the flags a
// person is looking for are the two listeners' own.
const AMBIGUOUS_PORT =
  '--port is not a flag: start listens on two ports. Use --otlp-port <port> for the OTLP collector (default 4318, config collector.port) and --api-port <port> for the analytics API (default 8080, config api.port)';

/** Config file, then environment, then flags: the later one wins. */
function resolveConfig(options: StartOptions): Config {
  if (options.port !== undefined) throw new ConfigError(AMBIGUOUS_PORT);
  const config = loadConfig(options.config ?? env.configFile);
  const raw = structuredClone(config) as Config;
  const dataDir = options.dataDir ?? env.dataDir;
  if (dataDir !== undefined) raw.storage.data_dir = dataDir;
  const prices = options.prices ?? env.pricesFile;
  if (prices !== undefined) raw.pricing.prices_file = prices;
  if (env.clickhouseDatabase !== undefined) raw.storage.database = env.clickhouseDatabase;
  if (env.routingKeyFile !== undefined) raw.routing.signing.key_file = env.routingKeyFile;
  if (options.otlpPort !== undefined) raw.collector.port = options.otlpPort;
  if (options.apiPort !== undefined) raw.api.port = options.apiPort;
  if (options.host !== undefined) {
    raw.collector.host = options.host;
    raw.api.host = options.host;
  }
  if (options.insecure === true) raw.security.insecure = true;
  return parseConfig(raw, 'configuration');
}

const clickhouse = {
  url: env.clickhouseUrl,
  user: env.clickhouseUser,
  password: env.clickhousePassword,
};

const program = new Command('llm-finops').description(
  'LLM spend and capacity: OTLP collector, ClickHouse storage, analytics API',
);

const withCommon = (cmd: Command): Command =>
  cmd
    .option('--config <file>', 'YAML config file (env LLM_FINOPS_CONFIG)')
    .option(
      '--data-dir <dir>',
      'embedded ClickHouse data directory (default ./data; env LLM_FINOPS_DATA_DIR)',
    )
    .option('--prices <file>', 'LiteLLM-format price file (model_prices_and_context_window.json)');

withCommon(
  program
    .command('start')
    .description('run the collector (OTLP/HTTP) and the analytics API in one process'),
)
  .option('--otlp-port <port>', 'OTLP/HTTP port (default 4318)', port)
  .addOption(new Option('--port <port>').hideHelp())
  .option('--api-port <port>', 'analytics API port (default 8080)', port)
  .option('--host <host>', 'listen address for both (default 127.0.0.1)')
  .option(
    '--insecure',
    'listen beyond loopback without ingest/API keys (security.insecure; logged and shown on /healthz)',
  )
  .option('--no-collector', 'do not run the OTLP collector (API-only replica)')
  .option('--no-api', 'do not run the analytics API (collector-only replica)')
  .option(
    '--no-scheduler',
    'do not run alert evaluation and the routing feed (all replicas but one)',
  )
  .action(
    async (options: StartOptions & { collector: boolean; api: boolean; scheduler: boolean }) => {
      const config = resolveConfig(options);
      const runtime = await startRuntime({
        config,
        logger,
        clickhouse,
        collector: options.collector,
        api: options.api,
        scheduler: options.scheduler,
      });
      let stopping = false;
      const shutdown = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        logger.info('shutting down: flushing acknowledged spans', { signal });
        // The drain is bounded (collector.drain_timeout_s); this is the backstop should closing
        // the store itself hang. Uncommitted work is in the spool either way.
        setTimeout(
          () => {
            logger.error('shutdown overran its bound; exiting (the spool keeps uncommitted work)');
            process.exit(1);
          },
          (config.collector.drain_timeout_s + 10) * 1000,
        ).unref();
        runtime.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error('shutdown failed', { err });
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    },
  );

withCommon(
  program.command('migrate').description('apply pending schema migrations and exit'),
).action(async (options: CommonOptions) => {
  const config = resolveConfig(options);
  const storage = await openStorage(config, clickhouse);
  const result = await migrate(storage, { ttl_days: config.storage.ttl_days });
  await storage.close();
  process.stdout.write(
    `applied: ${result.applied.join(', ') || 'none'}\nalready applied: ${result.alreadyApplied.join(', ') || 'none'}\n`,
  );
});

const deadLetter = program
  .command('dead-letter')
  .description('rows the store refused on their own (data/dead-letter/), with the reason');
withCommon(deadLetter.command('list').description('show dead-lettered rows and why'))
  .option('--json', 'one JSON entry per line (with its file)')
  .action((options: CommonOptions & { json?: boolean }) => {
    const files = readDeadLetters(join(resolveConfig(options).storage.data_dir, 'dead-letter'));
    process.stdout.write(
      options.json === true
        ? files
            .flatMap((f) => f.entries.map((e) => `${JSON.stringify({ file: f.file, ...e })}\n`))
            .join('')
        : formatDeadLetters(files),
    );
  });
withCommon(
  deadLetter
    .command('replay')
    .description(
      're-insert dead-lettered rows (e.g. after a fix); rows already stored are skipped, rows refused again stay',
    ),
)
  .option('--file <name>', 'only this file (a name from `dead-letter list`)')
  .action(async (options: CommonOptions & { file?: string }) => {
    const config = resolveConfig(options);
    const storage = await openStorage(config, clickhouse);
    try {
      await migrate(storage, { ttl_days: config.storage.ttl_days });
      const result = await replayDeadLetters(
        storage,
        join(config.storage.data_dir, 'dead-letter'),
        {
          maxPartitions: config.collector.writer.max_partitions_per_insert,
          batchRows: config.collector.writer.batch_rows,
          ...(options.file !== undefined ? { file: options.file } : {}),
        },
      );
      process.stdout.write(
        `replayed ${result.replayed} row(s), ${result.alreadyStored} already stored, ${result.stillRefused} still refused (kept), from ${result.files} file(s)\n`,
      );
      if (result.stillRefused > 0) process.exitCode = 3;
    } finally {
      await storage.close();
    }
  });

const keys = program
  .command('keys')
  .description('create ingest and API keys (only their SHA-256 digest goes in the config)');
keys
  .command('generate')
  .description('print a new random key and its digest')
  .action(() => {
    const key = `lfo_${randomBytes(24).toString('base64url')}`;
    process.stdout.write(`key:        ${key}\nkey_sha256: ${sha256Hex(key)}\n`);
  });
keys
  .command('hash <key>')
  .description('print the SHA-256 digest of a key, for security.api_keys / security.ingest_keys')
  .action((key: string) => {
    process.stdout.write(`${sha256Hex(key)}\n`);
  });

program
  .command('gen-env')
  .description(
    'write the .env docker-compose.yml needs: random passwords for ClickHouse and Grafana, ingest/API/metrics keys and their digests',
  )
  .option('--out <file>', 'where to write it', '.env')
  .option('--force', 'replace an existing file')
  .action((options: { out: string; force?: boolean }) => {
    const names = writeEnvFile(options.out, { force: options.force === true });
    process.stdout.write(
      `wrote ${options.out} (mode 0600): ${names.join(', ')}\n` +
        'Services send spans with Authorization: Bearer $LLM_FINOPS_INGEST_KEY; read the other keys there too.\n',
    );
  });

const prices = program
  .command('prices')
  .description('inspect the price catalog, fetch newer price data');
prices
  .command('explain <model>')
  .description('show which catalog entry a model name matches, and why')
  .option(
    '--provider <provider>',
    'gen_ai.provider.name of the call (e.g. openai, anthropic, aws.bedrock)',
  )
  .option('--at <time>', 'show the prices in force at this ISO time (default now)')
  .option('--prices <file>', 'LiteLLM-format price file (an overlay over the price database)')
  .option('--data-dir <dir>', 'data directory holding refreshed price data')
  .option('--config <file>', 'YAML config file')
  .action(
    (
      model: string,
      options: {
        provider?: string;
        at?: string;
        prices?: string;
        dataDir?: string;
        config?: string;
      },
    ) => {
      const config = resolveConfig({
        ...(options.config !== undefined ? { config: options.config } : {}),
        ...(options.prices !== undefined ? { prices: options.prices } : {}),
        ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
      });
      const catalog = loadCatalog({
        pricesFile: config.pricing.prices_file,
        overridesFile: config.pricing.overrides_file,
        deploymentModels: config.pricing.deployment_models,
        useDatabase: config.pricing.use_database,
        dataDir: config.storage.data_dir,
      });
      const at = options.at === undefined ? Date.now() : Date.parse(options.at);
      if (Number.isNaN(at))
        throw new InvalidArgumentError(`--at: not an ISO date/time (${options.at})`);
      const explanation = explainModel(catalog, model, options.provider, at);
      // The data's age and any load problem, as the collector would log them at start.
      const warnings = catalog.warnings.map((w) => `warning: ${w}`);
      process.stdout.write(`${[formatExplanation(explanation), ...warnings].join('\n')}\n`);
      // Scripts and CI checks read the exit code: an unpriced model is a failed lookup.
      if (!explanation.matched) {
        process.stderr.write(
          `llm-finops: no price for '${model}' (UNPRICED): its calls are stored with priced=false\n`,
        );
        process.exitCode = 1;
      }
    },
  );
prices
  .command('refresh')
  .description(
    'fetch newer price data (needs the network), validate it and store it in the data directory',
  )
  .option('--url <url>', 'where to fetch it (default pricing.refresh_url, else the database feed)')
  .option('--data-dir <dir>', 'data directory (default ./data; env LLM_FINOPS_DATA_DIR)')
  .option('--config <file>', 'YAML config file')
  .action(async (options: { url?: string; dataDir?: string; config?: string }) => {
    const config = resolveConfig({
      ...(options.config !== undefined ? { config: options.config } : {}),
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    });
    const url = options.url ?? config.pricing.refresh_url;
    try {
      const result = await refreshPrices({
        dataDir: config.storage.data_dir,
        ...(url !== undefined ? { url } : {}),
      });
      process.stdout.write(`${formatRefresh(result)}\n`);
    } catch (err) {
      // Offline or bad data: say why and keep the data in use; exit non-zero for scripts.
      process.stderr.write(`llm-finops prices refresh: ${(err as Error).message}\n`);
      process.exit(1);
    }
  });

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

program
  .command('demo')
  .description(
    'closed-loop demo (embedded store, or the ClickHouse server in CLICKHOUSE_URL): mock providers, gateways, traffic; adaptive routing vs static weights',
  )
  .option(
    '--scenario <name>',
    'ttft-incident | error-storm | cache-break | burst | all',
    'ttft-incident',
  )
  .option(
    '--minutes <n>',
    "demo-clock minutes (default: the scenario's, 30 for ttft-incident)",
    positive,
  )
  .option('--scale <x>', 'demo-clock speed: demo seconds per wall second (default 20)', positive)
  .option('--seed <n>', 'traffic seed (same seed, same traffic)', (v: string) =>
    Math.trunc(positive(v)),
  )
  .option('--rpm <n>', 'base load, requests per demo minute (default 40)', positive)
  .option(
    '--data-dir <dir>',
    'keep the embedded store here (default: a temporary directory, removed at the end)',
  )
  .option('--chart <file>', 'PNG chart of the comparison', 'llm-finops-demo.png')
  .option(
    '--report-json <file>',
    'also write the comparison as JSON (schemas/demo-report.schema.json)',
  )
  .action(
    async (options: {
      scenario: string;
      minutes?: number;
      scale?: number;
      seed?: number;
      rpm?: number;
      dataDir?: string;
      chart: string;
      reportJson?: string;
    }) => {
      // Loaded on demand: the demo needs the openai SDK and the PNG renderer, no other command does.
      const { runDemoCommand } = await import('./demo/command.js');
      await runDemoCommand(
        { ...options, clickhouse },
        createLogger(env.logLevel !== undefined ? parseLogLevel(env.logLevel) : 'warn'),
      );
      // Everything is stopped; idle keep-alive sockets of the SDK clients would still delay exit.
      process.exit(0);
    },
  );

const exportCmd = program.command('export').description('export cost data');
withCommon(
  exportCmd
    .command('focus')
    .description('write FOCUS 1.2/1.3 cost and usage rows (CSV or Parquet, written by ClickHouse)'),
)
  .requiredOption('--from <time>', 'start, ISO-8601 with zone (inclusive)', isoOption)
  .requiredOption('--to <time>', 'end, ISO-8601 with zone (exclusive)', isoOption)
  .option('--format <format>', 'csv or parquet', formatOption, 'csv')
  .requiredOption('--out <file>', 'output file')
  .option('--tenant <tenant>', 'only this tenant')
  .action(async (options: CommonOptions & FocusCliOptions) => {
    const config = resolveConfig(options);
    const storage = await openStorage(config, clickhouse);
    try {
      await migrate(storage, { ttl_days: config.storage.ttl_days });
      const result = await runFocusExport(storage, config, options);
      process.stderr.write(
        `wrote ${options.out} (${result.bytes} bytes, ${result.chunks} day(s))\n`,
      );
    } finally {
      await storage.close();
    }
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  // What a person can fix is said in one line: exit 2 for a refused configuration or flag,
  // 1 for a start-up failure (port in use, data directory held, ClickHouse unreachable).
  if (err instanceof ConfigError || err instanceof StartupError) {
    process.stderr.write(`llm-finops: ${err.message}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
  logger.error('llm-finops failed', { err });
  process.exit(1);
});
