// Typed reads of decoded span attributes for the normalizer. Instrumentations disagree on types
// (ints as numbers or strings, arrays as real arrays or JSON text, booleans as "true"), so every
// read here accepts the reasonable spellings and nothing looser.
import type { AttrValue, Attributes } from '../span.js';

/** Largest token count we believe: no single call comes near a trillion tokens. */
export const MAX_TOKENS = 1e12;

/** A GenAI span whose data cannot be trusted; the message names the field and the value. */
export class InvalidFieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field} ${problem}`);
    this.name = 'InvalidFieldError';
  }
}

/** True when the attribute exists with a usable (non-null) value. */
export function has(attrs: Attributes, key: string): boolean {
  const v = attrs[key];
  return v !== undefined && v !== null;
}

/** First key present among `keys`, or undefined. Order of keys is the precedence order. */
export function firstKey(attrs: Attributes, keys: readonly string[]): string | undefined {
  // A loop, not keys.find: the callback would be a closure allocated on every span.
  for (const k of keys) if (has(attrs, k)) return k;
  return undefined;
}

/** A string attribute (numbers and booleans stringified); '' when absent. */
export function str(attrs: Attributes, ...keys: string[]): string {
  for (const k of keys) {
    const v = attrs[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  }
  return '';
}

/** A finite float (numbers or numeric strings); null when absent or unusable. */
export function num(attrs: Attributes, ...keys: string[]): number | null {
  for (const k of keys) {
    const n = toFloat(attrs[k]);
    if (n !== null) return n;
  }
  return null;
}

function toFloat(v: AttrValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A boolean (true/false or the strings "true"/"false"); null when absent. */
export function bool(attrs: Attributes, ...keys: string[]): boolean | null {
  for (const k of keys) {
    const v = attrs[k];
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (s === 'true') return true;
      if (s === 'false') return false;
    }
  }
  return null;
}

/** A small non-negative integer such as an attempt number or an HTTP status; null otherwise. */
export function int(attrs: Attributes, ...keys: string[]): number | null {
  const n = num(attrs, ...keys);
  return n !== null && Number.isInteger(n) && n >= 0 ? n : null;
}

/**
 * A token count under the validation rules: absent -> null; a safe non-negative integer number
 * or an integer string ("42": some pipelines stringify every attribute) -> the number;
 * anything else (negative, NaN, infinite, fractional, "abc", booleans, arrays) throws.
 */
export function tokenCount(attrs: Attributes, key: string): number | null {
  const v = attrs[key];
  if (v === undefined || v === null) return null;
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string') {
    const s = v.trim();
    if (!/^[+-]?\d+(\.0+)?$/.test(s)) {
      throw new InvalidFieldError(key, `is not an integer (${JSON.stringify(v)})`);
    }
    n = Number(s);
  } else throw new InvalidFieldError(key, `is not a number (${JSON.stringify(v)})`);
  if (Number.isNaN(n)) throw new InvalidFieldError(key, 'is NaN');
  if (!Number.isFinite(n)) throw new InvalidFieldError(key, `is not finite (${n})`);
  if (n < 0) throw new InvalidFieldError(key, `is negative (${n})`);
  if (!Number.isInteger(n)) throw new InvalidFieldError(key, `is not an integer (${n})`);
  if (n > MAX_TOKENS) throw new InvalidFieldError(key, `is absurdly large (${n})`);
  return n;
}

/** The first present key among `keys`, read as a token count (see tokenCount). */
export function firstTokens(attrs: Attributes, keys: readonly string[]): number | null {
  const k = firstKey(attrs, keys);
  return k === undefined ? null : tokenCount(attrs, k);
}

/** Parse a JSON string if it looks like JSON; structured values are returned as they are. */
export function jsonValue(v: AttrValue | undefined): AttrValue | undefined {
  if (typeof v !== 'string') return v;
  const s = v.trim();
  if (!(s.startsWith('{') || s.startsWith('['))) return v;
  try {
    return JSON.parse(s) as AttrValue;
  } catch {
    return v;
  }
}

/** An object attribute, given either structured (kvlist) or as JSON text; null otherwise. */
export function objectAttr(attrs: Attributes, key: string): Record<string, AttrValue> | null {
  const v = jsonValue(attrs[key]);
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null;
}

/** Walk a path into a nested object; undefined when any step is missing. */
export function dig(obj: AttrValue | undefined, ...path: string[]): AttrValue | undefined {
  let cur: AttrValue | undefined = obj;
  for (const p of path) {
    if (cur === null || cur === undefined || typeof cur !== 'object' || Array.isArray(cur))
      return undefined;
    cur = cur[p];
  }
  return cur;
}

/** A list of strings from an array, a JSON-array string, or a single plain string. */
export function stringList(v: AttrValue | undefined): string[] {
  const parsed = jsonValue(v);
  if (Array.isArray(parsed)) return parsed.filter((x): x is string => typeof x === 'string');
  if (typeof parsed === 'string' && parsed !== '') return [parsed];
  return [];
}

/** Any attribute value as text: strings as they are, structured values as JSON. */
export function asText(v: AttrValue | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
