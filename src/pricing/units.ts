// Exact fixed-point money for the pricing hot path: an amount is a BigInt count of 10^-scale
// dollars. Prices are finite decimals (read from text by decimal.js once, at catalog load), so
// every rate set has a scale at which all its rates are whole numbers; tokens x rate and the
// sums of parts stay whole at that scale, and a discount of d decimals adds d + 2 places. No
// rounding anywhere, so the text is the same decimal decimal.js printed, at a fraction of the
// cost (a few BigInt multiplications instead of Decimal objects per priced part).
import { Money, type MoneyValue } from '../shared/money.js';
import { RATE_KINDS, type RateKind, type Rates } from './types.js';

/** A rate set as whole numbers of 10^-scale dollars per unit (undefined: no rate of that kind). */
export type UnitRates = Readonly<Record<RateKind, bigint | undefined>> & { readonly scale: number };

const unitRates = new WeakMap<Rates, UnitRates>();

/** `rates` in units of its finest rate's last decimal place; built once per rate set. */
export function ratesInUnits(rates: Rates): UnitRates {
  const hit = unitRates.get(rates);
  if (hit !== undefined) return hit;
  let scale = 0;
  for (const kind of RATE_KINDS) scale = Math.max(scale, rates[kind]?.decimalPlaces() ?? 0);
  const out = { scale } as Record<RateKind, bigint | undefined> & { scale: number };
  // Every kind present (undefined when unpriced): one object shape for all rate sets.
  for (const kind of RATE_KINDS) out[kind] = toWhole(rates[kind], scale);
  unitRates.set(rates, out);
  return out;
}

function toWhole(value: MoneyValue | undefined, scale: number): bigint | undefined {
  return value === undefined ? undefined : BigInt(value.mul(new Money(10).pow(scale)).toFixed(0));
}

/** A discount's factor (1 - percent / 100) as `units` / 10^scale. */
export interface Factor {
  units: bigint;
  scale: number;
}

const factors = new WeakMap<MoneyValue, Factor>();

/** The factor of `percent` off; memoized per catalog value (a handful of discounts at most). */
export function discountFactor(percent: MoneyValue): Factor {
  const hit = factors.get(percent);
  if (hit !== undefined) return hit;
  const scale = percent.decimalPlaces() + 2;
  const factor = {
    units: BigInt(new Money(1).sub(percent.div(100)).mul(pow10(scale)).toFixed(0)),
    scale,
  };
  factors.set(percent, factor);
  return factor;
}

const pow10 = (n: number): MoneyValue => new Money(10).pow(n);

/**
 * A token count as a BigInt with the value decimal.js gave it: a safe integer is itself; above
 * 2^53 decimal.js read the double's shortest text ("1e+23"), not its binary value.
 */
export function bigCount(n: number): bigint {
  return n <= Number.MAX_SAFE_INTEGER ? BigInt(n) : BigInt(new Money(n).toFixed(0));
}

/** `units` / 10^scale as plain decimal text: no exponent, no trailing zeros, "0" for zero. */
export function unitsText(units: bigint, scale: number): string {
  if (units === 0n) return '0';
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    const point = digits.length - scale;
    let end = digits.length;
    while (end > point && digits.charCodeAt(end - 1) === 48) end -= 1;
    digits =
      end === point
        ? digits.slice(0, point)
        : `${digits.slice(0, point)}.${digits.slice(point, end)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** `units` / 10^scale as a decimal.js value (for callers that go on computing in decimals). */
export function unitsValue(units: bigint, scale: number): MoneyValue {
  return new Money(units.toString()).div(pow10(scale));
}
