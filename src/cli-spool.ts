// `llm-finops spool status | replay`: a data directory's write-ahead spool without a server. The
// spool holds requests a collector acknowledged (200) whose rows it had not committed yet; `start`
// replays them, but a replica scaled away for good never starts again on its volume, so its
// acknowledged spans would be lost. `replay` runs the same start-up replay (the calls of those
// traces already in the store are skipped, so running it twice, or after a start, counts nothing
// twice), commits within collector.drain_timeout_s and exits; what the store did not take stays.
import { join } from 'node:path';
import type { Command } from 'commander';
import { startCollector } from './collector/service.js';
import { Spool } from './collector/spool.js';
import { loadCatalogFor } from './pricing/loader.js';
import { openStorage } from './runtime.js';
import type { Config } from './shared/config.js';
import { migrate } from './storage/migrate.js';
import { clickhouse, logger, resolveConfig, withCommon, type CommonOptions } from './cli-common.js';

export function registerSpool(program: Command): void {
  const spool = program
    .command('spool')
    .description(
      'acknowledged requests not yet committed (data/spool/): count them, or commit them',
    );
  withCommon(spool.command('status').description('how many requests and bytes wait in the spool'))
    .option('--json', 'one JSON object')
    .action(async (options: CommonOptions & { json?: boolean }) => {
      const pending = await pendingRequests(resolveConfig(options));
      process.stdout.write(
        options.json === true
          ? `${JSON.stringify(pending)}\n`
          : `${pending.requests} request(s), ${pending.bytes} byte(s) waiting in ${pending.dir}\n`,
      );
    });
  withCommon(
    spool
      .command('replay')
      .description(
        'commit what the spool holds into the configured store and exit (e.g. the volume of a replica that was scaled away); calls already stored are skipped',
      ),
  ).action(replay);
}

interface Pending {
  dir: string;
  requests: number;
  bytes: number;
}

/** What the spool of this data directory holds (opening it also drops segments fully done). */
async function pendingRequests(config: Config): Promise<Pending> {
  const dir = join(config.storage.data_dir, 'spool');
  const { spool, replay } = await Spool.open({
    dir,
    maxBytes: config.collector.spool.max_bytes,
    retryAfterSeconds: config.collector.retry_after_s,
  });
  const bytes = spool.bytes;
  await spool.close();
  return { dir, requests: replay.length, bytes };
}

async function replay(options: CommonOptions): Promise<void> {
  const resolved = resolveConfig(options);
  // No listener: the collector only replays and drains (grpc_port false: none is created; the
  // HTTP receiver is created but never listens).
  const config: Config = {
    ...resolved,
    collector: {
      ...resolved.collector,
      grpc_port: false,
      spool: { ...resolved.collector.spool, enabled: true },
    },
  };
  const before = await pendingRequests(config);
  if (before.requests === 0) {
    process.stdout.write(`nothing to replay in ${before.dir}\n`);
    return;
  }
  const catalog = loadCatalogFor(config);
  const storage = await openStorage(config, clickhouse);
  try {
    await migrate(storage, { ttl_days: config.storage.ttl_days });
    const collector = await startCollector(config, storage, logger, catalog);
    await collector.stop();
  } finally {
    await storage.close();
  }
  const after = await pendingRequests(config);
  process.stdout.write(
    `replayed ${before.requests - after.requests} of ${before.requests} request(s) from ${before.dir}` +
      (after.requests > 0
        ? `; ${after.requests} still waiting (the store did not commit them within collector.drain_timeout_s: run it again)\n`
        : '\n'),
  );
  if (after.requests > 0) process.exitCode = 3;
}
