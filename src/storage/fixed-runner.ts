// A fixed in-memory QueryRunner: answers canned rows per SQL pattern and records every call, so a
// planner or a route can be unit-tested without an engine (what SQL it sends, what it does with
// the rows). It runs no SQL: contract and integration suites use a real ClickHouse.
import { Readable } from 'node:stream';
import type {
  InsertBody,
  InsertOptions,
  QueryOptions,
  QueryParams,
  QueryRunner,
  Row,
} from './runner.js';
import { StoreConnectionError, StoreQueryError, type StoreOperation } from './runner-errors.js';

export interface CannedAnswer {
  /** Matches the SQL text: a substring or a regular expression. */
  match: string | RegExp;
  /** Rows to answer (a function sees the SQL and parameters), or an error to throw. */
  rows?: Row[] | ((sql: string, params: QueryParams) => Row[]);
  error?: Error;
}

export interface RecordedCall {
  operation: StoreOperation;
  sql: string;
  params: QueryParams;
  settings?: QueryOptions['settings'];
  table?: string;
  rows?: Row[];
  dedupToken?: string;
}

export interface FixedRunner extends QueryRunner {
  /** Every call in order. */
  readonly calls: RecordedCall[];
  /** Inserted rows per table. */
  readonly inserted: Map<string, Row[]>;
}

const matches = (m: string | RegExp, sql: string): boolean =>
  typeof m === 'string' ? sql.includes(m) : m.test(sql);

/**
 * The first answer whose pattern matches a query's SQL is used; a query nothing matches is an
 * error (StoreQueryError, like an unknown table), so a test notices SQL it did not expect.
 */
export function createFixedRunner(answers: readonly CannedAnswer[] = []): FixedRunner {
  const calls: RecordedCall[] = [];
  const inserted = new Map<string, Row[]>();
  let closed = false;
  const answer = (operation: StoreOperation, sql: string, params: QueryParams): Row[] => {
    if (closed) throw new StoreConnectionError('the store is closed', operation);
    const a = answers.find((x) => matches(x.match, sql));
    if (a === undefined)
      throw new StoreQueryError(
        `no canned answer for: ${sql.slice(0, 200)}`,
        operation,
        undefined,
        'NO_ANSWER',
      );
    if (a.error !== undefined) throw a.error;
    return typeof a.rows === 'function' ? a.rows(sql, params) : (a.rows ?? []);
  };
  return {
    kind: 'fixed',
    database: 'default',
    calls,
    inserted,
    query<T>(sql: string, params: QueryParams = {}, o?: QueryOptions): Promise<T[]> {
      calls.push({ operation: 'query', sql, params, settings: o?.settings });
      return Promise.resolve().then(() => answer('query', sql, params) as T[]);
    },
    command(sql: string, params: QueryParams = {}, o?: QueryOptions): Promise<void> {
      calls.push({ operation: 'command', sql, params, settings: o?.settings });
      if (closed) return Promise.reject(new StoreConnectionError('the store is closed', 'command'));
      const a = answers.find((x) => matches(x.match, sql));
      return a?.error !== undefined ? Promise.reject(a.error) : Promise.resolve();
    },
    insert(table: string, body: InsertBody, o?: InsertOptions): Promise<void> {
      if (closed) return Promise.reject(new StoreConnectionError('the store is closed', 'insert'));
      const rows = body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : body;
      const parsed: Row[] =
        typeof rows === 'string'
          ? rows
              .split('\n')
              .filter((l) => l.trim() !== '')
              .map((l) => JSON.parse(l) as Row)
          : rows.map((r) => ({ ...r }) as Row);
      calls.push({
        operation: 'insert',
        sql: `INSERT INTO ${table}`,
        params: {},
        table,
        rows: parsed,
        ...(o?.dedupToken !== undefined ? { dedupToken: o.dedupToken } : {}),
      });
      inserted.set(table, [...(inserted.get(table) ?? []), ...parsed]);
      return Promise.resolve();
    },
    stream(sql: string, format: string, params: QueryParams = {}): Promise<Readable> {
      calls.push({ operation: 'stream', sql: `${sql}\nFORMAT ${format}`, params });
      return Promise.resolve().then(() => {
        const rows = answer('stream', sql, params);
        return Readable.from(rows.map((r) => `${JSON.stringify(r)}\n`));
      });
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
