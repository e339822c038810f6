// Exact money arithmetic. Every price and cost goes through this Decimal clone: JS doubles
// cannot represent 2.5e-6 exactly and would drift when thousands of calls are summed.
import { Decimal as DecimalJs } from 'decimal.js';

/**
 * 60 significant digits: a token count (<= 1e12) times a per-token price (~10 digits) times a
 * discount factor stays far inside it, so no operation here ever rounds.
 */
export const Decimal = DecimalJs.clone({
  precision: 60,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -60,
  toExpPos: 60,
});
export type Decimal = InstanceType<typeof Decimal>;

export const ZERO = new Decimal(0);

/**
 * Converts a LiteLLM price value to Decimal. A JSON number such as 2.5e-06 arrives as a double;
 * String(double) is its shortest round-trip form ("0.0000025"), which is the decimal the file's
 * author wrote, so Decimal(String(x)) recovers the intended price exactly. Decimal strings are
 * accepted too (overrides files may quote prices to be explicit).
 */
export function toPrice(value: unknown): Decimal | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? new Decimal(String(value)) : undefined;
  }
  if (typeof value === 'string' && /^\s*\d+(\.\d+)?(e[-+]?\d+)?\s*$/i.test(value)) {
    return new Decimal(value.trim());
  }
  return undefined;
}

/** Plain decimal notation, no exponent, no trailing zeros: the format stored in llm_calls. */
export function money(d: Decimal): string {
  return d.isZero() ? '0' : d.toFixed();
}
