// The llm_calls row as RowBinary, written straight into the writer's slabs (row-slabs.ts) and
// inserted with `SELECT * FROM file(path, 'RowBinary', structure)` (file-insert.ts).
//
// Why: the engine reads RowBinary through file() at 0.45-0.59x the CPU of the same rows as TSV
// through rawInsert (test/bench/ingest-formats.ts), and writing it here skips the decimal and
// date text of every row. The catch is that the engine parses nothing: whatever bytes are
// written are stored. So a value is written only where the stored result is known to be what
// the TSV path stores for the same call (the "exact domain" below, held to it by a differential
// test on chDB, test/integration/storage-rowbinary.test.ts). A call with any value outside it
// (a timestamp before 2001-09-09 or from 2255-03-14 on, an integer past its column's type or not an
// integer, a decimal not in plain `-ddd.ddd` form or beyond 20.18 digits) is not written
// (writeCallRowBinary returns OUTSIDE) and goes as its TSV line instead, so the engine parses
// (or refuses) it exactly as before: see row-slabs.ts.
import type { LlmCall } from '../shared/call.js';
import { decimalLimbs, limbs } from './rows-rowbinary-decimal.js';

export {
  CALL_BINARY_COLUMNS,
  binaryMismatches,
  wireTypeOf,
  type WireType,
} from './rows-rowbinary-columns.js';

/** writeCallRowBinary's answer for a call it does not write (the caller writes TSV). */
export const OUTSIDE = -1;
/** writeCallRowBinary's answer when the row does not fit before `before`. */
export const NO_ROOM = -2;

/** The state of one encoding (module-level like rows-tsv-bytes.ts: no object per row). */
let out: Uint8Array = new Uint8Array(0);
let pos = 0;
let limit = 0;
/** 0 while writing, else why the row stopped (OUTSIDE or NO_ROOM). */
let stop = 0;

function room(n: number): boolean {
  if (pos + n <= limit) return true;
  stop ||= NO_ROOM;
  return false;
}

function outside(): void {
  stop = OUTSIDE;
}

/**
 * Write `call`'s RowBinary row into `into` from `at`, ending before `before`; the end offset,
 * OUTSIDE when a value is outside the exact domain, NO_ROOM when it does not fit (the bytes
 * written then mean nothing).
 */
export function writeCallRowBinary(
  call: LlmCall,
  into: Uint8Array,
  at: number,
  before = into.length,
): number {
  out = into;
  pos = at;
  limit = Math.min(before, into.length);
  stop = 0;
  cells(call);
  return stop !== 0 ? stop : pos;
}

/** One statement a column, in CALL_BINARY_COLUMNS' order. */
function cells(c: LlmCall): void {
  str(c.call_id);
  str(c.trace_id);
  str(c.span_id);
  str(c.parent_span_id);
  date(c.start_time_ns);
  date(c.end_time_ns);
  float(c.duration_ms);
  str(c.span_name);
  str(c.scope_name);
  str(c.source);
  str(c.kind);
  str(c.service);
  str(c.environment);
  str(c.route);
  str(c.feature);
  str(c.tenant);
  str(c.provider);
  str(c.operation);
  str(c.request_model);
  str(c.response_model);
  str(c.model);
  str(c.deployment);
  str(c.capacity_tier);
  str(c.region);
  str(c.server_address);
  str(c.service_tier);
  bool(c.streaming);
  str(c.status);
  str(c.error_type);
  uint(c.http_status, 0xffff, 2);
  str(c.finish_reason);
  u64(c.input_tokens);
  u64(c.cache_read_tokens);
  u64(c.cache_creation_tokens);
  u64(c.output_tokens);
  u64(c.reasoning_tokens);
  nullableF64(c.ttft_ms);
  nullableF64(c.itl_ms);
  nullableF64(c.itl_p95_ms);
  uint(c.attempt, 0xffff, 2);
  str(c.fallback_from);
  bool(c.hedged);
  bool(c.degraded);
  str(c.cache_layer);
  bool(c.cache_hit);
  str(c.prompt_version);
  str(c.conversation_id);
  str(c.price_entry);
  str(c.price_version);
  bool(c.priced);
  decimal(c.cost_input);
  decimal(c.cost_cache_read);
  decimal(c.cost_cache_creation);
  decimal(c.cost_output);
  decimal(c.cost_total);
  decimal(c.list_cost);
  list(c.warnings);
  u64(c.cache_creation_1h_tokens);
  u64(c.audio_input_tokens);
  u64(c.audio_output_tokens);
  u64(c.image_output_tokens);
  uint(c.web_search_requests, 0xffffffff, 4);
  bool(c.usage_incomplete);
  decimal(c.cost_cache_creation_1h);
  decimal(c.cost_audio);
  decimal(c.cost_image);
  decimal(c.cost_request);
}

function varuint(n: number): void {
  if (!room(5)) return;
  let v = n;
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[pos++] = v;
}

/**
 * String: varuint byte length, then UTF-8. An ASCII string (nearly all: ids, names) is copied
 * a character at a time behind a one-byte length; anything else is measured and written as
 * UTF-8 by Buffer (lone surrogates become U+FFFD, as the TSV line's Buffer.write makes them).
 */
