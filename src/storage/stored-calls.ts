// Stored llm_calls rows back into LlmCall records (the inverse of storage/rows.ts callRow), for
// tools that rewrite rows: re-pricing reads a range, prices it again and writes changed rows back.
// Content lives in llm_call_content and is never read or rewritten here.
import { emptyCall, type LlmCall } from '../shared/call.js';
import { trimDecimal } from '../shared/money.js';
import type { QueryRunner } from './runner.js';

/** A stored row: the call and when it was written (milliseconds since the epoch). */
export interface StoredCall {
  call: LlmCall;
  ingestedAtMs: number;
}

const NOT_COLUMNS = new Set(['start_time_ns', 'end_time_ns', 'input_content', 'output_content']);
const TEMPLATE = emptyCall();
/** Every LlmCall field that is an llm_calls column of the same name. */
const FIELDS = (Object.keys(TEMPLATE) as (keyof LlmCall)[]).filter((k) => !NOT_COLUMNS.has(k));
/** Nullable numbers (ttft_ms, ...): null is a value, not a missing column. */
const NULLABLE = new Set<keyof LlmCall>(['ttft_ms', 'itl_ms', 'itl_p95_ms']);
const DECIMAL = new Set<keyof LlmCall>(
  FIELDS.filter((k) => k.startsWith('cost_') || k === 'list_cost'),
);

function select(): string {
  const cols = FIELDS.map((k) => (DECIMAL.has(k) ? `toString(${k}) AS ${k}` : k));
  return [
    ...cols,
    'toString(toUnixTimestamp64Nano(start_time)) AS start_ns',
    'toString(toUnixTimestamp64Nano(end_time)) AS end_ns',
    'toUnixTimestamp64Milli(ingested_at) AS ingested_ms',
  ].join(', ');
}

function value(key: keyof LlmCall, raw: unknown): unknown {
  const neutral = TEMPLATE[key];
  if (NULLABLE.has(key)) return raw === null || raw === undefined ? null : Number(raw);
  if (DECIMAL.has(key)) return trimDecimal(String(raw ?? '0'));
  if (typeof neutral === 'number') return Number(raw ?? 0);
  if (typeof neutral === 'boolean') return raw === true || raw === 1 || raw === 'true';
  if (Array.isArray(neutral)) return Array.isArray(raw) ? raw.map(String) : [];
  return String(raw ?? '');
}

export function storedCall(row: Record<string, unknown>): StoredCall {
  const call = emptyCall() as unknown as Record<string, unknown>;
  for (const key of FIELDS) call[key] = value(key, row[key]);
  const typed = call as unknown as LlmCall;
  typed.start_time_ns = BigInt(String(row.start_ns ?? '0'));
  typed.end_time_ns = BigInt(String(row.end_ns ?? '0'));
  return { call: typed, ingestedAtMs: Number(row.ingested_ms ?? 0) };
}

/** Every llm_calls row that started in [from, to), duplicates of one call_id included. */
export async function readStoredCalls(
  storage: QueryRunner,
  from: Date,
  to: Date,
): Promise<StoredCall[]> {
  const rows = await storage.query<Record<string, unknown>>(
    `SELECT ${select()} FROM llm_calls
      WHERE start_time >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
        AND start_time < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`,
    { from: from.getTime(), to: to.getTime() },
  );
  return rows.map(storedCall);
}
