// The llm_calls RowBinary rows in JavaScript: a call inside the encoder's domain reads back as
// exactly the TSV line the TSV path writes for it (so dead letters, the drift fallback and a
// mixed insert carry the same values), a call outside it is queued as its TSV line, an insert
// with both goes as TSV, and a dead-lettered RowBinary row keeps the JSON a TSV row keeps.
// What the engine stores from either is held equal by test/integration/storage-rowbinary.test.ts.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { QueuedRow } from '../../src/collector/insert-plan.js';
import { Committer } from '../../src/collector/committer.js';
import {
  RowSlabs,
  callRowId,
  hashRowIds,
  insertOf,
  lineOf,
  rowId,
} from '../../src/collector/row-slabs.js';
import { RowQueues, deadLetterRows, writerCallFormat } from '../../src/collector/writer-rows.js';
import type { LlmCall } from '../../src/shared/call.js';
import type { StoreError } from '../../src/storage/errors.js';
import {
  CALL_BINARY_COLUMNS,
  OUTSIDE,
  binaryMismatches,
  writeCallRowBinary,
} from '../../src/storage/rows-rowbinary.js';
import { rowBinaryTsvBody, rowBinaryTsvLine } from '../../src/storage/rows-rowbinary-tsv.js';
import { CALL_COLUMNS, callTsv } from '../../src/storage/rows-tsv.js';
import { callGen, edgeCalls, plainCall } from '../helpers/edge-calls.js';

const buf = Buffer.alloc(1 << 20);

/** The call's RowBinary row, or undefined when it is outside the encoder's domain. */
function binary(call: LlmCall): Buffer | undefined {
  const end = writeCallRowBinary(call, buf, 0);
  return end >= 0 ? Buffer.from(buf.subarray(0, end)) : undefined;
}

/**
 * callTsv's line with each decimal cell as the plain form the RowBinary row reads back as, and
 * \N in a column that is not nullable as the 0 the engine stores for it.
 */
function canonicalTsv(call: LlmCall): string {
  const cells = callTsv(call).split('\t');
  CALL_BINARY_COLUMNS.forEach(([, type], i) => {
    if (cells[i] === '\\N' && type !== 'Nullable(Float64)') cells[i] = '0';
    if (type !== 'Decimal(38, 18)') return;
    const text = cells[i] ?? '';
    const [whole = '', frac = ''] = text.replace(/^-/, '').split('.');
    const w = whole.replace(/^0+(?=\d)/, '') || '0';
    const f = frac.replace(/0+$/, '');
    const zero = /^0*$/.test(w + f);
    cells[i] = `${text.startsWith('-') && !zero ? '-' : ''}${w}${f !== '' ? `.${f}` : ''}`;
  });
  return cells.join('\t');
}

