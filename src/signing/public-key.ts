/**
 * minisign public keys: base64 of "Ed" + key id (8 bytes) + Ed25519 public
 * key (32), alone ("RW…", as `minisign -P` takes it) or in a .pub file under
 * an untrusted comment line.
 */
import { SignatureError } from './signature-error.js';
import { decodeBase64, fileLines, keyIdAsPrinted, keyIdToHex, keyIdFromHex, UNTRUSTED_PREFIX } from './text-format.js';

export interface PublicKey {
  /** 16 upper-case hex digits, as `minisign` prints it */
  keyId: string;
  /** the 32-byte Ed25519 public key */
  key: Buffer;
}

export const SIG_ALG = 'Ed';
const PUBLIC_KEY_BYTES = 2 + 8 + 32;

/** A bare base64 key or the text of a .pub file; SignatureError if it is neither. */
export function parsePublicKey(text: string): PublicKey {
  const lines = fileLines(text);
  let b64: string | undefined;
  if (lines.length === 1) b64 = lines[0]!.trim();
  else if (lines.length === 2 && lines[0]!.startsWith(UNTRUSTED_PREFIX)) b64 = lines[1]!.trim();
  if (!b64) throw new SignatureError('public key: expected a minisign key (RW…) or a .pub file (an untrusted comment line, then the key)');
  const bytes = decodeBase64(b64, PUBLIC_KEY_BYTES, 'public key');
  if (bytes.subarray(0, 2).toString('latin1') !== SIG_ALG) throw new SignatureError('public key: not an Ed25519 minisign key (algorithm is not "Ed")');
  return { keyId: keyIdToHex(bytes.subarray(2, 10)), key: Buffer.from(bytes.subarray(10)) };
}

/** The base64 line of a key, as `minisign -P` takes it. */
export function publicKeyBase64(k: PublicKey): string {
  return Buffer.concat([Buffer.from(SIG_ALG, 'latin1'), keyIdFromHex(k.keyId), k.key]).toString('base64');
}

/** The .pub file as `minisign -G` writes it, byte for byte (its comment prints the id without leading zeros). */
export function formatPublicKey(k: PublicKey): string {
  return `${UNTRUSTED_PREFIX}minisign public key ${keyIdAsPrinted(k.keyId)}\n${publicKeyBase64(k)}\n`;
}
