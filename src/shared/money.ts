// The one money module. Money is decimal text end to end: price files, config ceilings and
// ClickHouse Decimal columns arrive as text, stay text on the wire, and every sum, comparison
// and allocation in JS goes through this decimal.js clone. A JS double cannot represent 2.5e-6
// exactly and drifts when thousands of calls are summed; a budget compared as a float can miss
// its ceiling by a rounding step.
import { Decimal } from 'decimal.js';

/**
 * 80 significant digits: a Decimal(38, 18) column, a token count (<= 1e12) times a per-token
 * price (~10 digits) times a discount factor all stay far inside it, so adding, subtracting and
 * multiplying never round; only an explicit division (allocation, forecast) does, half-even.
 */
export const Money = Decimal.clone({
  precision: 80,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -100,
  toExpPos: 100,
});
export type MoneyValue = InstanceType<typeof Money>;

export const ZERO = new Money(0);

/** The fixed scale of stored money (ClickHouse Decimal(38, 18)); allocations round to it. */
export const MONEY_SCALE = 18;

/** Smallest magnitude a Decimal(38, 18) column cannot hold: 20 integer digits are its limit. */
const STORED_LIMIT = new Money('1e20');

/**
 * Why `value` cannot be stored exactly in a Decimal(38, 18) column, or undefined when it can.
 * Past 20 integer digits the insert fails (and would fail every row inserted with it); past 18
 * decimals ClickHouse silently truncates (1e-19 is stored as 0), so both are refused up front.
 */
export function storedDecimalProblem(value: MoneyValue): string | undefined {
  if (value.abs().gte(STORED_LIMIT))
    return 'does not fit Decimal(38, 18): at most 20 integer digits';
  if (value.decimalPlaces() > MONEY_SCALE)
    return 'has more than 18 decimal places (Decimal(38, 18) would truncate it)';
  return undefined;
}

/** A non-negative decimal in plain or exponent notation: "12", "0.3562", "2.5e-6". */
const MONEY_TEXT = /^\d+(\.\d+)?(e[-+]?\d+)?$/i;

/**
 * A non-negative amount from config or a price file, or undefined when it is not one. A JSON or
 * YAML number arrives as a double; String(double) is its shortest round-trip form ("0.0000025"),
 * which is the decimal its author wrote, so Money(String(x)) recovers the intended amount
 * exactly. Decimal strings are accepted too (and preferred: quoting keeps every digit).
 */
export function parseMoney(value: unknown): MoneyValue | undefined {
  if (typeof value === 'number')
    return Number.isFinite(value) && value >= 0 ? new Money(String(value)) : undefined;
  if (typeof value === 'string' && MONEY_TEXT.test(value.trim())) return new Money(value.trim());
  return undefined;
}

/** Decimal text from ClickHouse or our own API (may be signed); throws on anything else. */
export function money(text: string | MoneyValue): MoneyValue {
  return typeof text === 'string' ? new Money(text.trim() === '' ? '0' : text.trim()) : text;
}

/** Plain decimal text, no exponent, no trailing zeros, "0" for zero: the format of every API. */
export function moneyText(value: MoneyValue): string {
  return value.isZero() ? '0' : value.toFixed();
}

/** "12.340000000000000000" -> "12.34"; "0.000000" -> "0" (ClickHouse Decimal text, unparsed). */
export function trimDecimal(text: string): string {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '' || trimmed === '-0' ? '0' : trimmed;
}

/** Exact sum of decimal texts or values. */
export function sumMoney(values: Iterable<string | MoneyValue>): MoneyValue {
  let acc = ZERO;
  for (const v of values) acc = acc.add(money(v));
  return acc;
}

/** -1, 0 or 1 as a is below, equal to or above b, exactly. */
export function compareMoney(a: string | MoneyValue, b: string | MoneyValue): -1 | 0 | 1 {
  return money(a).cmp(money(b)) as -1 | 0 | 1;
}

/** `$12.35` for people (messages, summaries): rounded half-even to `dp` places. */
export function formatUsd(value: string | MoneyValue, dp = 2): string {
  return `$${money(value).toFixed(dp, Decimal.ROUND_HALF_EVEN)}`;
}

/**
 * A JSON number for display-only fields (an alert's value, a feed's spent_usd): lossy on
 * purpose, never fed back into a sum or a comparison.
 */
export function moneyNumber(value: string | MoneyValue): number {
  return money(value).toNumber();
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
  const sumW = weights.reduce((acc, w) => acc.add(w), ZERO);
  if (sumW.isZero()) return weights.map((_w, i) => (i === n - 1 ? total : ZERO));
  if (total.isInteger() || total.decimalPlaces() <= MONEY_SCALE) {
    if (weights.every((w) => w.isInteger())) return integerSplit(total, weights);
  }
  const unit = new Money(10).pow(-MONEY_SCALE);
  const exact = weights.map((w) => total.mul(w).div(sumW));
  const floors = exact.map((e) => e.toDecimalPlaces(MONEY_SCALE, Decimal.ROUND_FLOOR));
  const leftover = total.sub(floors.reduce((acc, f) => acc.add(f), ZERO));
  let units = leftover.div(unit).round().toNumber();
  const order = exact
    .map((e, i) => ({ i, frac: e.sub(floors[i] ?? 0) }))
    .sort((a, b) => b.frac.cmp(a.frac) || a.i - b.i);
  for (const { i } of order) {
    if (units <= 0) break;
    floors[i] = (floors[i] ?? ZERO).add(unit);
    units -= 1;
  }
  return floors;
}

