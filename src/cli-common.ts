// What every `llm-finops` command shares: the environment, the logger, the ClickHouse server
// settings, the config resolution (file, then environment, then flags) and the common flags.
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig, parseConfig, type Config } from './shared/config.js';
import { readEnv } from './shared/env.js';
import { ConfigError } from './shared/errors.js';
import { createLogger, parseLogLevel } from './shared/logger.js';

export interface CommonOptions {
  config?: string;
  dataDir?: string;
  prices?: string;
}

export interface StartOptions extends CommonOptions {
  /** Not a real flag: start has two listeners (see AMBIGUOUS_PORT). */
  port?: string;
  otlpPort?: number;
  otlpGrpcPort?: number | false;
  apiPort?: number;
  host?: string;
  insecure?: boolean;
}

export const env = readEnv();
export const logger = createLogger(parseLogLevel(env.logLevel));

export const clickhouse = {
  url: env.clickhouseUrl,
  user: env.clickhouseUser,
  password: env.clickhousePassword,
};

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

/** A port, or `off` / `false` for a listener that may be turned off. */
export function portOrOff(value: string): number | false {
  return value === 'off' || value === 'false' ? false : port(value);
}

// commander answered `--port` with "Did you mean --host?" (the closest spelling); the flags a
// person is looking for are the listeners' own.
const AMBIGUOUS_PORT =
  '--port is not a flag: start listens on several ports. Use --otlp-port <port> for the OTLP/HTTP collector (default 4318, config collector.port), --otlp-grpc-port <port|off> for OTLP/gRPC (default 4317, config collector.grpc_port) and --api-port <port> for the analytics API (default 8080, config api.port)';

/** Config file, then environment, then flags: the later one wins. */
export function resolveConfig(options: StartOptions): Config {
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
  if (options.otlpGrpcPort !== undefined) raw.collector.grpc_port = options.otlpGrpcPort;
  if (options.apiPort !== undefined) raw.api.port = options.apiPort;
  if (options.host !== undefined) {
    raw.collector.host = options.host;
    raw.api.host = options.host;
  }
  if (options.insecure === true) raw.security.insecure = true;
  return parseConfig(raw, 'configuration');
}

export const withCommon = (cmd: Command): Command =>
  cmd
    .option('--config <file>', 'YAML config file (env LLM_FINOPS_CONFIG)')
    .option(
      '--data-dir <dir>',
      'embedded ClickHouse data directory (default ./data; env LLM_FINOPS_DATA_DIR)',
    )
    .option('--prices <file>', 'LiteLLM-format price file (model_prices_and_context_window.json)');
