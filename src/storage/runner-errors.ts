// Typed errors of the QueryRunner, whatever the engine (clickhouse-js style): the store answered
// with an error (StoreQueryError, with ClickHouse's numeric code and its name), or could not be
// reached at all (StoreConnectionError). The original error stays on `cause`. Everything the
// clients say differently (chDB: `clickhouseCode`, `failedAtRow`; @clickhouse/client: `code` as
// digits, `type`, the row only in the message) is read here once, so classification
// (errors.ts) works on these fields alone.

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
    options?: { cause?: unknown; row?: number | undefined },
  ) {
    super(message, operation, options);
    if (options?.row !== undefined) this.row = options.row;
  }

  /** 0-based index of the inserted row the engine stopped at, when it said. */
  readonly row?: number;
}

/** The store could not be reached, or the runner was closed. */
export class StoreConnectionError extends StoreError {
  override readonly name = 'StoreConnectionError';
  constructor(
    message: string,
    operation: StoreOperation,
    options?: { cause?: unknown; errno?: string | undefined },
  ) {
    super(message, operation, options);
    if (options?.errno !== undefined) this.errno = options.errno;
  }

  /** The Node errno of a transport failure (ECONNREFUSED, ...), when there was one. */
  readonly errno?: string;
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
  failedAtRow?: unknown;
  name?: unknown;
}

function codeOf(e: ErrorLike): string | undefined {
  if (typeof e.clickhouseCode === 'number') return String(e.clickhouseCode);
  if (typeof e.code === 'string' && /^\d+$/.test(e.code)) return e.code;
  return /Code: (\d+)\./.exec(String(e.message ?? ''))?.[1];
}

function typeOf(e: ErrorLike): string | undefined {
  if (typeof e.type === 'string' && e.type !== '') return e.type;
  const message = String(e.message ?? '');
  // The engine puts the name last ("... (CANNOT_PARSE_DATETIME) (version 25.3.1.1)"); an
  // upper-case word in parentheses earlier in the text is part of the message.
  const last = /\(([A-Z][A-Z0-9_]{2,})\)(?:\s*\(version [^)]*\))?\s*\.?\s*$/.exec(message);
  return last?.[1] ?? /\(([A-Z][A-Z0-9_]+)\)(?:\s|$)/.exec(message)?.[1];
}

/** chDB says the row (1-based) on the error; a server only in the text: "(at row 3)". */
function rowOf(e: ErrorLike): number | undefined {
  const at = e.failedAtRow;
  if (typeof at === 'number' && Number.isInteger(at) && at >= 1) return at - 1;
  const m = /\(at row (\d+)\)/.exec(String(e.message ?? ''));
  return m?.[1] !== undefined && Number(m[1]) >= 1 ? Number(m[1]) - 1 : undefined;
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
  if (isConnectionFailure(e)) {
    const errno = typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) ? e.code : undefined;
    return new StoreConnectionError(message, operation, { cause: err, errno });
  }
  const code = codeOf(e);
  const type = typeOf(e);
  if (code !== undefined || type !== undefined)
    return new StoreQueryError(message, operation, code, type, { cause: err, row: rowOf(e) });
  return new StoreError(message, operation, { cause: err });
}
