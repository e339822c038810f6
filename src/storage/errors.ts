// What a failed write to ClickHouse means for the rows in it. Two answers, as in the OTel
// Collector: `permanent` (the engine refused the data itself: a value it cannot parse or hold,
// or a mix of rows it will not take in one insert; retrying the same rows cannot help, isolating
// them can) and `retryable` (an outage, overload, a timeout, a missing table: the same rows may
// succeed later). Anything not known to be permanent is retryable: a wrong `retryable` delays
// rows, a wrong `permanent` would set good rows aside.
//
// The classification reads the runner's typed errors (runner-errors.ts), which already carry
// what both clients (chDB and @clickhouse/client) said in their own shapes: the engine's numeric
// code, its name, the row it stopped at, or a transport errno. Only one case still reads the
// text: code 252 (TOO_MANY_PARTS) means two things and only the message tells them apart.
// A raw error (not from a runner) is typed first, the same way.
import { PermanentError } from '../shared/errors.js';
import { StoreConnectionError, StoreQueryError, toStoreError } from './runner-errors.js';

export type StoreErrorKind = 'retryable' | 'permanent';

export interface StoreError {
  kind: StoreErrorKind;
  /** ClickHouse exception code, when the engine answered (e.g. 41). */
  code?: number;
  /** ClickHouse exception name (e.g. CANNOT_PARSE_DATETIME), or a Node errno (ECONNREFUSED). */
  name?: string;
  /** 0-based index of the row the engine stopped at, when it said. */
  row?: number;
  /** One line for logs and dead-letter entries. */
  message: string;
}

/**
 * Engine codes that refuse the data, not the request. The value is the name, for messages
 * when the client did not give one. 252 (TOO_MANY_PARTS) is not here: it is permanent only as
 * "Too many partitions for single INSERT block" (see PARTITION_LIMIT), retryable otherwise
 * (merges are behind).
 */
const PERMANENT_CODES: ReadonlyMap<number, string> = new Map([
  [6, 'CANNOT_PARSE_TEXT'],
  [25, 'CANNOT_PARSE_ESCAPE_SEQUENCE'],
  [26, 'CANNOT_PARSE_QUOTED_STRING'],
  [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
  [38, 'CANNOT_PARSE_DATE'],
  [41, 'CANNOT_PARSE_DATETIME'],
  [53, 'TYPE_MISMATCH'],
  [69, 'ARGUMENT_OUT_OF_BOUND'],
  [70, 'CANNOT_CONVERT_TYPE'],
  [72, 'CANNOT_PARSE_NUMBER'],
  [117, 'INCORRECT_DATA'],
  [131, 'TOO_LARGE_STRING_SIZE'],
  [190, 'SIZES_OF_ARRAYS_DONT_MATCH'],
  [321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE'],
  [349, 'CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN'],
  [395, 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO'],
  [407, 'DECIMAL_OVERFLOW'],
  [469, 'VIOLATED_CONSTRAINT'],
  [691, 'UNKNOWN_ELEMENT_OF_ENUM'],
]);

const TOO_MANY_PARTS = 252;
const PARTITION_LIMIT = /too many partitions for (a )?single insert block/i;

/** Sort a thrown value from an insert into retryable or permanent, with what the engine said. */
export function classifyStoreError(err: unknown): StoreError {
  const typed = toStoreError(err, 'insert');
  const message = firstLine(typed.message);
  if (typed instanceof StoreConnectionError)
    return {
      kind: 'retryable',
      ...(typed.errno !== undefined ? { name: typed.errno } : {}),
      message,
    };
  if (!(typed instanceof StoreQueryError)) return { kind: 'retryable', message };
  const code = typed.code !== undefined ? Number(typed.code) : undefined;
  const permanent =
    code !== undefined &&
    (PERMANENT_CODES.has(code) || (code === TOO_MANY_PARTS && PARTITION_LIMIT.test(typed.message)));
  const name = typed.type ?? (code !== undefined ? PERMANENT_CODES.get(code) : undefined);
  return {
    kind: permanent ? 'permanent' : 'retryable',
    ...(code !== undefined ? { code } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(typed.row !== undefined ? { row: typed.row } : {}),
    message,
  };
}

/**
 * A failed insert as a typed error for the shared retry policy (src/shared/retry.ts): a refusal
 * is a PermanentError (never retried as is), anything else an outage (retried).
 */
export class StoreRefusedError extends PermanentError {
  override readonly name = 'StoreRefusedError';
  constructor(readonly error: StoreError) {
    super(describeStoreError(error));
  }
}

export class StoreOutageError extends Error {
  override readonly name = 'StoreOutageError';
  constructor(readonly error: StoreError) {
    super(describeStoreError(error));
  }
}

/** The thrown value of a failed insert, classified and typed. */
export function storeFailure(err: unknown): StoreRefusedError | StoreOutageError {
  const error = classifyStoreError(err);
  return error.kind === 'permanent' ? new StoreRefusedError(error) : new StoreOutageError(error);
}

/** `NAME (code): message`, the form dead-letter entries and logs use. */
export function describeStoreError(error: StoreError): string {
  const label =
    error.name !== undefined && error.code !== undefined
      ? `${error.name} (${error.code})`
      : (error.name ?? (error.code !== undefined ? `code ${error.code}` : 'error'));
  return `${label}: ${error.message}`;
}

function firstLine(message: string): string {
  const line = (message.split('\n')[0] ?? '')
    .replace(/^Code:\s*\d+\.\s*(DB::Exception:\s*)?/, '')
    .trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}
