// `llm-finops start | migrate | keys | gen-env | prices explain|refresh | reprice | export focus |
// dead-letter | demo`: the command-line entry point (commander). Commands with more than a few
// lines of their own live in src/cli-*.ts.
import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import { sha256Hex } from './shared/keys.js';
import { writeEnvFile } from './shared/gen-env.js';
import { openStorage, startRuntime } from './runtime.js';
import { heapBudgetBytes, paceHeapGrowth } from './collector/heap-growth.js';
import { planMemory } from './storage/memory.js';
import { ConfigError, StartupError } from './shared/errors.js';
import { createLogger, parseLogLevel } from './shared/logger.js';
import { migrate } from './storage/migrate.js';
import {
  formatOption,
  isoOption,
  runFocusExport,
  type FocusCliOptions,
} from './analytics/export/focus-cli.js';
import {
  clickhouse,
  env,
  logger,
  port,
  portOrOff,
  resolveConfig,
  withCommon,
  type CommonOptions,
  type StartOptions,
} from './cli-common.js';
import { registerDeadLetter } from './cli-dead-letter.js';
import { registerPrices } from './cli-prices.js';
import { registerReprice } from './cli-reprice.js';
import { registerSpool } from './cli-spool.js';

const program = new Command('llm-finops').description(
  'LLM spend and capacity: OTLP collector, ClickHouse storage, analytics API',
);

withCommon(
  program
    .command('start')
    .description(
      'run the collector (OTLP/HTTP and OTLP/gRPC) and the analytics API in one process',
    ),
)
  .option('--otlp-port <port>', 'OTLP/HTTP port (default 4318)', port)
  .option('--otlp-grpc-port <port|off>', 'OTLP/gRPC port (default 4317; off: none)', portOrOff)
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
      // A long-running server: keep the V8 heap near its live size, with room for a young generation.
      const maxMemory = config.storage.max_memory;
      paceHeapGrowth(heapBudgetBytes(planMemory(maxMemory), maxMemory));
      // Handlers go in before anything starts: 'llm-finops started' is logged inside
      // startRuntime, and a SIGTERM in the window before it returns would otherwise kill the
      // process by signal (exit code null) instead of draining. A signal that arrives while
      // starting is acted on as soon as there is a runtime to stop.
      let received: string | undefined;
      let onSignal = (signal: string): void => {
        received ??= signal;
      };
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      process.on('SIGINT', () => onSignal('SIGINT'));
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
      onSignal = shutdown;
      if (received !== undefined) shutdown(received);
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

registerDeadLetter(program);
registerSpool(program);

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

registerPrices(program);
registerReprice(program);

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
  .option('--scale <x>', 'demo-clock speed: demo seconds per wall second (default 10)', positive)
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
