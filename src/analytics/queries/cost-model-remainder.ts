// largestRemainder (src/shared/money.ts) of an hour whose last weight is fractional, on BigInt:
// the same digits without an 80-digit decimal object per part. A partial reservation hour of a
// capacity that is not whole (the two edge hours of almost any range: its seconds are not a
// multiple of the minute) has whole group weights and one fractional idle weight, and the
// decimal split of its ~250 groups cost ~14 ms a question with its garbage (10M profile).
// Exact emulation of decimal.js at the Money precision (80 significant digits, half-even): every
// product, sum and quotient the decimal path computes is rounded here as it rounds there, so the
// floors and the order of the remainders are the decimal path's, ties included
// (test/unit/cost-model-remainder.test.ts compares them on random hours).
import { handOutUnits, MONEY_SCALE, splitUnits, type MoneyValue } from '../../shared/money.js';

/** Significant digits of Money (src/shared/money.ts clones Decimal with this precision). */
const P = 80;

const POW = new Map<number, bigint>();
function pow10(n: number): bigint {
  let p = POW.get(n);
  if (p === undefined) {
    p = 10n ** BigInt(n);
    if (POW.size < 512) POW.set(n, p);
  }
  return p;
}

const digits = (a: bigint): number => (a === 0n ? 0 : a.toString().length);

/** A non-negative decimal m x 10^-s. */
type Dec = readonly [m: bigint, s: number];

/** `m` (more digits than P) rounded half-even to P digits: the mantissa and the digits dropped. */
function roundDigits(m: bigint, sticky: boolean): [bigint, number] {
  const drop = digits(m) - P;
  if (drop <= 0) return [m, 0];
  const d = pow10(drop);
  let hi = m / d;
  const low = m - hi * d;
  const half = d / 2n;
  if (low > half || (low === half && (sticky || (hi & 1n) === 1n))) hi += 1n;
  return [hi, drop];
}

function round80([m, s]: Dec): Dec {
  const [hi, drop] = roundDigits(m, false);
  return [hi, s - drop];
}

function add80([a, sa]: Dec, [b, sb]: Dec): Dec {
  const s = Math.max(sa, sb);
  return round80([a * pow10(s - sa) + b * pow10(s - sb), s]);
}

const mul80 = ([a, sa]: Dec, [b, sb]: Dec): Dec => round80([a * b, sa + sb]);

/** a / b correctly rounded to P significant digits (b > 0). */
function div80([a, sa]: Dec, [b, sb]: Dec): Dec {
  if (a === 0n) return [0n, 0];
  const k = Math.max(0, P + 2 - (digits(a) - digits(b)));
  const n = a * pow10(k);
  const q = n / b;
  const [hi, drop] = roundDigits(q, n - q * b > 0n);
  return [hi, sa - sb + k - drop];
}

/** A Money value as m x 10^-s, exactly (plain digits: toFixed never uses an exponent). */
function decOf(v: MoneyValue): Dec {
  const text = v.toFixed();
  const point = text.indexOf('.');
  if (point < 0) return [BigInt(text), 0];
  return [BigInt(text.slice(0, point) + text.slice(point + 1)), text.length - point - 1];
}

/**
 * largestRemainder(fromUnits(t), [...whole, last]).map(toUnits), for non-negative whole weights
 * and a non-negative `last`, as 10^-18 units.
 */
export function splitLastFractional(
  t: bigint,
  whole: readonly bigint[],
  last: MoneyValue,
): bigint[] {
  const weights: Dec[] = [...whole.map((w): Dec => [w, 0]), decOf(last)];
  const n = weights.length;
  let sum: Dec = [0n, 0];
  for (const w of weights) sum = add80(sum, w);
  if (sum[0] === 0n) return weights.map((_w, i) => (i === n - 1 ? t : 0n));
  if (last.isInteger()) return splitUnits(t, [...whole, BigInt(last.toFixed(0))]);
  const total: Dec = [t, MONEY_SCALE];
  const floors = new Array<bigint>(n);
  const fracs = new Array<Dec>(n);
  let left = t;
  for (let i = 0; i < n; i++) {
    const [m, s] = div80(mul80(total, weights[i] ?? [0n, 0]), sum);
    if (s <= MONEY_SCALE) {
      floors[i] = m * pow10(MONEY_SCALE - s);
      fracs[i] = [0n, 0];
    } else {
      const d = pow10(s - MONEY_SCALE);
      const f = m / d;
      floors[i] = f;
      fracs[i] = [m - f * d, s];
    }
    left -= floors[i] ?? 0n;
  }
  if (left <= 0n) return floors;
  const top = Math.max(...fracs.map((f) => f[1]));
  return handOutUnits(
    floors,
    fracs.map(([m, s]) => m * pow10(top - s)),
    left,
  );
}
