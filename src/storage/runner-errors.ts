// Typed errors of the QueryRunner, whatever the engine (clickhouse-js style): the store answered
// with an error (StoreQueryError, with ClickHouse's numeric code and its name), or could not be
// reached at all (StoreConnectionError). The original error stays on `cause`.

export type StoreOperation = 'query' | 'command' | 'insert' | 'stream' | 'close';

export class StoreError extends Error {
  override readonly name: string = 'StoreError';
  constructor(
    message: string,
    readonly operation: StoreOperation,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The store ran the statement and refused it (syntax, unknown table, bad value, ...). */
export class StoreQueryError extends StoreError {
  override readonly name = 'StoreQueryError';
  constructor(
    message: string,
    operation: StoreOperation,
    /**
     * ClickHouse error code as clickhouse-js gives it, digits in a string (`'60'` for
     * UNKNOWN_TABLE); undefined when the engine gave none.
     */
    readonly code: string | undefined,
    /** ClickHouse error name, e.g. `UNKNOWN_TABLE`. */
    readonly type: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, operation, options);
  }
}

/** The store could not be reached, or the runner was closed. */
export class StoreConnectionError extends StoreError {
  override readonly name = 'StoreConnectionError';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  type?: unknown;
  clickhouseCode?: unknown;
  name?: unknown;
}

function codeOf(e: ErrorLike): string | undefined {
  if (typeof e.clickhouseCode === 'number') return String(e.clickhouseCode);
  if (typeof e.code === 'string' && /^\d+$/.test(e.code)) return e.code;
  return /Code: (\d+)\./.exec(String(e.message ?? ''))?.[1];
}

function typeOf(e: ErrorLike): string | undefined {
  if (typeof e.type === 'string' && e.type !== '') return e.type;
  const m = /\(([A-Z][A-Z0-9_]+)\)(?:\s|$)/.exec(String(e.message ?? ''));
  return m?.[1];
}

function isConnectionFailure(e: ErrorLike): boolean {
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  if (e.code === 'CHDB_CONNECTION' || e.code === 'CHDB_CLOSED') return true;
  return /\bis closed\b|socket hang up|connect ECONNREFUSED|fetch failed/i.test(
    String(e.message ?? ''),
  );
}

/** Wraps whatever an engine threw into the runner's typed errors (idempotent). */
export function toStoreError(err: unknown, operation: StoreOperation): StoreError {
  if (err instanceof StoreError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const message = String(e.message ?? err);
  if (isConnectionFailure(e)) return new StoreConnectionError(message, operation, { cause: err });
  const code = codeOf(e);
  const type = typeOf(e);
  if (code !== undefined || type !== undefined)
    return new StoreQueryError(message, operation, code, type, { cause: err });
  return new StoreError(message, operation, { cause: err });
}
