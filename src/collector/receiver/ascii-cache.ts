// Short ASCII strings read from request bodies, remembered by their bytes: attribute keys
// ("gen_ai.usage.input_tokens"), models, providers, tenants and routes repeat in every span, and
// decoding each one afresh cost a string allocation, and for a key also its internalization by
// the engine when it became a property name (the largest single cost of building the attribute
// objects). A hit is a hash and a compare of the bytes against the remembered string.
//
// Only ASCII is kept: then a string's length is its byte count and its char codes are its bytes,
// so a hit needs no copy of the bytes. Collisions replace the slot; correctness never depends
// on a hit.

/** Longer strings are seldom repeated (ids, messages) and cost more to hash than they save. */
const MAX_BYTES = 64;
const SLOTS = 4096;
const texts: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

/** FNV-1a over the bytes, folded to a slot. */
function slotOf(buf: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i += 1) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return (h ^ (h >>> 15)) & (SLOTS - 1);
}

/** The remembered string for buf[from, to), or undefined (then decode and `remember` it). */
export function cachedAscii(buf: Uint8Array, from: number, to: number): string | undefined {
  const n = to - from;
  if (n > MAX_BYTES) return undefined;
  const text = texts[slotOf(buf, from, to)];
  if (text === undefined || text.length !== n) return undefined;
  for (let i = 0; i < n; i += 1) if (text.charCodeAt(i) !== buf[from + i]) return undefined;
  return text;
}

/** Keep `text`, the valid UTF-8 decoding of buf[from, to), when it is short ASCII. */
export function remember(buf: Uint8Array, from: number, to: number, text: string): void {
  const n = to - from;
  // Same length in bytes and in UTF-16 units: every character is ASCII.
  if (n > MAX_BYTES || n === 0 || text.length !== n) return;
  texts[slotOf(buf, from, to)] = text;
}
