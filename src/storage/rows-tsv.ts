// llm_calls rows as TabSeparated with a column list: the text format the engine parses fastest
// (no key matching per value; measured by `npm run bench:ingest`, about a third less engine
// CPU per row than JSONEachRow) and less than half the bytes to hold and copy. The columns and
// their order are callRecord's, so a column added there is written here without another edit;
// dead letters and tools keep JSON (tsvToJsonLine turns a refused line back into it).
import { emptyCall, type LlmCall } from '../shared/call.js';
import { callRecord } from './rows.js';
import { writeCallTsv } from './rows-tsv-bytes.js';

type Cell = string | number | boolean | null | readonly string[];

/** The llm_calls columns the writer inserts, in the order callTsv writes them. */
export const CALL_COLUMNS: readonly string[] = Object.keys(callRecord(emptyCall()));

/**
 * One llm_calls row as a TSV line (no trailing newline). Cells are joined once: a line built
 * with `+=` is a rope of ~60 pieces that costs more to flatten when the insert body is joined
 * than building it did (measured: 15 µs a row against 5).
 */
export function callTsv(call: LlmCall): string {
  const end = writeCallTsv(call, scratch, 0);
  return end >= 0 ? scratch.toString('latin1', 0, end) : callTsvCells(call);
}

/** Where writeCallTsv puts an all-ASCII line before it becomes one flat string. */
const scratch = Buffer.allocUnsafeSlow(64 * 1024);

/** The generic line: any characters (callTsv's fallback, and what the tests compare it with). */
export function callTsvCells(call: LlmCall): string {
  const record = callRecord(call) as Record<string, Cell>;
  const cells: string[] = [];
  for (const key in record) cells.push(tsvCell(record[key] ?? null));
  return cells.join('\t');
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const QUOTED_ESCAPE = /[\\'\t\n\r]/g;
const QUOTED: Record<string, string> = { ...ESCAPES, "'": "\\'" };

/** A value in ClickHouse's TSV text form; null (and a non-finite number, as JSON has it) is \N. */
function tsvCell(value: Cell): string {
  if (typeof value === 'string')
    return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] ?? c) : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '\\N';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null) return '\\N';
  // Array(String): the quoted-literal form, whose escapes keep tabs and newlines off the line.
  let out = '[';
  for (let i = 0; i < value.length; i += 1) {
    const item = value[i] ?? '';
    out += `${i > 0 ? ',' : ''}'${item.replace(QUOTED_ESCAPE, (c) => QUOTED[c] ?? c)}'`;
  }
  return `${out}]`;
}

/** What each column held in callRecord(emptyCall()): how to read its TSV text back. */
const KINDS: readonly ('string' | 'number' | 'boolean' | 'nullable' | 'array')[] = Object.values(
  callRecord(emptyCall()) as Record<string, Cell>,
).map((v) =>
  v === null
    ? 'nullable'
    : Array.isArray(v)
      ? 'array'
      : (typeof v as 'string' | 'number' | 'boolean'),
);

/** A TSV line from callTsv as the JSONEachRow line callRow writes for the same call. */
export function tsvToJsonLine(line: string): string {
  const cells = line.split('\t');
  const out: Record<string, unknown> = {};
  CALL_COLUMNS.forEach((column, i) => {
    const text = cells[i] ?? '\\N';
    const kind = KINDS[i];
    if (text === '\\N') out[column] = null;
    else if (kind === 'array') out[column] = readArray(text);
    else if (kind === 'boolean') out[column] = text === 'true';
    else if (kind === 'number' || (kind === 'nullable' && text !== '' && !isNaN(Number(text))))
      out[column] = Number(text);
    else out[column] = unescapeTsv(text);
  });
  return JSON.stringify(out);
}

const UNESCAPES: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r', "'": "'" };

function unescapeTsv(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c);
}

function readArray(text: string): string[] {
  const items: string[] = [];
  const item = /'((?:[^'\\]|\\.)*)'/g;
  for (let m = item.exec(text); m !== null; m = item.exec(text))
    items.push(unescapeTsv(m[1] ?? ''));
  return items;
}
