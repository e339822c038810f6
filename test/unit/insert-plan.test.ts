// monthPartition remembers the last month's range; whatever order timestamps come in, it must
// give what the Date arithmetic gives (toYYYYMM of the timestamp truncated to milliseconds).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayPartition, monthPartition } from '../../src/collector/insert-plan.js';

function reference(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  if (Number.isNaN(d.getTime())) return 'invalid';
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

const MS = 1_000_000n;
/** Month edges, where an off-by-one in the remembered range would show. */
const edges = [
  Date.UTC(2026, 0, 1),
  Date.UTC(2026, 1, 1),
  Date.UTC(2024, 2, 1),
  0,
  Date.UTC(1969, 11, 15),
].flatMap((ms) => [-1n, 0n, 1n, 999_999n].map((d) => BigInt(ms) * MS + d));

describe('monthPartition', () => {
  it('equals the Date arithmetic for any sequence of timestamps', () => {
    const ns = fc.oneof(
      fc.constantFrom(...edges),
      fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }),
      fc.bigInt({
        min: BigInt(Date.UTC(2025, 11, 1)) * MS,
        max: BigInt(Date.UTC(2026, 2, 1)) * MS,
      }),
    );
    fc.assert(
      fc.property(fc.array(ns, { minLength: 1, maxLength: 40 }), (seq) => {
        for (const t of seq) expect(monthPartition(t)).toBe(reference(t));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the month of rows around 1970 and past the engine range as the engine would', () => {
    expect(monthPartition(-1n)).toBe('197001');
    expect(monthPartition(BigInt(Date.UTC(1970, 0, 31, 23)) * MS)).toBe('197001');
    expect(monthPartition(-(BigInt(86_400_000) * MS))).toBe('196912');
    // -1 ns truncates to 0 ms: January 1970, even right after a December 1969 row.
    expect(monthPartition(-1n)).toBe('197001');
    expect(monthPartition(10n ** 30n)).toBe('invalid');
    expect(dayPartition(BigInt(Date.UTC(2026, 1, 28, 23, 59)) * MS)).toBe('20260228');
  });
});
