// llm_calls rows as TSV: the engine stores from a TSV line exactly what it stores from the
// JSONEachRow line of the same call (real chDB), any strings survive the escaping, and a
// refused TSV line turns back into the JSON line a dead letter keeps.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { emptyCall, type LlmCall } from '../../src/collector/call.js';
import { callRow } from '../../src/storage/rows.js';
import { CALL_COLUMNS, callTsv, callTsvCells, tsvToJsonLine } from '../../src/storage/rows-tsv.js';
import { writeCallTsv } from '../../src/storage/rows-tsv-bytes.js';
import { createStorage } from '../../src/storage/client.js';
import { migrate } from '../../src/storage/migrate.js';
import type { QueryRunner } from '../../src/storage/runner.js';

let storage: QueryRunner;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rows-tsv-'));
  storage = await createStorage({ database: 'default', dataDir: join(dir, 'data') });
  await migrate(storage, { ttl_days: 400 });
});
afterAll(async () => {
  await storage.close();
});

const nasty = 'tab\there, line\nbreak, cr\rreturn, back\\slash, quote \' and "dq", ünï €';

function call(id: string, overrides: Partial<LlmCall> = {}): LlmCall {
  return {
    ...emptyCall(),
    call_id: id,
    trace_id: 'a'.repeat(32),
    span_id: 'b'.repeat(16),
    start_time_ns: 1_764_000_000_123_456_789n,
    end_time_ns: 1_764_000_001_500_000_000n,
    duration_ms: 1376.543211,
    span_name: nasty,
    tenant: 'acme',
    route: '\\N',
    provider: 'openai',
    model: 'gpt-4o',
    streaming: true,
    input_tokens: 123_456_789_012,
    output_tokens: 7,
    ttft_ms: 0.125,
    itl_ms: null,
    priced: true,
    cost_input: '0.000000000123456789',
    cost_total: '12345.678901234567',
    warnings: ['attribute_truncated', nasty],
    ...overrides,
  };
}

describe('callTsv', () => {
  it('stores exactly what the JSONEachRow line of the same call stores', async () => {
    await storage.insert('llm_calls', callRow(call('json-row')));
    await storage.insert('llm_calls', callTsv(call('tsv-row')), {
      format: 'TSV',
      columns: CALL_COLUMNS,
    });
    const rows = await storage.query<Record<string, unknown>>(
      `SELECT * EXCEPT (call_id, ingested_at) FROM llm_calls WHERE call_id IN ('json-row', 'tsv-row') ORDER BY call_id`,
    );
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual(rows[0]);
    expect(rows[0]?.span_name).toBe(nasty);
    expect(rows[0]?.route).toBe('\\N');
    expect(rows[0]?.warnings).toEqual(['attribute_truncated', nasty]);
    expect(rows[0]?.itl_ms).toBeNull();
    expect(rows[0]?.start_time).toBe('2025-11-24 16:00:00.123456');
  });

  it('writes one cell per column', () => {
    expect(callTsv(call('x')).split('\t')).toHaveLength(CALL_COLUMNS.length);
    expect(CALL_COLUMNS).toEqual(Object.keys(JSON.parse(callRow(call('x'))) as object));
  });

  it('turns back into the JSON line callRow writes, for any strings and numbers', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.array(fc.string({ unit: 'binary' }), { maxLength: 3 }),
        fc.option(fc.double({ noNaN: true, noDefaultInfinity: true })),
        fc.nat(),
        (text, warnings, ttft, tokens) => {
          const c = call('prop', {
            tenant: text,
            span_name: text,
            warnings,
            ttft_ms: ttft === null ? null : ttft,
            input_tokens: tokens,
          });
          expect(JSON.parse(tsvToJsonLine(callTsv(c)))).toEqual(JSON.parse(callRow(c)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** A value of the same kind as `neutral` (emptyCall's), biased to the ASCII fast path. */
function arbLike(neutral: unknown): fc.Arbitrary<unknown> {
  // Rarely non-ASCII per field, so that about half the calls are all ASCII (the byte path).
  const text = fc.oneof(
    { arbitrary: fc.string({ maxLength: 12 }), weight: 100 },
    { arbitrary: fc.constantFrom('', '\\N', 'a\tb', 'x\\y', "it's", 'l\nr\rs'), weight: 50 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 6 }), weight: 3 },
  );
  if (typeof neutral === 'string') return text;
  if (typeof neutral === 'boolean') return fc.boolean();
  if (typeof neutral === 'bigint')
    return fc.oneof(
      fc.bigInt({ min: 0n, max: 4_102_444_800_000_000_000n }),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n }),
    );
  if (Array.isArray(neutral)) return fc.array(text, { maxLength: 3 });
  const number = fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.maxSafeInteger());
  return neutral === null ? fc.option(number) : number;
}

const anyCall = fc.record(
  Object.fromEntries(Object.entries(emptyCall()).map(([k, v]) => [k, arbLike(v)])),
) as unknown as fc.Arbitrary<LlmCall>;

describe('callTsv on the byte path', () => {
  it('writes the same line as the generic cells, for any call', () => {
    const into = new Uint8Array(64 * 1024);
    let onBytePath = 0;
    fc.assert(
      fc.property(anyCall, (c) => {
        if (writeCallTsv(c, into, 0) >= 0) onBytePath += 1;
        expect(callTsv(c)).toBe(callTsvCells(c));
      }),
      { numRuns: 2000 },
    );
    expect(onBytePath).toBeGreaterThan(500);
  });

  it('takes the byte path for an all-ASCII row and leaves any other to the generic one', () => {
    const into = new Uint8Array(4096);
    const ascii = call('ascii', { span_name: 'chat gpt-4o', warnings: ["it's"] });
    const end = writeCallTsv(ascii, into, 10);
    expect(end).toBeGreaterThan(10);
    expect(Buffer.from(into.subarray(10, end)).toString('latin1')).toBe(callTsvCells(ascii));
    expect(writeCallTsv(call('u', { span_name: 'ünï' }), into, 0)).toBe(-1);
    // A line that does not fit is refused, never cut.
    expect(writeCallTsv(ascii, new Uint8Array(100), 0)).toBe(-1);
    expect(callTsv(call('u', { span_name: 'ünï' }))).toBe(
      callTsvCells(call('u', { span_name: 'ünï' })),
    );
  });
});
