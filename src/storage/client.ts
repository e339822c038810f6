// The one ClickHouse client factory. Callers get a @clickhouse/client client and an insert
// helper; whether it runs on embedded chDB (default) or a ClickHouse server is decided here only.
import { Readable } from 'node:stream';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { ConfigError } from '../shared/errors.js';

export interface StorageOptions {
  /** ClickHouse server URL; when absent the embedded chDB engine is used. */
  url?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  database: string;
  /** Data directory for the embedded engine. */
  dataDir: string;
}

export interface InsertOptions {
  /** ClickHouse insert deduplication token: a retried identical batch is written once. */
  dedupToken?: string;
}

export interface Storage {
  readonly client: ClickHouseClient;
  readonly kind: 'embedded' | 'server';
  readonly database: string;
  /** Insert newline-delimited JSON rows (JSONEachRow) through the fastest path available. */
  insertJsonEachRow(table: string, body: string, options?: InsertOptions): Promise<void>;
  close(): Promise<void>;
}

/** The chDB extension surface we use (chdb/connection's `.chdb`). */
interface ChdbRawInsert {
  rawInsert(params: {
    table: string;
    values: Buffer;
    format: 'JSONEachRow';
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

export async function createStorage(options: StorageOptions): Promise<Storage> {
  if (options.url !== undefined) return createServerStorage(options);
  return createEmbeddedStorage(options);
}

async function createServerStorage(options: StorageOptions): Promise<Storage> {
  const admin = createClient({
    url: options.url,
    username: options.user,
    password: options.password,
  });
  await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${quoteIdent(options.database)}` });
  await admin.close();
  const client = createClient({
    url: options.url,
    username: options.user,
    password: options.password,
    database: options.database,
    clickhouse_settings: COMMON_SETTINGS,
  });
  return {
    client,
    kind: 'server',
    database: options.database,
    async insertJsonEachRow(table, body, insertOptions) {
      await client.exec({
        query: `INSERT INTO ${quoteIdent(table)} FORMAT JSONEachRow`,
        values: Readable.from([Buffer.from(body)]),
        clickhouse_settings: dedupSettings(insertOptions),
      });
    },
    close: () => client.close(),
  };
}

async function createEmbeddedStorage(options: StorageOptions): Promise<Storage> {
  const dataDir = resolve(options.dataDir);
  if (boundDataDir !== undefined && boundDataDir !== dataDir) {
    throw new ConfigError(
      `the embedded store is already bound to ${boundDataDir} in this process; libchdb allows one data directory per process (asked for ${dataDir})`,
    );
  }
  mkdirSync(dataDir, { recursive: true });
  // chdb is loaded lazily so importing storage types never loads the native engine.
  const { createChdbConnection } = await import('chdb/connection');
  const connection = createChdbConnection({ path: dataDir });
  boundDataDir = dataDir;
  const client = createClient({ connection, clickhouse_settings: COMMON_SETTINGS } as Parameters<
    typeof createClient
  >[0]);
  const raw = (connection as unknown as { chdb: ChdbRawInsert }).chdb;
  return {
    client,
    kind: 'embedded',
    // The embedded engine is private to this process, so its tables live in `default`;
    // `storage.database` applies to a ClickHouse server only.
    database: 'default',
    async insertJsonEachRow(table, body, insertOptions) {
      // chdb's rawInsert passes the buffer straight to the engine: the fastest insert path.
      await raw.rawInsert({
        table,
        values: Buffer.from(body),
        format: 'JSONEachRow',
        settings: { ...COMMON_INSERT_SETTINGS, ...dedupSettings(insertOptions) },
      });
    },
    async close() {
      await client.close();
    },
  };
}

const COMMON_INSERT_SETTINGS = { date_time_input_format: 'best_effort' };

function dedupSettings(options: InsertOptions | undefined): Record<string, string> {
  return options?.dedupToken !== undefined
    ? { insert_deduplication_token: options.dedupToken }
    : {};
}

/** Backquote an identifier (table and database names come from config, never from requests). */
export function quoteIdent(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}
