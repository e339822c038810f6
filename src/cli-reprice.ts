// `llm-finops reprice --from --to [--dry-run]`: prices the calls stored in a range again with the
// current price data (after a price fix, a refresh, an overlay for a model that was unpriced).
import type { Command } from 'commander';
import { isoOption } from './analytics/export/focus-cli.js';
import { createRepricer, loadCatalogFor } from './pricing/index.js';
import { openStorage } from './runtime.js';
import { ConfigError } from './shared/errors.js';
import { migrate } from './storage/migrate.js';
import { formatReprice, repriceRange } from './storage/reprice.js';
import { clickhouse, resolveConfig, withCommon, type CommonOptions } from './cli-common.js';

interface RepriceCliOptions extends CommonOptions {
  from: string;
  to: string;
  dryRun?: boolean;
}

async function reprice(options: RepriceCliOptions): Promise<void> {
  const from = new Date(options.from);
  const to = new Date(options.to);
  if (to <= from) throw new ConfigError('--to must be after --from');
  const config = resolveConfig(options);
  const catalog = loadCatalogFor(config);
  for (const w of catalog.warnings) process.stderr.write(`warning: ${w}\n`);
  const storage = await openStorage(config, clickhouse);
  try {
    await migrate(storage, { ttl_days: config.storage.ttl_days });
    const dryRun = options.dryRun === true;
    const result = await repriceRange(storage, {
      from,
      to,
      dryRun,
      price: createRepricer(catalog),
    });
    process.stdout.write(
      `price data: ${catalog.label} (${catalog.version})\n${formatReprice(result, dryRun)}\n`,
    );
  } finally {
    await storage.close();
  }
}

export function registerReprice(program: Command): void {
  withCommon(
    program
      .command('reprice')
      .description(
        'price the calls stored in a range again with the current price data; rewrites changed rows and rebuilds the cost rollups of those days (run with ingest stopped)',
      ),
  )
    .requiredOption('--from <time>', 'start, ISO-8601 with zone (inclusive)', isoOption)
    .requiredOption('--to <time>', 'end, ISO-8601 with zone (exclusive)', isoOption)
    .option('--dry-run', 'print the counts and the total change without writing anything')
    .action(reprice);
}
