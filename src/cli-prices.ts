// `llm-finops prices explain | refresh`: which catalog entry prices a model and why, and fetching
// newer price data.
import { InvalidArgumentError, type Command } from 'commander';
import { explainModel, formatExplanation, loadCatalogFor } from './pricing/index.js';
import { formatRefresh, refreshPrices } from './pricing/refresh.js';
import { resolveConfig } from './cli-common.js';

interface ExplainOptions {
  provider?: string;
  at?: string;
  prices?: string;
  dataDir?: string;
  config?: string;
}

function explain(model: string, options: ExplainOptions): void {
  const config = resolveConfig({
    ...(options.config !== undefined ? { config: options.config } : {}),
    ...(options.prices !== undefined ? { prices: options.prices } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
  });
  const catalog = loadCatalogFor(config);
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
}

async function refresh(options: { url?: string; dataDir?: string; config?: string }) {
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
}

export function registerPrices(program: Command): void {
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
    .action(explain);
  prices
    .command('refresh')
    .description(
      'fetch newer price data (needs the network), validate it and store it in the data directory',
    )
    .option(
      '--url <url>',
      'where to fetch it (default pricing.refresh_url, else the database feed)',
    )
    .option('--data-dir <dir>', 'data directory (default ./data; env LLM_FINOPS_DATA_DIR)')
    .option('--config <file>', 'YAML config file')
    .action(refresh);
}
