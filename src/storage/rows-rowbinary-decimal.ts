// Decimal(38, 18) for the RowBinary rows (rows-rowbinary.ts): the call's exact decimal text as
// the Int128 of value * 10^18, in six 24-bit limbs: exact without a float, and without a BigInt
// allocated per cell on the hot path (ten decimal cells a row; BigInt itself was not measured).

/**
 * Decimal(38, 18) as six 24-bit limbs, least significant first (exact: no float rounding, a
 * limb times 10^8 plus a carry stays below 2^53); `used` limbs may be non-zero. Division by a
 * power of two, not `%`: fmod made the first version slower than the TSV text.
 */
export const limbs = [0, 0, 0, 0, 0, 0];
let used = 0;
const BASE = 0x100_0000;
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8];

/** limbs = limbs * 10^k + add, for k <= 8. */
function mulAdd(k: number, add: number): void {
  const m = POW10[k] as number;
  let carry = add;
  let i = 0;
  for (; i < used; i += 1) {
    const t = (limbs[i] as number) * m + carry;
    carry = Math.floor(t / BASE);
    limbs[i] = t - carry * BASE;
  }
  for (; carry > 0 && i < 6; i += 1) {
    const next = Math.floor(carry / BASE);
    limbs[i] = carry - next * BASE;
    carry = next;
    used = i + 1;
  }
}

/**
 * Decimal(38, 18) from the call's exact decimal text: Int128 little-endian of value * 10^18.
 * Only the plain form pricing writes (units.ts: `-?digits[.digits]`) with at most 20 integer
 * and 18 fractional digits is written, and '' (the TSV line's empty cell, stored as 0);
 * anything else (an exponent, '+', more fractional digits, which the engine truncates) is
 * OUTSIDE.
 */
export function decimalLimbs(text: string): boolean {
  limbs[0] = limbs[1] = limbs[2] = limbs[3] = limbs[4] = limbs[5] = 0;
  used = 0;
  const n = text.length;
  let i = 0;
  const negative = n > 1 && text.charCodeAt(0) === 0x2d;
  if (negative) i = 1;
  let intDigits = 0;
  let fracDigits = 0;
  let seenPoint = false;
  let chunk = 0;
  let chunkDigits = 0;
  for (; i < n; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x2e && !seenPoint && intDigits > 0) {
      seenPoint = true;
      continue;
    }
    const d = c - 0x30;
    if (d < 0 || d > 9) return false;
    if (seenPoint) fracDigits += 1;
    else intDigits += 1;
    chunk = chunk * 10 + d;
    chunkDigits += 1;
    if (chunkDigits === 8) {
      mulAdd(8, chunk);
      chunk = 0;
      chunkDigits = 0;
    }
  }
  if (n > 0 && (intDigits === 0 || intDigits > 20 || fracDigits > 18)) return false;
  if (seenPoint && fracDigits === 0) return false;
  mulAdd(chunkDigits, chunk);
  if (used > 0)
    for (let scale = 18 - fracDigits; scale > 0; scale -= 8) mulAdd(Math.min(8, scale), 0);
  if (negative && used > 0) negate();
  return true;
}

/** Two's complement of the 144-bit limbs (the 128 bits written are Int128's). */
function negate(): void {
  let carry = 1;
  for (let i = 0; i < 6; i += 1) {
    const t = BASE - 1 - (limbs[i] as number) + carry;
    carry = t >= BASE ? 1 : 0;
    limbs[i] = t - carry * BASE;
  }
}
