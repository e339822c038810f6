// The one money module: parsing config and price-file amounts, exact sums and comparisons where
// doubles go wrong, the text every API returns, and the display helpers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareMoney,
  decimalUnits,
  formatUsd,
  fromUnits,
  largestRemainder,
  Money,
  money,
  moneyNumber,
  moneyText,
  parseMoney,
  sumMoney,
  toUnits,
  trimDecimal,
  UNIT,
  unitsText,
} from '../../src/shared/money.js';

describe('parseMoney', () => {
  it('reads a YAML/JSON number as the decimal its author wrote', () => {
    expect(moneyText(parseMoney(2.5e-6)!)).toBe('0.0000025');
    expect(moneyText(parseMoney(0.1)!)).toBe('0.1');
    expect(moneyText(parseMoney(100)!)).toBe('100');
    expect(moneyText(parseMoney(1e-7)!)).toBe('0.0000001');
  });

  it('keeps every digit of decimal text, plain or exponent notation', () => {
    expect(moneyText(parseMoney(' 12.345678901234567890123 ')!)).toBe('12.345678901234567890123');
    expect(moneyText(parseMoney('2.5e-6')!)).toBe('0.0000025');
    expect(moneyText(parseMoney('1.50')!)).toBe('1.5');
  });

  it('refuses negatives, non-finite numbers and anything that is not a decimal', () => {
    for (const bad of [
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '-1',
      '1,5',
      '$3',
      '',
      'x',
      null,
      {},
    ])
      expect(parseMoney(bad), String(bad)).toBeUndefined();
  });
});

describe('exact arithmetic', () => {
  it('sums where doubles drift: 0.1 + 0.2 is 0.3, and 10,000 x 0.0000025 is 0.025', () => {
    expect(0.1 + 0.2).not.toBe(0.3); // the float result this module exists to avoid
    expect(moneyText(sumMoney(['0.1', '0.2']))).toBe('0.3');
    expect(moneyText(sumMoney(Array.from({ length: 10_000 }, () => '0.0000025')))).toBe('0.025');
    expect(moneyText(sumMoney([]))).toBe('0');
  });

  it('compares exactly at the ceiling (a float sum of the same parts is below it)', () => {
    const parts = Array.from({ length: 10 }, () => '0.1');
    expect(parts.reduce((s, p) => s + Number(p), 0) >= 1).toBe(false);
    expect(compareMoney(sumMoney(parts), '1')).toBe(0);
    expect(compareMoney('0.999999999999999999', '1')).toBe(-1);
    expect(compareMoney('1.000000000000000001', '1')).toBe(1);
  });

  it('reads ClickHouse Decimal text, padded or signed', () => {
    expect(moneyText(money('12.340000000000000000'))).toBe('12.34');
    expect(moneyText(money('-0.5'))).toBe('-0.5');
    expect(moneyText(money(''))).toBe('0');
    expect(trimDecimal('0.000000')).toBe('0');
    expect(trimDecimal('12.340000')).toBe('12.34');
    expect(trimDecimal('7')).toBe('7');
    expect(() => money('abc')).toThrow();
  });

  it('sums decimal strings exactly for any amounts at the stored scale', () => {
    const amount = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 18 }))
      .map(([units, scale]) => {
        const s = units.toString().padStart(scale + 1, '0');
        return scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
      });
    fc.assert(
      fc.property(fc.array(amount, { maxLength: 50 }), (values) => {
        // Independent reference: BigInt attodollars.
        const atto = values.reduce((acc, v) => {
          const [int, frac = ''] = v.split('.');
          return acc + BigInt(int ?? '0') * 10n ** 18n + BigInt(frac.padEnd(18, '0'));
        }, 0n);
        expect(sumMoney(values).mul(new Money(10).pow(18)).toFixed()).toBe(atto.toString());
      }),
    );
  });
});

describe('display', () => {
  it('formats dollars for people, half-even, and numbers only for display fields', () => {
    expect(formatUsd('3.5')).toBe('$3.50');
    expect(formatUsd('0.125')).toBe('$0.12');
    expect(formatUsd('0.135')).toBe('$0.14');
    expect(formatUsd('1234.5', 0)).toBe('$1234');
    expect(moneyNumber('0.95')).toBe(0.95);
  });
});

describe('largestRemainder', () => {
  it('splits a total so the parts sum to it exactly', () => {
    const total = new Money('1');
    const parts = largestRemainder(total, [new Money(1), new Money(1), new Money(1)]);
    expect(moneyText(sumMoney(parts))).toBe('1');
    expect(parts.map(moneyText)).toEqual([
      '0.333333333333333334',
      '0.333333333333333333',
      '0.333333333333333333',
    ]);
  });
});

describe('smallest units without decimal objects', () => {
  // Any amount a Decimal(38, 18) column holds, signed: up to 20 integer digits, 18 decimals.
  const amount = fc
    .tuple(
      fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }),
      fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }),
      fc.boolean(),
    )
    .map(([whole, frac, neg]) => (neg ? -1n : 1n) * (whole * 10n ** 18n + frac));

  it('decimalUnits reads ClickHouse decimal text as toUnits reads the decimal', () => {
    fc.assert(
      fc.property(amount, (units) => {
        const text = moneyText(fromUnits(units));
        expect(decimalUnits(text)).toBe(toUnits(money(text)));
        // Trailing zeros, as a server with output_format_decimal_trailing_zeros sends them.
        if (units > 0n) expect(decimalUnits(fromUnits(units).toFixed(18))).toBe(units);
      }),
    );
    expect(decimalUnits(12)).toBe(12n * UNIT);
    expect(decimalUnits('')).toBe(0n);
  });

  it('decimalUnits refuses what it cannot hold exactly, naming the text', () => {
    expect(() => decimalUnits('0.0000000000000000001')).toThrow(/0\.0000000000000000001/);
    expect(() => decimalUnits('2.5e-6')).toThrow(/2\.5e-6/);
    expect(() => decimalUnits('abc')).toThrow(/abc/);
  });

  it('unitsText is moneyText of the same units', () => {
    fc.assert(
      fc.property(amount, (units) => {
        expect(unitsText(units)).toBe(moneyText(fromUnits(units)));
      }),
    );
    expect(unitsText(0n)).toBe('0');
    expect(unitsText(-UNIT / 2n)).toBe('-0.5');
  });
});
