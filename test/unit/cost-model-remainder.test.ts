// The BigInt largest remainder of an hour with a fractional idle weight against the decimal one it
// stands in for (largestRemainder, 80 significant digits): the same units for every part, on
// random charges, group weights (many equal: remainder ties) and idle weights that are
// capacities of partial hours as the cost model computes them (per-minute capacity x seconds / 60,
// 80 digits of a repeating decimal) or arbitrary decimals of up to 80 digits.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitLastFractional } from '../../src/analytics/queries/cost-model-remainder.js';
import { Money, fromUnits, largestRemainder, toUnits } from '../../src/shared/money.js';

const reference = (t: bigint, whole: readonly bigint[], last: InstanceType<typeof Money>) =>
  largestRemainder(fromUnits(t), [...whole.map((w) => new Money(w.toString())), last]).map(toUnits);

const charge = fc.bigInt({ min: 0n, max: 10n ** 24n });
const groups = fc.array(
  fc.oneof(fc.constantFrom(0n, 1n, 100n, 3000n), fc.bigInt({ min: 0n, max: 10n ** 12n })),
  { maxLength: 40 },
);
// A partial hour's idle capacity: units x tokens a minute x (ms / 1000) / 60, minus what was used.
const partialIdle = fc
  .tuple(
    fc.integer({ min: 1, max: 1000 }),
    fc.constantFrom(7, 50, 333, 50_000, 1_234_567),
    fc.integer({ min: 1, max: 3_599_999 }),
    fc.bigInt({ min: 0n, max: 10n ** 6n }),
  )
  .map(([units, tpm, ms, used]) => {
    const capacity = new Money(tpm).mul(units).mul(new Money(ms).div(1000)).div(60);
    const idle = capacity.sub(used.toString());
    return idle.isNeg() ? capacity : idle;
  });
const anyDecimal = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 79n }), fc.integer({ min: 0, max: 79 }))
  .map(([m, s]) => new Money(m.toString()).div(new Money(10).pow(s)));

describe('splitLastFractional', () => {
  it('gives every part the units largestRemainder gives it', () => {
    fc.assert(
      fc.property(charge, groups, fc.oneof(partialIdle, anyDecimal), (t, whole, last) => {
        const got = splitLastFractional(t, whole, last);
        expect(got).toEqual(reference(t, whole, last));
        expect(got.reduce((a, b) => a + b, 0n)).toBe(t);
      }),
      { numRuns: 2000 },
    );
  });

  it('breaks equal remainders by position, as the decimal split does', () => {
    const idle = new Money(50_000).mul(100).mul('3582.7').div(60);
    const whole = Array.from({ length: 9 }, () => 1000n);
    const t = 10n ** 20n + 7n;
    expect(splitLastFractional(t, whole, idle)).toEqual(reference(t, whole, idle));
    // All on the last part when nothing weighs anything, and the whole-weight split for a whole idle.
    expect(splitLastFractional(5n, [0n, 0n], new Money(0))).toEqual([0n, 0n, 5n]);
    expect(splitLastFractional(10n, [1n, 1n], new Money(2))).toEqual(
      reference(10n, [1n, 1n], new Money(2)),
    );
  });
});