describe('llm_calls RowBinary rows', () => {
  it('name the columns callTsv writes, in its order', () => {
    expect(CALL_BINARY_COLUMNS.map(([name]) => name)).toEqual(CALL_COLUMNS);
  });

  it('read back as the TSV line of any call inside the domain', () => {
    let inside = 0;
    fc.assert(
      fc.property(callGen, (call) => {
        const row = binary(call);
        if (row === undefined) return;
        inside += 1;
        // Compared as UTF-8, as the engine gets both (a lone surrogate is U+FFFD either way).
        const utf8 = Buffer.from(canonicalTsv(call)).toString();
        expect(rowBinaryTsvLine(row, 0, row.length)).toBe(utf8);
      }),
      { numRuns: 500 },
    );
    expect(inside).toBeGreaterThan(200);
  });

  it('keep no id string, and read it back from their bytes as the call built it', () => {
    const slabs = new RowSlabs();
    // As UTF-8, as the encoder writes them (a lone surrogate is U+FFFD in the bytes).
    const utf8 = (text: string): string => Buffer.from(text).toString();
    fc.assert(
      fc.property(callGen, (call) => {
        const row = slabs.binaryCallRow(call, 0, 'p');
        if (row.binary !== true) return;
        expect(row.id).toBe('');
        expect(rowId(row)).toBe(`${utf8(call.tenant)}\u0000${utf8(call.call_id)}`);
      }),
      { numRuns: 300 },
    );
    // Lengths past one varuint byte, and a row of its own slab.
    const long = { ...plainCall(1), call_id: 'c'.repeat(200), tenant: '租户'.repeat(30_000) };
    const row = slabs.binaryCallRow(long, 0, 'p');
    expect(row.binary).toBe(true);
    expect(rowId(row)).toBe(callRowId(long));
    // A call queued as TSV (outside the domain) keeps its id as text.
    const odd = slabs.binaryCallRow({ ...plainCall(2), http_status: 70000 }, 0, 'p');
    expect(odd.binary).toBeUndefined();
    expect(odd.id).toBe(callRowId({ ...plainCall(2) }));
  });

  it('hash their ids as the UTF-8 of the id strings, past the gathering buffer too', () => {
    const slabs = new RowSlabs();
    const calls = Array.from({ length: 3000 }, (_, i) => ({
      ...plainCall(i),
      tenant: i === 1500 ? 'τ'.repeat(40_000) : `tenant-${i % 7}`,
    }));
    const rows = calls.map((c, i) =>
      i % 500 === 3
        ? slabs.binaryCallRow({ ...c, http_status: 70000 }, 0, 'p')
        : slabs.binaryCallRow(c, 0, 'p'),
    );
    expect(rows.filter((r) => r.binary !== true)).toHaveLength(6);
    const gathered = createHash('sha256');
    hashRowIds(gathered, rows);
    const joined = createHash('sha256').update(calls.map((c) => `${callRowId(c)}\n`).join(''));
    expect(gathered.digest('hex')).toBe(joined.digest('hex'));
  });

  it('give an insert the token the same rows queued as TSV get', async () => {
    const tokens = async (format: 'rowbinary' | 'tsv', calls: LlmCall[]): Promise<string[]> => {
      const seen: string[] = [];
      const committer = new Committer(
        {
          insert: async (_table, _body, options) => {
            seen.push(options?.dedupToken ?? '');
          },
        },
        { maxPartitions: 100, maxRows: 2, backoff: { baseMs: 1, maxMs: 1 } },
      );
      const queues = new RowQueues(format);
      queues.add(
        calls,
        [],
        calls.map((_, i) => i + 1),
        [],
      );
      await committer.commit(
        'llm_calls',
        queues.take(calls.length).llm_calls,
        queues.formats.llm_calls,
      );
      return seen;
    };
    const calls = [plainCall(1), plainCall(2), { ...plainCall(3), tenant: 'ténant' }];
    const binaryTokens = await tokens('rowbinary', calls);
    expect(binaryTokens).toHaveLength(2);
    expect(binaryTokens).toEqual(await tokens('tsv', calls));
    // The same call ids under another tenant: other tokens.
    const other = await tokens(
      'rowbinary',
      calls.map((c) => ({ ...c, tenant: 'other' })),
    );
    expect(other.filter((t) => binaryTokens.includes(t))).toEqual([]);
  });

  it('leave the values the TSV path parses its own way to the TSV line', () => {
    const outside = edgeCalls().filter((c) => binary(c) === undefined);
    const ids = outside.map((c) => c.call_id);
    // One of each kind: a date before 2001, a wrapping UInt16, a fraction, an exponent.
    expect(outside.length).toBeGreaterThan(20);
    for (const c of outside) expect(writeCallRowBinary(c, buf, 0)).toBe(OUTSIDE);
    expect(ids).not.toContain('plain-0');
    expect(binary({ ...plainCall(1), cost_total: '1e-5' })).toBeUndefined();
    expect(binary({ ...plainCall(1), http_status: 65536 })).toBeUndefined();
    expect(binary({ ...plainCall(1), input_tokens: 2 ** 53 })).toBeUndefined();
    expect(binary({ ...plainCall(1), start_time_ns: 999_999_999_999_999_999n })).toBeUndefined();
    expect(binary({ ...plainCall(1), cost_total: '0.1234567890123456789' })).toBeUndefined();
  });

  it('queue a call outside the domain as TSV, and send an insert holding one as TSV', () => {
    const slabs = new RowSlabs();
    const calls = [plainCall(1), { ...plainCall(2), http_status: 70000 }, plainCall(3)];
    const rows = calls.map((c, i) => slabs.binaryCallRow(c, i, 'p'));
    expect(rows.map((r) => r.binary === true)).toEqual([true, false, true]);
    const format = { format: 'RowBinary' as const, columns: CALL_COLUMNS };
    const mixed = insertOf(rows, format);
    expect(mixed.format.format).toBe('TSV');
    expect(Buffer.from(mixed.body as Uint8Array).toString()).toBe(
      `${calls.map(callTsv).join('\n')}\n`,
    );
    const plain = insertOf([rows[0], rows[2]] as QueuedRow[], format);
    expect(plain.format.format).toBe('RowBinary');
    expect(rowBinaryTsvBody(plain.body as Uint8Array).toString()).toBe(
      [calls[0], calls[2]].map((c) => callTsv(c as LlmCall)).join('\n'),
    );
  });

  it('commit a call outside the domain as its own TSV insert, the others as RowBinary', async () => {
    const inserts: { format: string | undefined; body: string }[] = [];
    const committer = new Committer(
      {
        insert: async (_table, body, options) => {
          const bytes = body as Uint8Array;
          inserts.push({
            format: options?.format,
            body:
              options?.format === 'RowBinary'
                ? rowBinaryTsvBody(bytes).toString()
                : Buffer.from(bytes).toString().trimEnd(),
          });
        },
      },
      { maxPartitions: 100, maxRows: 1000, backoff: { baseMs: 1, maxMs: 1 } },
    );
    const queues = new RowQueues('rowbinary');
    const calls = [plainCall(1), { ...plainCall(2), cost_total: '1e-5' }, plainCall(3)];
    queues.add(calls, [], [1, 2, 3], []);
    const rows = queues.take(3).llm_calls;
    const result = await committer.commit('llm_calls', rows, queues.formats.llm_calls);
    expect(result.committed).toHaveLength(3);
    expect(inserts).toEqual([
      {
        format: 'RowBinary',
        body: [calls[0], calls[2]].map((c) => callTsv(c as LlmCall)).join('\n'),
      },
      { format: 'TSV', body: callTsv(calls[1] as LlmCall) },
    ]);
  });

  it('give a call longer than a slab its own slab', () => {
    const slabs = new RowSlabs();
    const call = { ...plainCall(1), conversation_id: '日本'.repeat(300_000) };
    const row = slabs.binaryCallRow(call, 0, 'p');
    expect(row.binary).toBe(true);
    expect(lineOf(row)).toBe(callTsv(call));
  });

  it('are dead-lettered as the JSON a TSV row is', () => {
    const error: StoreError = { kind: 'permanent', message: 'refused' };
    // An empty decimal ('' stored as 0) reads back as '0': left out of the comparison.
    const costs = CALL_BINARY_COLUMNS.filter(([, t]) => t === 'Decimal(38, 18)').map(([n]) => n);
    const calls = edgeCalls().filter(
      (c) =>
        binary(c) !== undefined &&
        costs.every((k) => (c as unknown as Record<string, unknown>)[k] !== ''),
    );
    const json = (format: 'rowbinary' | 'tsv'): string[] => {
      const queues = new RowQueues(format);
      queues.add(calls, [], [], []);
      const rows = queues.take(calls.length).llm_calls;
      return deadLetterRows(
        'llm_calls',
        rows.map((row) => ({ row, error })),
      ).map((r) => r.row.line);
    };
    const fromBinary = json('rowbinary');
    expect(fromBinary).toHaveLength(calls.length);
    // Decimals compare as numbers (the RowBinary row reads back '0.5' for '00.50'), and a
    // non-finite number, \N in the TSV line, as the 0 both store (NULL where nullable).
    const nullable = new Set(
      CALL_BINARY_COLUMNS.filter(([, t]) => t === 'Nullable(Float64)').map(([n]) => n),
    );
    const number = (_: string, d: string): string => String(Number(d) + 0);
    const loose = (lines: string[]) =>
      lines.map((l) =>
        Object.fromEntries(
          Object.entries(
            JSON.parse(l.replace(/"(-?\d+(?:\.\d+)?)"/g, number)) as Record<string, unknown>,
          ).map(([k, v]) => [k, v === null && !nullable.has(k) ? 0 : v]),
        ),
      );
    expect(loose(fromBinary)).toEqual(loose(json('tsv')));
  });

  it('are written only where the store takes them, TSV from the start after drift', async () => {
    const file = { insert_format: 'rowbinary', insert_mode: 'file' } as const;
    const embedded = (takes: () => Promise<boolean>) => ({
      kind: 'embedded' as const,
      takesRowBinary: takes,
    });
    expect(
      await writerCallFormat(
        file,
        embedded(async () => true),
      ),
    ).toBe('rowbinary');
    expect(
      await writerCallFormat(
        file,
        embedded(async () => false),
      ),
    ).toBe('tsv');
    // The store could not answer: the check before each insert still guards the rows.
    expect(
      await writerCallFormat(
        file,
        embedded(() => Promise.reject(new Error('x'))),
      ),
    ).toBe('rowbinary');
    expect(
      await writerCallFormat(
        { ...file, insert_mode: 'raw' },
        embedded(async () => true),
      ),
    ).toBe('tsv');
    expect(
      await writerCallFormat(
        { ...file, insert_format: 'tsv' },
        embedded(async () => true),
      ),
    ).toBe('tsv');
    expect(await writerCallFormat(file, { kind: 'server' })).toBe('tsv');
  });

  it('check a table against the types the encoder writes', () => {
    const table = CALL_BINARY_COLUMNS.map(([name, type]) => ({
      name,
      type: type === 'String' ? 'LowCardinality(String)' : type,
    }));
    expect(binaryMismatches(table)).toEqual([]);
    expect(
      binaryMismatches([...table, { name: 'ingested_at', type: "DateTime64(3, 'UTC')" }]),
    ).toEqual([]);
    const drifted = table.map((c) => (c.name === 'attempt' ? { ...c, type: 'UInt32' } : c));
    expect(binaryMismatches(drifted)).toEqual(['attempt: table UInt32, encoder UInt16']);
    expect(binaryMismatches(table.filter((c) => c.name !== 'warnings'))).toEqual([
      'warnings: table missing, encoder Array(String)',
    ]);
  });
});
