// What a failed write to ClickHouse means for the rows in it. Two answers, as in the OTel
// Collector: `permanent` (the engine refused the data itself: a value it cannot parse or hold,
// or a mix of rows it will not take in one insert; retrying the same rows cannot help, isolating
// them can) and `retryable` (an outage, overload, a timeout, a missing table: the same rows may
// succeed later). Anything not known to be permanent is retryable: a wrong `retryable` delays
// rows, a wrong `permanent` would set good rows aside.
//
// The two clients report the same engine error differently:
// - chDB's rawInsert throws a ChdbInsertError: `code` is the string 'CHDB_INSERT', the engine's
//   number is in `clickhouseCode`, the row in `failedAtRow` (1-based), the name only at the end
//   of the message ("... (CANNOT_PARSE_DATETIME)").
// - @clickhouse/client throws a ClickHouseError: `code` is the number as a string ('41'), `type`
//   the name, the row only in the message ("(at row 3)").
// - Transport failures carry a Node errno `code` (ECONNREFUSED...) or no code at all.

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
  const message = messageOf(err);
  const code = engineCode(err, message);
  const name = engineName(err, message, code);
  const row = failedRow(err, message);
  const permanent =
    code !== undefined &&
    (PERMANENT_CODES.has(code) || (code === TOO_MANY_PARTS && PARTITION_LIMIT.test(message)));
  return {
    kind: permanent ? 'permanent' : 'retryable',
    ...(code !== undefined ? { code } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(row !== undefined ? { row } : {}),
    message: firstLine(message),
  };
}

/** `NAME (code): message`, the form dead-letter entries and logs use. */
export function describeStoreError(error: StoreError): string {
  const label =
    error.name !== undefined && error.code !== undefined
      ? `${error.name} (${error.code})`
      : (error.name ?? (error.code !== undefined ? `code ${error.code}` : 'error'));
  return `${label}: ${error.message}`;
}

interface ErrorShape {
  message?: unknown;
  code?: unknown;
  clickhouseCode?: unknown;
  type?: unknown;
  failedAtRow?: unknown;
}

function shape(err: unknown): ErrorShape {
  return typeof err === 'object' && err !== null ? (err as ErrorShape) : {};
}

function messageOf(err: unknown): string {
  const m = shape(err).message;
  if (typeof m === 'string') return m;
  return typeof err === 'string' ? err : 'unknown error';
}

function engineCode(err: unknown, message: string): number | undefined {
  const e = shape(err);
  if (typeof e.clickhouseCode === 'number') return e.clickhouseCode;
  if (typeof e.code === 'string' && /^\d+$/.test(e.code)) return Number(e.code);
  const prefix = /^Code:\s*(\d+)\b/.exec(message);
  return prefix?.[1] !== undefined ? Number(prefix[1]) : undefined;
}

function engineName(err: unknown, message: string, code: number | undefined): string | undefined {
  const e = shape(err);
  if (typeof e.type === 'string' && e.type !== '') return e.type;
  const suffix = /\(([A-Z][A-Z0-9_]{2,})\)(?:\s*\(version [^)]*\))?\s*\.?\s*$/.exec(message);
  if (suffix?.[1] !== undefined) return suffix[1];
  if (code !== undefined) return PERMANENT_CODES.get(code);
  // A Node transport error (ECONNREFUSED...): keep its errno name.
  return typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) ? e.code : undefined;
}

function failedRow(err: unknown, message: string): number | undefined {
  const at = shape(err).failedAtRow;
  if (typeof at === 'number' && Number.isInteger(at) && at >= 1) return at - 1;
  const m = /\(at row (\d+)\)/.exec(message);
  return m?.[1] !== undefined && Number(m[1]) >= 1 ? Number(m[1]) - 1 : undefined;
}

function firstLine(message: string): string {
  const line = (message.split('\n')[0] ?? '')
    .replace(/^Code:\s*\d+\.\s*(DB::Exception:\s*)?/, '')
    .trim();
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}
