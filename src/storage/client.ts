// The one ClickHouse connection factory: a QueryRunner over @clickhouse/client, on embedded chDB
// (default) or a ClickHouse server. Which engine runs is decided here only.
import { Readable } from 'node:stream';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { ConfigError } from '../shared/errors.js';
import { quoteIdent, type InsertFormat, type QueryRunner } from './runner.js';
import { toStoreError } from './runner-errors.js';
import { clientRunner, statementScopedSettings } from './client-runner.js';
import { engineConfigXml, engineMemoryArgs, type MemoryPlan } from './memory.js';
import { clientFileInserter, takesFile, type OnDrift } from './file-insert.js';
import {
  asText,
  binaryOrText,
  bodyBuffer,
  columnList,
  dedupSettings,
  formatOf,
} from './client-insert.js';

export interface StorageOptions {
  /** ClickHouse server URL; when absent the embedded chDB engine is used. */
  url?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  database: string;
  /** Data directory for the embedded engine. */
  dataDir: string;
  /** The embedded engine's memory caps (storage.max_memory's share); a server keeps its own. */
  memory?: MemoryPlan | undefined;
  /** The embedded engine's insert of TSV bodies: chdb's rawInsert, or through a file (file-insert.ts). */
  insertMode?: 'raw' | 'file' | undefined;
  /** The embedded engine's inserts on a chDB connection of their own (default) or the reads' one. */
  insertConnection?: 'own' | 'shared' | undefined;
  /** Told once when llm_calls' types are not the RowBinary encoder's (default: a process warning). */
  onFormatDrift?: OnDrift | undefined;
}

/** The chDB extension surface we use (chdb/connection's `.chdb`). */
interface ChdbRawInsert {
  rawInsert(params: {
    table: string;
    values: Buffer;
    format: InsertFormat;
    columns?: string[];
    settings?: Record<string, string | number | boolean>;
  }): Promise<unknown>;
}

// libchdb binds one data directory per process; remember which one is bound so a second,
// different path fails with a clear message instead of an engine error.
let boundDataDir: string | undefined;

const COMMON_SETTINGS: ClickHouseSettings = {
  // Money columns are Decimal: quote them in JSON so they never pass through a JS float.
  output_format_json_quote_decimals: 1,
  output_format_json_quote_64bit_integers: 1,
  date_time_input_format: 'best_effort',
};

export async function createStorage(options: StorageOptions): Promise<QueryRunner> {
  if (options.url !== undefined) return createServerStorage(options);
  return createEmbeddedStorage(options);
}

async function createServerStorage(options: StorageOptions): Promise<QueryRunner> {
  const admin = createClient({
    url: options.url,
    username: options.user,
    password: options.password,
  });
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdent(options.database)}` });
  } catch (err) {
    throw toStoreError(err, 'command');
  } finally {
    await admin.close();
  }
  const client = createClient({
    url: options.url,
    username: options.user,
    password: options.password,
    database: options.database,
    clickhouse_settings: COMMON_SETTINGS,
  });
  return clientRunner(client, 'server', options.database, async (table, rowBody, o) => {
    const { body, options: insertOptions } = asText(rowBody, o);
    await client.exec({
      query: `INSERT INTO ${quoteIdent(table)}${columnList(insertOptions)} FORMAT ${formatOf(insertOptions)}`,
      values: Readable.from([bodyBuffer(body)]),
      clickhouse_settings: dedupSettings(insertOptions),
    });
  });
}

async function createEmbeddedStorage(options: StorageOptions): Promise<QueryRunner> {
  const dataDir = resolve(options.dataDir);
  if (boundDataDir !== undefined && boundDataDir !== dataDir) {
    throw new ConfigError(
      `the embedded store is already bound to ${boundDataDir} in this process; libchdb allows one data directory per process (asked for ${dataDir})`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  // chdb is loaded lazily so importing storage types never loads the native engine.
  const { createChdbConnection } = await import('chdb/connection');
  // The first connection to a data directory starts the engine with its options; connections
  // made after it share that engine. So the memory caps go in through a session opened first
  // (the connection below cannot take start-up options) and kept open as long as the store.
  // MergeTree settings go in a configuration file, written at every start (memory.ts says why).
  let starter: { cleanup(): void } | undefined;
  if (options.memory !== undefined) {
    const configFile = join(dataDir, 'llm-finops-engine.xml');
    writeFileSync(configFile, engineConfigXml());
    starter = new (await import('chdb')).Session(dataDir, {
      connectionArgs: engineMemoryArgs(options.memory, configFile),
    });
  }
  const connection = createChdbConnection({ path: dataDir });
  // A chDB connection runs one statement at a time (two scans sent together on one took what two
  // in a row took; on two connections, what one took), so inserts get one of their own: an API
  // read then never waits behind a 50,000-row insert, nor an insert behind a month-long read.
  const insertConnection =
    options.insertConnection === 'shared' ? connection : createChdbConnection({ path: dataDir });
  boundDataDir = dataDir;
  // One query's cap is a setting of each statement: the start-up option reaches only the
  // starter's own session, so every statement of this client carries it.
  const queryCap: Record<string, string> =
    options.memory !== undefined ? { max_memory_usage: String(options.memory.queryBytes) } : {};
  const insertOwn = options.memory?.insertSettings ?? {};
  const clientOf = (c: typeof connection): ClickHouseClient =>
    createClient({
      connection: c,
      clickhouse_settings: { ...COMMON_SETTINGS, ...queryCap },
    } as Parameters<typeof createClient>[0]);
  const client = clientOf(connection);
  const insertClient = insertConnection === connection ? client : clientOf(insertConnection);
  const raw = (insertConnection as unknown as { chdb: ChdbRawInsert }).chdb;
  // Settings outlive a statement on its session, so each session keeps its own scope.
  const scope = statementScopedSettings(client);
  const insertScope = insertClient === client ? scope : statementScopedSettings(insertClient);
  const files =
    options.insertMode === 'file'
      ? clientFileInserter(
          dataDir,
          insertClient,
          () => insertScope(undefined),
          options.onFormatDrift,
        )
      : undefined;
  // The embedded engine's tables live in `default`; the configured database is a server's.
  const runner = clientRunner(
    client,
    'embedded',
    'default',
    async (table, rowBody, o) => {
      const { body, options: insertOptions } = await binaryOrText(files, table, rowBody, o);
      const format = formatOf(insertOptions);
      const columns = insertOptions?.columns;
      const settings = {
        date_time_input_format: 'best_effort',
        ...queryCap,
        ...insertOwn,
        ...dedupSettings(insertOptions),
      };
      if (files !== undefined && columns !== undefined && takesFile(format, columns)) {
        const as = format === 'RowBinary' ? 'RowBinary' : 'TSV';
        await files.insert({ table, body: bodyBuffer(body), format: as, columns, settings });
        return;
      }
      // chdb's rawInsert passes the buffer straight to the engine.
      await raw.rawInsert({
        table,
        values: bodyBuffer(body),
        format,
        ...(columns !== undefined ? { columns: [...columns] } : {}),
        settings,
      });
    },
    scope,
  );
  const binary = files !== undefined ? { takesRowBinary: files.takesRowBinary } : {};
  if (starter === undefined && insertClient === client) return { ...runner, ...binary };
  return {
    ...runner,
    ...binary,
    async close() {
      // The runner waits for running inserts too before it closes the reads' connection.
      await runner.close();
      if (insertClient !== client) await insertClient.close();
      starter?.cleanup();
    },
  };
}
