// Canonical JSON (RFC 8785 JCS for the values a feed carries) and Ed25519 signing/verification
// over it. Node built-ins only: gateways import this without our server dependencies.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { FeedDocument } from './types.js';

/**
 * JCS: object keys sorted by UTF-16 code units, no whitespace, ECMAScript number and string
 * serialization (JSON.stringify's, which JCS adopts). Non-finite numbers are not JSON and throw.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string')
    return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new TypeError('canonical JSON cannot carry a non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot carry a ${typeof value}`);
}

/** The bytes a signature covers: the document without its `signature` member. */
export function signingInput(doc: FeedDocument): Buffer {
  const { signature: _signature, ...unsigned } = doc;
  return Buffer.from(canonicalJson(unsigned), 'utf8');
}

export function signDocument(doc: FeedDocument, privateKey: KeyObject, kid: string): FeedDocument {
  const sig = sign(null, signingInput(doc), privateKey).toString('base64');
  return { ...doc, signature: { alg: 'Ed25519', kid, sig } };
}

export type PublicKeys = Record<string, KeyObject | string>;

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/** Verify a document against pinned public keys (kid -> KeyObject or PEM). */
export function verifyDocument(doc: FeedDocument, keys: PublicKeys): VerifyResult {
  const s = doc.signature;
  if (
    s === undefined ||
    s.alg !== 'Ed25519' ||
    typeof s.sig !== 'string' ||
    typeof s.kid !== 'string'
  )
    return { ok: false, reason: 'missing or malformed signature' };
  const key = keys[s.kid];
  if (key === undefined) return { ok: false, reason: `unknown key id ${s.kid}` };
  try {
    const keyObject = typeof key === 'string' ? createPublicKey(key) : key;
    return verify(null, signingInput(doc), keyObject, Buffer.from(s.sig, 'base64'))
      ? { ok: true }
      : { ok: false, reason: 'signature does not match the document' };
  } catch (err) {
    return { ok: false, reason: `signature check failed: ${(err as Error).message}` };
  }
}
