// The statement an insert through a file runs: its settings (the dedup token among them) and the
// path are SQL string literals, so a quote or a backslash in either cannot end the literal.
import { describe, expect, it } from 'vitest';
import { fileInsertSql, takesFile } from '../../src/storage/file-insert.js';

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
  });
});
