/**
 * Ed25519 keys as node:crypto KeyObjects, built from the raw bytes minisign
 * stores (libsodium's 32-byte seed and 32-byte public key) by wrapping them in
 * the fixed DER headers of PKCS#8 and SPKI for OID 1.3.101.112.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

const PKCS8_SEED_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_SEED_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function publicKeyObject(pk: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pk]), format: 'der', type: 'spki' });
}

/** The 32-byte public key of a seed. */
export function publicKeyOfSeed(seed: Uint8Array): Buffer {
  return createPublicKey(privateKeyFromSeed(seed)).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
}

export function ed25519Sign(message: Uint8Array, seed: Uint8Array): Buffer {
  return sign(null, message, privateKeyFromSeed(seed));
}

/** False for a bad signature and for a public key OpenSSL cannot use. */
export function ed25519Verify(message: Uint8Array, signature: Uint8Array, pk: Uint8Array): boolean {
  try {
    return verify(null, message, publicKeyObject(pk), signature);
  } catch {
    return false;
  }
}
