// The feed's Ed25519 signing key: read from `routing.signing.key_file` (PEM, PKCS#8) when set;
// otherwise generated on first start and persisted at <data_dir>/keys/routing-ed25519.pem
// (mode 0600) so the key id, and the gateways that pinned it, survive restarts.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../shared/errors.js';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Where the key came from (logged at start). */
  source: 'file' | 'generated' | 'data_dir';
  path: string;
}

export const DEFAULT_KEY_FILE = 'routing-ed25519.pem';

/** A stable key id derived from the public key, so rotating the key rotates the id. */
export function keyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return `rf-${createHash('sha256').update(der).digest('hex').slice(0, 12)}`;
}

export function loadSigningKey(opts: {
  keyFile?: string | undefined;
  kid?: string | undefined;
  dataDir: string;
}): SigningKey {
  if (opts.keyFile !== undefined) return fromPem(opts.keyFile, 'file', opts.kid);
  const path = join(opts.dataDir, 'keys', DEFAULT_KEY_FILE);
  if (existsSync(path)) return fromPem(path, 'data_dir', opts.kid);
  mkdirSync(join(opts.dataDir, 'keys'), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  // 'wx' never overwrites a key another process wrote meanwhile; re-read it in that case.
  try {
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
      flag: 'wx',
    });
  } catch {
    return fromPem(path, 'data_dir', opts.kid);
  }
  const publicKey = createPublicKey(privateKey);
  return { kid: opts.kid ?? keyId(publicKey), privateKey, publicKey, source: 'generated', path };
}

function fromPem(path: string, source: SigningKey['source'], kid: string | undefined): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(
      `routing.signing.key_file ${path}: cannot read an Ed25519 private key (PEM): ${(err as Error).message}`,
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new ConfigError(
      `routing.signing.key_file ${path}: key type is ${privateKey.asymmetricKeyType}, expected ed25519`,
    );
  const publicKey = createPublicKey(privateKey);
  return { kid: kid ?? keyId(publicKey), privateKey, publicKey, source, path };
}

/** The public-key endpoint body: PEM for humans and tools, JWK (OKP/Ed25519) for JOSE stacks. */
export function publicKeySet(key: SigningKey): { keys: Record<string, unknown>[] } {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return {
    keys: [
      {
        kid: key.kid,
        alg: 'Ed25519',
        use: 'sig',
        public_key_pem: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        jwk: { ...jwk, kid: key.kid, alg: 'EdDSA' },
      },
    ],
  };
}
