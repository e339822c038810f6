// `llm-finops dead-letter list | replay`: rows the store refused on their own, and putting them back.
import { join } from 'node:path';
import type { Command } from 'commander';
import { formatDeadLetters, readDeadLetters, replayDeadLetters } from './collector/dead-letter.js';
import { openStorage } from './runtime.js';
import { migrate } from './storage/migrate.js';
import { clickhouse, resolveConfig, withCommon, type CommonOptions } from './cli-common.js';

export function registerDeadLetter(program: Command): void {
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
    .action(replay);
}

async function replay(options: CommonOptions & { file?: string }): Promise<void> {
  const config = resolveConfig(options);
  const storage = await openStorage(config, clickhouse);
  try {
    await migrate(storage, { ttl_days: config.storage.ttl_days });
    const result = await replayDeadLetters(storage, join(config.storage.data_dir, 'dead-letter'), {
      maxPartitions: config.collector.writer.max_partitions_per_insert,
      batchRows: config.collector.writer.batch_rows,
      ...(options.file !== undefined ? { file: options.file } : {}),
    });
    process.stdout.write(
      `replayed ${result.replayed} row(s), ${result.alreadyStored} already stored, ${result.stillRefused} still refused (kept), from ${result.files} file(s)\n`,
    );
    if (result.stillRefused > 0) process.exitCode = 3;
  } finally {
    await storage.close();
  }
}
