// `llm-finops spool status | replay`: a data directory's write-ahead spool without a server. The
// spool holds requests a collector acknowledged (200) whose rows it had not committed yet; `start`
// replays them, but a replica scaled away for good never starts again on its volume, so its
// acknowledged spans would be lost. `replay` runs the same start-up replay (the calls of those
// traces already in the store are skipped, so running it twice, or after a start, counts nothing
// twice), commits within collector.drain_timeout_s and exits; what the store did not take stays.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { startCollector } from './collector/service.js';
import { loadSpoolDir } from './collector/spool-disk.js';
import { spoolLockHolder } from './collector/spool-lock.js';
import { loadCatalogFor } from './pricing/loader.js';
import { openStorage } from './runtime.js';
import type { Config } from './shared/config.js';
import { SpoolLockedError } from './shared/errors.js';
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
          : `${pending.requests} request(s), ${pending.bytes} byte(s) waiting in ${pending.dir}` +
              (pending.holder ? ` (held by ${pending.holder}, which replays them itself)\n` : '\n'),
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
  /** The live process holding the spool, if one does (it replays them itself). */
  holder?: string;
}

/** What the spool of this data directory holds; read-only, so safe beside a running collector. */
async function pendingRequests(config: Config): Promise<Pending> {
  const dir = join(config.storage.data_dir, 'spool');
  if (!existsSync(dir)) return { dir, requests: 0, bytes: 0 };
  const loaded = loadSpoolDir(dir, { prune: false });
  const bytes = loaded.replay.reduce((sum, r) => sum + r.bytes, 0);
  const owner = await spoolLockHolder(dir);
  const holder =
    owner === undefined
      ? undefined
      : owner === 'unknown'
        ? 'another process'
        : `pid ${owner.pid} on ${owner.host}`;
  return { dir, requests: loaded.replay.length, bytes, ...(holder ? { holder } : {}) };
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
  if (before.holder !== undefined) {
    // Checked before opening the store: an embedded engine on the same data directory would
    // refuse too, with a message about the engine rather than the spool.
    throw new SpoolLockedError(
      `the ingest spool ${before.dir} is in use by ${before.holder}, which replays it itself; run replay only on a stopped collector's data directory`,
    );
  }
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
