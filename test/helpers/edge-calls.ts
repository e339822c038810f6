// Calls around the edges of llm_calls' column types, for the tests that hold the RowBinary rows
// to the TSV rows (storage-rowbinary.test.ts, rows-rowbinary.test.ts): fixed edge values one
// field at a time (edgeCalls), and a fast-check generator of whole calls (callGen), most inside
// the RowBinary encoder's exact domain, some with any value a field can hold.
import fc from 'fast-check';
import { emptyCall, type LlmCall } from '../../src/collector/call.js';

const T0 = 1_790_000_000_000_000_000n;

/** Edge values by kind of column: what the TSV path stores, refuses or wraps, and the domain's ends. */
const EDGES = {
  date: [
    10n ** 18n,
    10n ** 18n - 1n,
    9n * 10n ** 18n - 1000n,
    9n * 10n ** 18n,
    10n ** 19n - 1000n,
    10n ** 19n,
    0n,
    -1n,
    T0 + 999n,
  ],
  u16: [0, 65535, 65536, 70000, -1, 1.5, NaN, Infinity],
  u32: [2 ** 32 - 1, 2 ** 32, -1, NaN],
  u64: [0, 2 ** 53 - 1, 2 ** 53, 2 ** 64, 1e20, 1e21, -5, 1.5, NaN, -Infinity],
  f64: [NaN, Infinity, -0, 5e-324, Number.MAX_VALUE, -1.5, 0.1],
  nf64: [null, NaN, -0, 1e-300, -Infinity],
  decimal: [
    '',
    '0',
    '-0',
    '1e-5',
    '1E5',
    '+0.5',
    '-0.5',
    '.5',
    '1.',
    '-',
    'abc',
    ' 1',
    '0.1234567890123456789012',
    '0.123456789012345678',
    '99999999999999999999.999999999999999999',
    '-99999999999999999999.999999999999999999',
    '123456789012345678901',
    '00012.50',
    '1e30',
    'nan',
  ],
  str: [
    '',
    'mödel-日本-😀',
    'a\ud800b',
    '\udc00',
    '\\N',
    "a\tb\nc\rd\\e'f",
    'a\u0000b',
    'é'.repeat(5000),
  ],
  warnings: [[], ["a'b", 'c\\d', 'ü', ''], Array.from({ length: 200 }, (_, i) => `w${i}`)],
};

/** A plain priced call (inside the encoder's domain). */
export function plainCall(i: number): LlmCall {
  return {
    ...emptyCall(),
    call_id: `plain-${i}`,
    trace_id: `t${i}`,
    start_time_ns: T0 + BigInt(i) * 1_000_123n,
    end_time_ns: T0 + BigInt(i) * 1_000_123n + 1_500_000_000n,
    duration_ms: 1500.25,
    tenant: `tenant-${i % 3}`,
    model: 'gpt-4o',
    input_tokens: 1000 + i,
    output_tokens: 50,
    ttft_ms: 300.5,
    http_status: 200,
    priced: true,
    cost_input: '0.0025',
    cost_total: '0.003125',
    warnings: ['negative_tokens_clamped'],
  };
}

/** Fields by kind, for the edge calls and the generator. */
const FIELDS = {
  date: ['start_time_ns', 'end_time_ns'],
  u16: ['http_status', 'attempt'],
  u32: ['web_search_requests'],
  u64: ['input_tokens', 'cache_read_tokens', 'output_tokens', 'audio_output_tokens'],
  f64: ['duration_ms'],
  nf64: ['ttft_ms', 'itl_p95_ms'],
  decimal: ['cost_input', 'cost_total', 'list_cost', 'cost_request'],
  str: ['call_id', 'model', 'tenant', 'conversation_id', 'route'],
  warnings: ['warnings'],
} as const;

/** A few plain calls, then one call per (field, edge value). Ids are unique (call_id's edges are suffixed). */
export function edgeCalls(): LlmCall[] {
  const calls: LlmCall[] = Array.from({ length: 5 }, (_, i) => plainCall(i));
  let n = 0;
  for (const kind of Object.keys(FIELDS) as (keyof typeof FIELDS)[]) {
    for (const field of FIELDS[kind]) {
      for (const value of EDGES[kind]) {
        n += 1;
        const call = { ...plainCall(100 + n), call_id: `edge-${n}` } as Record<string, unknown>;
        call[field] = field === 'call_id' ? `edge-${n}-${String(value)}` : value;
        calls.push(call as unknown as LlmCall);
      }
    }
  }
  return calls;
}

/** Plain decimal text of `units` 10^-18, trailing zeros dropped (pricing's form). */
function decimalText(units: bigint): string {
  const abs = units < 0n ? -units : units;
  const frac = (abs % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return `${units < 0n ? '-' : ''}${abs / 10n ** 18n}${frac !== '' ? `.${frac}` : ''}`;
}

function arbitraries(edges: boolean) {
  const pick = <T>(inside: fc.Arbitrary<T>, all: readonly T[]): fc.Arbitrary<T> =>
    edges ? fc.oneof(inside, fc.constantFrom(...all)) : inside;
  const units = fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n });
  return {
    date: pick(fc.bigInt({ min: 10n ** 18n, max: 9n * 10n ** 18n - 1n }), EDGES.date),
    u16: pick(fc.integer({ min: 0, max: 65535 }), EDGES.u16),
    u32: pick(fc.nat(), EDGES.u32),
    u64: pick(fc.oneof(fc.nat(), fc.maxSafeNat()), EDGES.u64),
    f64: edges ? fc.double() : fc.double({ noNaN: true, noDefaultInfinity: true }),
    nf64: fc.option(fc.double(), { nil: null }),
    decimal: pick(
      fc.oneof(
        units.map(decimalText),
        fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }).map(decimalText),
        fc.constantFrom('', '0', '-0', '00012.50'),
      ),
      EDGES.decimal,
    ),
    str: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom(...EDGES.str)),
    warnings: fc.array(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), { maxLength: 4 }),
  };
}

function callArbitrary(edges: boolean): fc.Arbitrary<LlmCall> {
  const a = arbitraries(edges);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const kind of Object.keys(FIELDS) as (keyof typeof FIELDS)[])
    for (const field of FIELDS[kind]) record[field] = a[kind];
  record.streaming = fc.boolean();
  record.priced = fc.boolean();
  return fc.record(record).map((fields) => ({ ...plainCall(0), ...fields }) as unknown as LlmCall);
}

/** Whole calls: four in five inside the encoder's domain, the rest with any edge value. */
export const callGen: fc.Arbitrary<LlmCall> = fc.oneof(
  { arbitrary: callArbitrary(false), weight: 4 },
  { arbitrary: callArbitrary(true), weight: 1 },
);