function str(value: string): void {
  const n = value.length;
  if (n < 0x80) {
    if (!room(n + 1)) return;
    const buf = out;
    let p = pos + 1;
    let i = 0;
    for (; i < n; i += 1) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p++] = c;
    }
    if (i === n) {
      buf[pos] = n;
      pos = p;
      return;
    }
  }
  const bytes = Buffer.byteLength(value);
  varuint(bytes);
  if (!room(bytes)) return;
  pos += bufferOf(out).write(value, pos);
}

/** `out` as a Buffer (slabs are Buffers; a plain Uint8Array is wrapped, not copied). */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function bool(value: boolean): void {
  if (room(1)) out[pos++] = value ? 1 : 0;
}

/**
 * An unsigned integer of `bytes` bytes. The TSV line writes a non-finite number as \N, which the
 * engine stores as 0 (input_format_null_as_default); a negative or fractional number it refuses
 * and one past the type it wraps: those are OUTSIDE, left to the TSV line.
 */
function uint(value: number, max: number, bytes: number): void {
  if (!room(bytes)) return;
  let v = value;
  if (!(v >= 0 && v <= max && Math.floor(v) === v)) {
    if (Number.isFinite(v)) return outside();
    v = 0;
  }
  for (let i = 0; i < bytes; i += 1) {
    out[pos++] = v & 0xff;
    v = Math.floor(v / 256);
  }
}

const TWO32 = 0x1_0000_0000;

/** UInt64 from a JS integer: exact up to 2^53, which a token count never reaches. */
function u64(value: number): void {
  if (!room(8)) return;
  let v = value;
  if (!(v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v)) {
    // Past 2^53 the TSV text is String()'s shortest form, not the number's exact value.
    if (Number.isFinite(v)) return outside();
    v = 0;
  }
  writeU64(v);
}

/** A safe integer as two 32-bit halves (a division, not fmod's `%`). */
function writeU64(v: number): void {
  const hi = v < TWO32 ? 0 : Math.floor(v / TWO32);
  writeU32(v - hi * TWO32);
  writeU32(hi);
}

function writeU32(v: number): void {
  out[pos++] = v & 0xff;
  out[pos++] = (v >>> 8) & 0xff;
  out[pos++] = (v >>> 16) & 0xff;
  out[pos++] = (v >>> 24) & 0xff;
}

/** The float bytes of one number (little-endian, as RowBinary has them on every platform). */
const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function writeF64(value: number): void {
  if (!room(8)) return;
  f64[0] = value;
  for (let i = 0; i < 8; i += 1) out[pos++] = f64Bytes[littleEndian ? i : 7 - i] as number;
}

/** Float64: the TSV line's \N for a non-finite number is stored as 0, and its "0" for -0 as 0. */
function float(value: number): void {
  writeF64(Number.isFinite(value) && value !== 0 ? value : 0);
}

/** Nullable(Float64): a flag byte (1: NULL), then the value; non-finite is NULL, as \N is. */
function nullableF64(value: number | null): void {
  if (!room(1)) return;
  if (value === null || !Number.isFinite(value)) {
    out[pos++] = 1;
    return;
  }
  out[pos++] = 0;
  writeF64(value === 0 ? 0 : value);
}

/**
 * The timestamps whose TSV text (`seconds.micros`, 10 digits of seconds) the engine reads as a
 * Unix time: from 2001-09-09; shorter or longer seconds go to its best-effort parser, which
 * refuses some (11 digits) and reads others as calendar digits (14 as YYYYMMDDhhmmss). Up to
 * 2255-03-14 (9e9 s), below 2^53 microseconds: the differential test found a later one a
 * microsecond off through the Number the bytes are written from.
 */
const DATE_FROM_NS = 1_000_000_000n * 1_000_000_000n;
const DATE_TO_NS = 9_000_000_000n * 1_000_000_000n;

/** DateTime64(6, 'UTC'): Int64 microseconds (the nanoseconds truncated, as the TSV text has them). */
function date(ns: bigint): void {
  if (ns < DATE_FROM_NS || ns >= DATE_TO_NS) return outside();
  if (!room(8)) return;
  // Below 2^53 (DATE_TO_NS) once divided: whole microseconds as a Number, exact.
  writeU64(Number(ns / 1000n));
}

/** Array(String): varuint count, then each string. */
function list(values: readonly string[]): void {
  varuint(values.length);
  for (let i = 0; i < values.length; i += 1) str(values[i] ?? '');
}

/**
 * Decimal(38, 18): Int128 little-endian of value * 10^18 (rows-rowbinary-decimal.ts), or
 * OUTSIDE for text the TSV path's parser reads its own way.
 */
function decimal(text: string): void {
  if (!room(16)) return;
  if (!decimalLimbs(text)) return outside();
  writeLimbs();
}

/** The six limbs' low 16 bytes, little-endian. */
function writeLimbs(): void {
  for (let l = 0; l < 5; l += 1) {
    const v = limbs[l] as number;
    out[pos++] = v & 0xff;
    out[pos++] = (v >>> 8) & 0xff;
    out[pos++] = v >>> 16;
  }
  out[pos++] = (limbs[5] as number) & 0xff;
}