const UNITS = 10n ** BigInt(MONEY_SCALE);

/**
 * largestRemainder for whole-number weights (converted tokens with whole capacity weights, the
 * usual case) in BigInt: the same floors and the same leftover order (a part's fractional
 * remainder is its `total x w mod sumW` over the common sumW), without an 80-digit division per
 * part, which dominated a month of reservation hours split over hundreds of tenants.
 */
function integerSplit(total: MoneyValue, weights: readonly MoneyValue[]): MoneyValue[] {
  const t = BigInt(total.mul(UNITS.toString()).toFixed(0));
  const floors = splitUnits(
    t,
    weights.map((w) => BigInt(w.toFixed(0))),
  );
  return floors.map((f) => fromUnits(f));
}

/**
 * The whole-weight largest remainder on integers: `t` smallest units over non-negative `ws`
 * (their sum non-zero), floors first, then one unit each to the largest `t x w mod sum` (ties:
 * lower index). Flat arrays and no decimals: a month of reservation hours over hundreds of
 * groups runs this once per hour.
 */
export function splitUnits(t: bigint, ws: readonly bigint[]): bigint[] {
  let sumW = 0n;
  for (const w of ws) sumW += w;
  const n = ws.length;
  const floors = new Array<bigint>(n);
  const rems = new Array<bigint>(n);
  let left = t;
  for (let i = 0; i < n; i++) {
    const p = t * (ws[i] ?? 0n);
    const f = p / sumW;
    floors[i] = f;
    rems[i] = p - f * sumW;
    left -= f;
  }
  return handOutUnits(floors, rems, left);
}

/**
 * The largest-remainder method's last step: `left` units, one each, to the largest `rems`
 * (ties: lower index), added to `floors` in place. Shared by every exact split so they break
 * ties the same way.
 */
export function handOutUnits(floors: bigint[], rems: readonly bigint[], left: bigint): bigint[] {
  if (left <= 0n) return floors;
  const order = Array.from({ length: floors.length }, (_v, i) => i);
  order.sort((a, b) => {
    const ra = rems[a] ?? 0n;
    const rb = rems[b] ?? 0n;
    return rb > ra ? 1 : rb < ra ? -1 : a - b;
  });
  for (const i of order) {
    if (left <= 0n) break;
    floors[i] = (floors[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return floors;
}

const UNITS_TEXT = UNITS.toString();
const MAX_EXACT = 10n ** 80n;

/**
 * Smallest units (10^-18) as an exact decimal. Built from its digits with the point placed (the
 * same value as units / 10^18, which cost a decimal division: ~13 us, run per reservation hour).
 */
export function fromUnits(units: bigint): MoneyValue {
  if (units === 0n) return ZERO;
  // Beyond the precision the division rounds (a constructed decimal would not): keep it.
  if (units >= MAX_EXACT || units <= -MAX_EXACT) return new Money(units.toString()).div(UNITS_TEXT);
  const sign = units < 0n ? '-' : '';
  const digits = (units < 0n ? -units : units).toString().padStart(MONEY_SCALE + 1, '0');
  const cut = digits.length - MONEY_SCALE;
  return new Money(`${sign}${digits.slice(0, cut)}.${digits.slice(cut)}`);
}

/** An amount at MONEY_SCALE or coarser as smallest units (exact; throws on finer amounts). */
export function toUnits(value: MoneyValue): bigint {
  const scaled = value.mul(UNITS_TEXT);
  if (!scaled.isInteger()) throw new Error(`${value.toFixed()} has more than 18 decimal places`);
  return BigInt(scaled.toFixed(0));
}

/** 10^18: one dollar in smallest units (MONEY_SCALE), for sums kept as BigInt. */
export const UNIT = UNITS;

const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d{1,18}))?$/;

/**
 * Plain decimal text (a ClickHouse Decimal(38, 18) or integer sum, as JSON carries it) as exact
 * smallest units, without a decimal object: the cost model sums thousands of measures a question
 * in BigInt. Throws on anything else (more than 18 decimals, an exponent), never rounds.
 */
export function decimalUnits(value: string | number | bigint): bigint {
  if (typeof value === 'bigint') return value * UNITS;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value) * UNITS;
  const text = String(value).trim();
  if (text === '' || text === '0') return 0n;
  const m = DECIMAL_TEXT.exec(text);
  if (m === null) throw new Error(`not a decimal of at most 18 places: ${text}`);
  const frac = m[3] ?? '';
  const units =
    BigInt(m[2] ?? '0') * UNITS + (frac === '' ? 0n : BigInt(frac.padEnd(MONEY_SCALE, '0')));
  return m[1] === '-' ? -units : units;
}

/** moneyText(fromUnits(units)) without a decimal object: plain text, no trailing zeros, "0". */
export function unitsText(units: bigint): string {
  if (units === 0n) return '0';
  const neg = units < 0n;
  const abs = neg ? -units : units;
  const whole = abs / UNITS;
  const frac = abs - whole * UNITS;
  const sign = neg ? '-' : '';
  if (frac === 0n) return `${sign}${whole}`;
  const digits = frac.toString().padStart(MONEY_SCALE, '0').replace(/0+$/, '');
  return `${sign}${whole}.${digits}`;
}
