// The QueryRunner over a @clickhouse/client client, for the embedded engine and a server alike
// (client.ts builds both): engine errors become typed store errors, close() waits for running
// operations, and the embedded engine's statement settings stay scoped to their statement.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import {
  insertBody,
  type InsertOptions,
  type QueryOptions,
  type QueryParams,
  type QueryRunner,
} from './runner.js';
import { StoreConnectionError, toStoreError, type StoreOperation } from './runner-errors.js';

/** How a runner sends an insert's body (chdb's rawInsert, a file, or a server's HTTP insert). */
export type RawInsert = (
  table: string,
  body: string | Uint8Array,
  options?: InsertOptions,
) => Promise<void>;

/** The QueryRunner over a @clickhouse/client client; engine errors become typed store errors. */
export function clientRunner(
  client: ClickHouseClient,
  kind: 'embedded' | 'server',
  database: string,
  rawInsert: RawInsert,
  scope: SettingsScope = async (o) => o,
): QueryRunner {
  let closed = false;
  // Operations still running: close() lets them finish first, because closing the embedded
  // engine under a running insert (a drain that gave up waiting) can crash or hang the process.
  const pending = new Set<Promise<unknown>>();
  const run = async <T>(operation: StoreOperation, fn: () => Promise<T>): Promise<T> => {
    if (closed) throw new StoreConnectionError('the store is closed', operation);
    const op = fn();
    pending.add(op);
    try {
      return await op;
    } catch (err) {
      throw toStoreError(err, operation);
    } finally {
      pending.delete(op);
    }
  };
  const settings = async (o: QueryOptions | undefined): Promise<ClickHouseSettings | undefined> =>
    (await scope(o?.settings)) as ClickHouseSettings | undefined;
  return {
    kind,
    database,
    query: <T>(sql: string, params?: QueryParams, o?: QueryOptions) =>
      run('query', async () => {
        const rs = await client.query({
          query: sql,
          query_params: params ?? {},
          format: 'JSONEachRow',
          clickhouse_settings: await settings(o),
        });
        return rs.json<T>();
      }),
    command: (sql, params, o) =>
      run('command', async () => {
        await client.command({
          query: sql,
          query_params: params ?? {},
          clickhouse_settings: await settings(o),
        });
      }),
    insert: (table, rows, o) =>
      run('insert', async () => {
        // An empty batch is not sent (an engine may reject an insert without data).
        const body = insertBody(rows);
        if (body.length > 0) await rawInsert(table, body, o);
      }),
    stream: (sql, format, params, o) =>
      run('stream', async () => {
        const res = await client.exec({
          query: `${sql}\nFORMAT ${format}`,
          query_params: params ?? {},
          clickhouse_settings: await settings(o),
        });
        return res.stream;
      }),
    async close() {
      if (closed) return;
      closed = true;
      await settleWithin([...pending], CLOSE_GRACE_MS);
      await client.close();
    },
  };
}

type Settings = Record<string, string | number | boolean>;
export type SettingsScope = (settings: Settings | undefined) => Promise<Settings | undefined>;

/**
 * chdb's connection applies a statement's settings as `SET k = v` on its one session, so they
 * outlive the statement: a `max_threads` or `optimize_use_projections` given to one query stayed
 * in force for every later one. Every key a statement ever set is therefore sent with every later
 * statement, at the engine's own value (read once, before the first override) unless the
 * statement sets it itself. A server scopes settings per request and needs none of this.
 */
export function statementScopedSettings(client: ClickHouseClient): SettingsScope {
  const engineValues = new Map<string, string>();
  return async (own) => {
    const fresh = Object.keys(own ?? {}).filter((k) => !engineValues.has(k));
    if (fresh.length > 0) {
      const rs = await client.query({
        query: 'SELECT name, value FROM system.settings WHERE name IN {names:Array(String)}',
        query_params: { names: fresh },
        format: 'JSONEachRow',
        clickhouse_settings: Object.fromEntries(engineValues) as ClickHouseSettings,
      });
      for (const r of await rs.json<{ name: string; value: string }>())
        engineValues.set(r.name, r.value);
    }
    if (engineValues.size === 0) return own;
    return { ...Object.fromEntries(engineValues), ...own };
  };
}

/** How long close() waits for running operations before closing anyway. */
const CLOSE_GRACE_MS = 10_000;

async function settleWithin(ops: Promise<unknown>[], ms: number): Promise<void> {
  if (ops.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([Promise.allSettled(ops), timeUp]);
  clearTimeout(timer);
}
