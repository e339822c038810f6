// The llm_calls TSV line written straight as bytes, for the rows that are all ASCII (every row
// the benchmarks and the usual instrumentations send: ids, model names, decimal costs).
//
// Why: the generic line (rows-tsv.ts) built a 66-key record object, a cell array grown by push,
// a string per number and date cell, then the joined line: about 3.5 kB of garbage a row, the
// largest allocation of the collector's path after the decoded attributes (a heap profile with
// the scavenged objects counted). Here the cells are written into one reused buffer and only the
// finished line (one flat string) or nothing at all (writeCallTsv into a slab) is allocated.
// A row with any non-ASCII character is left to the generic path (the caller's fallback), so
// the UTF-8 encoding lives in one place; tests hold both paths to the same bytes.
import type { LlmCall } from '../shared/call.js';
import { nsToDateTime64 } from './rows.js';

const TAB = 0x09;
const BACKSLASH = 0x5c;
const QUOTE = 0x27;

/** The state of one encoding: where it writes, how far, whether every character was ASCII. */
let out: Uint8Array = new Uint8Array(0);
let pos = 0;
/** The offset the line must end before (a newline is left room for by the caller). */
let limit = 0;
let ascii = true;

/** Room for `n` more bytes, or the encoding stops as if the row were not ASCII. */
function room(n: number): boolean {
  if (pos + n <= limit) return true;
  ascii = false;
  return false;
}

/** ASCII bytes written as they are: all but backslash, tab, newline, CR and the quote. */
const PLAIN = new Uint8Array(0x80).fill(1);
/** The letter after the backslash for the bytes that are escaped. */
const ESCAPED = new Uint8Array(0x80);
for (const [c, e] of [
  [BACKSLASH, BACKSLASH],
  [TAB, 0x74],
  [0x0a, 0x6e],
  [0x0d, 0x72],
  [QUOTE, QUOTE],
] as const) {
  PLAIN[c] = 0;
  ESCAPED[c] = e;
}

/**
 * TSV's escapes: backslash, tab, newline, carriage return (and, inside arrays, the quote).
 * The buffer and offset are read into locals: the loop is the hot part of a row.
 */
function text(value: string, quoted: boolean): void {
  const n = value.length;
  if (!room(2 * n)) return;
  const buf = out;
  let p = pos;
  for (let i = 0; i < n; i += 1) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    if (PLAIN[c] === 1 || (c === QUOTE && !quoted)) buf[p++] = c;
    else {
      buf[p++] = BACKSLASH;
      buf[p++] = ESCAPED[c] as number;
    }
  }
  pos = p;
}

/** A string cell. */
function str(value: string): void {
  text(value, false);
  tab();
}

/** A number cell as String() writes it; non-finite (as JSON has it) is \N. */
function num(value: number): void {
  digits(value);
  tab();
}

function digits(value: number): void {
  if (value >= 0 && value < 0x80000000 && (value | 0) === value) {
    if (!room(10)) return;
    let width = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) width += 1;
    for (let v = value, at = pos + width - 1; at >= pos; v = Math.floor(v / 10), at -= 1)
      out[at] = 0x30 + (v % 10);
    pos += width;
    return;
  }
  if (Number.isFinite(value)) text(String(value), false);
  else nullMark();
}

function nullableNum(value: number | null): void {
  if (value === null) {
    nullMark();
    tab();
  } else num(value);
}

function bool(value: boolean): void {
  str(value ? 'true' : 'false');
}

/** Array(String) in its quoted-literal form: ['a','b']. */
function list(values: readonly string[]): void {
  if (!room(1)) return;
  out[pos++] = 0x5b;
  for (let i = 0; i < values.length; i += 1) {
    if (!room(2)) return;
    if (i > 0) out[pos++] = 0x2c;
    out[pos++] = QUOTE;
    text(values[i] ?? '', true);
    if (!room(1)) return;
    out[pos++] = QUOTE;
  }
  if (!room(1)) return;
  out[pos++] = 0x5d;
  tab();
}

/** DateTime64(6) text: nsToDateTime64's digits, without its BigInt divisions when in range. */
function date(ns: bigint): void {
  const micros = ns >= 0n ? Number(ns / 1000n) : -1;
  if (micros < 0 || micros > Number.MAX_SAFE_INTEGER) {
    str(nsToDateTime64(ns));
    return;
  }
  const seconds = Math.floor(micros / 1e6);
  digits(seconds);
  if (!room(7)) return;
  out[pos++] = 0x2e;
  let frac = micros - seconds * 1e6;
  for (let at = pos + 5; at >= pos; at -= 1) {
    out[at] = 0x30 + (frac % 10);
    frac = Math.floor(frac / 10);
  }
  pos += 6;
  tab();
}

/** TSV's NULL, \N (written as is: it must not be escaped like a string's backslash). */
function nullMark(): void {
  if (!room(2)) return;
  out[pos++] = BACKSLASH;
  out[pos++] = 0x4e;
}

function tab(): void {
  if (room(1)) out[pos++] = TAB;
}

/**
 * Write `call`'s TSV line (no newline) into `into` from `at`, ending before `before` (default:
 * the end of `into`); the end offset, or -1 when the row is not all ASCII or does not fit (then
 * the bytes written there mean nothing: use callTsv). The order of the cells is callRecord's
 * (rows.ts); a test compares the lines of any calls with the generic path's.
 */
export function writeCallTsv(
  call: LlmCall,
  into: Uint8Array,
  at: number,
  before = into.length,
): number {
  out = into;
  pos = at;
  limit = Math.min(before, into.length);
  ascii = true;
  cells(call);
  // The last cell's tab is not part of the line.
  return ascii ? pos - 1 : -1;
}

/** One statement a column, in callRecord's order; each cell is followed by a tab. */
function cells(c: LlmCall): void {
  str(c.call_id);
  str(c.trace_id);
  str(c.span_id);
  str(c.parent_span_id);
  date(c.start_time_ns);
  date(c.end_time_ns);
  num(c.duration_ms);
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
  num(c.http_status);
  str(c.finish_reason);
  num(c.input_tokens);
  num(c.cache_read_tokens);
  num(c.cache_creation_tokens);
  num(c.output_tokens);
  num(c.reasoning_tokens);
  nullableNum(c.ttft_ms);
  nullableNum(c.itl_ms);
  nullableNum(c.itl_p95_ms);
  num(c.attempt);
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
  str(c.cost_input);
  str(c.cost_cache_read);
  str(c.cost_cache_creation);
  str(c.cost_output);
  str(c.cost_total);
  str(c.list_cost);
  list(c.warnings);
  num(c.cache_creation_1h_tokens);
  num(c.audio_input_tokens);
  num(c.audio_output_tokens);
  num(c.image_output_tokens);
  num(c.web_search_requests);
  bool(c.usage_incomplete);
  str(c.cost_cache_creation_1h);
  str(c.cost_audio);
  str(c.cost_image);
  str(c.cost_request);
}
