// The statement an insert through a file runs: its settings (the dedup token among them) and the
// path are SQL string literals, so a quote or a backslash in either cannot end the literal. The
// inserter reads a table's columns once, and again after the engine refused a statement for
// the table's structure (a column renamed or retyped while the process runs), not after a
// refusal of the data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileInserter, fileInsertSql, takesFile } from '../../src/storage/file-insert.js';
import { CALL_BINARY_COLUMNS } from '../../src/storage/rows-rowbinary.js';

const target = {
  table: 'llm_calls',
  body: new Uint8Array(),
  format: 'TSV' as const,
  columns: ['call_id', 'model'],
  settings: { insert_deduplication_token: "a'b\\c", max_memory_usage: 5 },
};

describe('fileInsertSql', () => {
  it('puts the settings in the statement and quotes every literal', () => {
    expect(fileInsertSql(target, "/d/it's.tsv", '`call_id` String, `model` String')).toBe(
      "INSERT INTO `llm_calls` (`call_id`, `model`) SETTINGS insert_deduplication_token = 'a\\'b\\\\c', max_memory_usage = '5' " +
        "SELECT * FROM file('/d/it\\'s.tsv', 'TSV', '`call_id` String, `model` String')",
    );
  });

  it('refuses a setting name that is not an identifier', () => {
    expect(() =>
      fileInsertSql({ ...target, settings: { 'x = 1, y': 1 } }, '/d/a.tsv', '`call_id` String'),
    ).toThrow(/bad setting name/);
  });
});

describe('takesFile', () => {
  it('takes TSV with a column list only (file() would give left-out columns type defaults)', () => {
    expect(takesFile('TSV', ['call_id'])).toBe(true);
    expect(takesFile('TSV', undefined)).toBe(false);
    expect(takesFile('TSV', [])).toBe(false);
    expect(takesFile('JSONEachRow', ['call_id'])).toBe(false);
    expect(takesFile('RowBinary', ['call_id'])).toBe(true);
  });
});

describe('createFileInserter', () => {
  it('reads a table again after a structure error, not after a data error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-insert-'));
    const columns = CALL_BINARY_COLUMNS.map(([name, type]) => ({ name, type }));
    let reads = 0;
    const failures: unknown[] = [
      Object.assign(new Error('Cannot parse input (at row 1)'), { code: '27' }),
      Object.assign(new Error('There is no column fallback_from in table'), { code: '16' }),
    ];
    const inserter = createFileInserter(
      dir,
      async () => {
        const failure = failures.shift();
        if (failure !== undefined) throw failure;
      },
      async () => {
        reads += 1;
        return columns;
      },
    );
    const insert = () =>
      inserter
        .insert({ ...target, format: 'RowBinary', columns: ['call_id'] })
        .catch(() => 'failed');
    expect(await inserter.takesRowBinary('llm_calls')).toBe(true);
    expect(reads).toBe(1);
    expect(await insert()).toBe('failed'); // the data: no read
    expect(reads).toBe(2); // the structure of ['call_id'] read once
    expect(await insert()).toBe('failed'); // the structure: forgotten
    expect(await insert()).toBeUndefined();
    expect(reads).toBe(3);
    expect(await inserter.takesRowBinary('llm_calls')).toBe(true);
    expect(reads).toBe(4);
    expect(await insert()).toBeUndefined();
    expect(reads).toBe(4);
    rmSync(dir, { recursive: true, force: true });
  });
});
