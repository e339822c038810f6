// Queued rows kept as UTF-8 in slabs: whatever subset and order of rows an insert takes (the
// committer groups by partition and splits refused inserts), its body is exactly those lines,
// newline-delimited, and a row's text comes back unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QueuedRow } from '../../src/collector/insert-plan.js';
import { RowSlabs, insertBodyOf, lineOf, textRow } from '../../src/collector/row-slabs.js';
import { emptyCall } from '../../src/shared/call.js';
import { callTsv } from '../../src/storage/rows-tsv.js';

const text = (body: string | Uint8Array): string =>
  typeof body === 'string' ? body : Buffer.from(body).toString('utf8');

/** The body an insert of `lines` must carry (a trailing newline is allowed, not required). */
const expected = (lines: string[]): string => lines.map((l) => `${l}\n`).join('');

// Lines as the writer makes them: any text but a raw newline (TSV and JSON escape it).
const line = fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => s.replace(/\n/g, ' '));

describe('row slabs', () => {
  it('any subset of rows in any order, slab and text rows mixed, makes the body of their lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(line, fc.boolean()), { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (specs, picks) => {
          const slabs = new RowSlabs();
          const rows: QueuedRow[] = specs.map(([l, inSlab], i) =>
            inSlab
              ? slabs.row(`id-${i}`, l, i, 'p')
              : { id: `id-${i}`, line: l, seq: i, partition: 'p' },
          );
          const chosen =
            picks.length > 0 ? picks.map((p) => rows[p % rows.length] as QueuedRow) : rows;
          const body = text(insertBodyOf(chosen));
          const lines = chosen.map((r) => specs[Number(r.id.slice(3))]?.[0] ?? '');
          if (chosen.every((r) => r.slab === undefined)) expect(body).toBe(lines.join('\n'));
          else expect(body).toBe(expected(lines));
          for (const [i, r] of rows.entries()) expect(lineOf(r)).toBe(specs[i]?.[0]);
        },
      ),
    );
  });

  it('rows queued one after another are sent as a view of their slab, not a copy', () => {
    const slabs = new RowSlabs();
    const rows = ['a\tb', 'é\t€', '𝄞\tz'].map((l, i) => slabs.row(String(i), l, 0, 'p'));
    const body = insertBodyOf(rows);
    expect(body).toBeInstanceOf(Uint8Array);
    expect((body as Uint8Array).buffer).toBe(rows[0]?.slab?.buffer);
    expect(text(body)).toBe('a\tb\né\t€\n𝄞\tz\n');
    // Out of order (another partition first): a copy, in the order asked.
    const reordered = insertBodyOf([rows[2], rows[0]] as QueuedRow[]);
    expect((reordered as Uint8Array).buffer).not.toBe(rows[0]?.slab?.buffer);
    expect(text(reordered)).toBe('𝄞\tz\na\tb\n');
  });

  it('a line longer than a slab, and lines across slabs, keep their bytes', () => {
    const slabs = new RowSlabs();
    const long = 'x'.repeat(3 << 20);
    const rows = [slabs.row('0', 'before', 0, 'p'), slabs.row('1', long, 0, 'p')];
    for (let i = 2; i < 5000; i += 1)
      rows.push(slabs.row(String(i), `row ${i} ${'y'.repeat(2000)}`, 0, 'p'));
    expect(new Set(rows.map((r) => r.slab)).size).toBeGreaterThan(2);
    expect(text(insertBodyOf(rows))).toBe(expected(rows.map(lineOf)));
    expect(lineOf(rows[1] as QueuedRow)).toBe(long);
  });

  it('textRow gives the plain row dead-letter files keep', () => {
    const row = new RowSlabs().row('id', '{"a":"ü"}', 7, '202612');
    expect(textRow(row)).toEqual({ id: 'id', line: '{"a":"ü"}', seq: 7, partition: '202612' });
    expect(textRow(row, 'other')).toEqual({ id: 'id', line: 'other', seq: 7, partition: '202612' });
  });

  it('callRow writes a call straight into the slab: the line callTsv makes, ASCII or not', () => {
    const slabs = new RowSlabs();
    const calls = Array.from({ length: 8000 }, (_, i) => ({
      ...emptyCall(),
      call_id: `c-${i}`,
      start_time_ns: 1_764_000_000_123_456_789n + BigInt(i),
      span_name: i % 7 === 0 ? `chat ü ${i}` : `chat\t${'x'.repeat(i % 300)}`,
      warnings: i % 5 === 0 ? ["it's"] : [],
      ttft_ms: i % 3 === 0 ? null : i / 7,
    }));
    const rows = calls.map((c, i) => slabs.callRow(`id-${i}`, c, i, 'p'));
    expect(new Set(rows.map((r) => r.slab)).size).toBeGreaterThan(1);
    rows.forEach((r, i) => expect(lineOf(r)).toBe(callTsv(calls[i] as (typeof calls)[number])));
    expect(text(insertBodyOf(rows))).toBe(expected(calls.map(callTsv)));
  });
});
