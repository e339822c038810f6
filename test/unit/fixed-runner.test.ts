// The fixed in-memory runner other unit tests stand on: it answers only what it was given, records
// every call in order, and fails like a store would (typed errors, closed after close).
import { describe, expect, it } from 'vitest';
import { createFixedRunner } from '../../src/storage/fixed-runner.js';
import { StoreConnectionError, StoreQueryError } from '../../src/storage/runner-errors.js';

describe('fixed runner', () => {
  it('answers the first matching pattern and records the call', async () => {
    const runner = createFixedRunner([
      { match: /FROM a\b/, rows: (_sql, params) => [{ x: params.v }] },
      { match: 'FROM a', rows: [{ x: 'never' }] },
    ]);
    expect(await runner.query('SELECT x FROM a WHERE v = {v:String}', { v: 'p' })).toEqual([
      { x: 'p' },
    ]);
    expect(runner.calls).toEqual([
      { operation: 'query', sql: 'SELECT x FROM a WHERE v = {v:String}', params: { v: 'p' } },
    ]);
  });

  it('refuses SQL it has no answer for, and throws the error it was given', async () => {
    const boom = new StoreQueryError('refused', 'command', '27', 'CANNOT_PARSE_INPUT');
    const runner = createFixedRunner([{ match: 'DROP', error: boom }]);
    await expect(runner.query('SELECT 1')).rejects.toBeInstanceOf(StoreQueryError);
    await expect(runner.command('DROP TABLE t')).rejects.toBe(boom);
    await expect(runner.command('CREATE TABLE t')).resolves.toBeUndefined();
  });

  it('keeps inserted rows per table, from objects or a JSONEachRow body, with the dedup token', async () => {
    const runner = createFixedRunner();
    await runner.insert('t', [{ a: 1 }], { dedupToken: 'k' });
    await runner.insert('t', '{"a":2}\n{"a":3}\n');
    expect(runner.inserted.get('t')).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    expect(runner.calls[0]).toMatchObject({ operation: 'insert', table: 't', dedupToken: 'k' });
  });

  it('streams canned rows, and is closed after close', async () => {
    const runner = createFixedRunner([{ match: 'SELECT', rows: [{ a: 1 }] }]);
    let text = '';
    for await (const chunk of await runner.stream('SELECT a', 'CSV')) text += String(chunk);
    expect(text).toBe('{"a":1}\n');
    await runner.close();
    await expect(runner.query('SELECT a')).rejects.toBeInstanceOf(StoreConnectionError);
    await expect(runner.insert('t', [{ a: 1 }])).rejects.toBeInstanceOf(StoreConnectionError);
  });
});
