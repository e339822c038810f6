// Money leaves ClickHouse as quoted Decimal text; it stays text (never a JS float) to the client.
// Where JS must do arithmetic on money (allocation, forecasts), it uses decimal.js with enough
// precision that no digit of a Decimal(38,18) is ever rounded.
import { Decimal } from 'decimal.js';

/** decimal.js configured for money: 80 significant digits, round half even where rounding is asked for. */
export const Money = Decimal.clone({
  precision: 80,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -100,
  toExpPos: 100,
});
export type MoneyValue = InstanceType<typeof Money>;

/** The fixed scale of stored money (Decimal(38, 18)); allocations round to it. */
export const MONEY_SCALE = 18;

/** "12.340000000000000000" -> "12.34"; "0.000000" -> "0". */
export function trimDecimal(text: string): string {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '' || trimmed === '-0' ? '0' : trimmed;
}

/** Plain decimal text of a decimal.js value, trimmed. */
export function moneyText(value: MoneyValue): string {
  return trimDecimal(value.toFixed());
}

/** Exact a - b of two decimal strings. */
export function decimalSub(a: string, b: string): string {
  return moneyText(new Money(a).sub(b));
}

/** Exact sum of decimal strings. */
export function decimalSum(values: readonly string[]): string {
  return moneyText(values.reduce((acc, v) => acc.add(v), new Money(0)));
}

/**
 * Split `total` over `weights` at MONEY_SCALE decimals so the parts sum to `total` exactly:
 * each part is floored, then the leftover smallest units go one each to the largest
 * fractional remainders (ties: lower index). `total` must already be at MONEY_SCALE.
 * All-zero weights put everything on the last part (callers make that the idle/remainder slot).
 */
export function largestRemainder(total: MoneyValue, weights: readonly MoneyValue[]): MoneyValue[] {
  const n = weights.length;
  if (n === 0) return [];
  const sumW = weights.reduce((acc, w) => acc.add(w), new Money(0));
  if (sumW.isZero()) return weights.map((_w, i) => (i === n - 1 ? total : new Money(0)));
  const unit = new Money(10).pow(-MONEY_SCALE);
  const exact = weights.map((w) => total.mul(w).div(sumW));
  const floors = exact.map((e) => e.toDecimalPlaces(MONEY_SCALE, Decimal.ROUND_FLOOR));
  const leftover = total.sub(floors.reduce((acc, f) => acc.add(f), new Money(0)));
  let units = leftover.div(unit).round().toNumber();
  const order = exact
    .map((e, i) => ({ i, frac: e.sub(floors[i] ?? 0) }))
    .sort((a, b) => b.frac.cmp(a.frac) || a.i - b.i);
  for (const { i } of order) {
    if (units <= 0) break;
    floors[i] = (floors[i] ?? new Money(0)).add(unit);
    units -= 1;
  }
  return floors;
}
