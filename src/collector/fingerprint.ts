// A 96-bit fingerprint of a string, for sets that remember many ids in typed arrays instead of
// as strings on the heap (seen.ts, trace-roots.ts): strings there were old-generation objects
// for every major GC to mark.

/**
 * Three independent 32-bit multiply-xorshift lanes over the UTF-16 code units (the mixing of
 * cyrb53, widened to 96 bits); about 0.2 µs for a call id, a tenth of node:crypto's sha1.
 * Written into `out[0..2]`.
 */
export function fingerprint(key: string, out: Uint32Array): void {
  let a = 0xdeadbeef ^ key.length;
  let b = 0x41c6ce57 ^ key.length;
  let c = 0x9e3779b9 ^ key.length;
  for (let i = 0; i < key.length; i += 1) {
    const ch = key.charCodeAt(i);
    a = Math.imul(a ^ ch, 2654435761);
    b = Math.imul(b ^ ch, 1597334677);
    c = Math.imul(c ^ ch, 2246822519);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(c ^ (c >>> 13), 3266489909);
  c = Math.imul(c ^ (c >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  out[0] = a >>> 0;
  out[1] = b >>> 0;
  out[2] = c >>> 0;
}

/**
 * Backward-shift deletion in an open-addressing table of entry numbers (1-based; 0 = empty) whose
 * fingerprints sit three words each in `prints`, homed at the first word modulo the table size:
 * later entries of the probe run move up, so no lookup stops early. Shared by the duplicate filter
 * and the remembered roots.
 */
export function removeSlot(table: Int32Array, prints: Uint32Array, hole: number): void {
  const n = table.length;
  let i = hole;
  for (let j = (i + 1) % n; table[j] !== 0; j = (j + 1) % n) {
    const home = (prints[((table[j] ?? 1) - 1) * 3] ?? 0) % n;
    // The entry at j may move to i unless its home lies cyclically in (i, j].
    const stays = i <= j ? home > i && home <= j : home > i || home <= j;
    if (!stays) {
      table[i] = table[j] ?? 0;
      i = j;
    }
  }
  table[i] = 0;
}
