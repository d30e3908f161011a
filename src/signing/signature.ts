/**
 * minisign signatures (.minisig): an untrusted comment line, the base64 of
 * algorithm + key id + Ed25519 signature, the trusted comment line, and the
 * base64 "global" signature over signature || trusted comment, which is
 * what makes the trusted comment trusted. "ED" signs the BLAKE2b-512 of the
 * file (minisign's default); "Ed" signs the file itself (`minisign -l`).
 */
import { createHash } from 'node:crypto';
import { ed25519Sign, ed25519Verify } from './ed25519.js';
import type { PublicKey } from './public-key.js';
import type { SecretKey } from './secret-key.js';
import { SignatureError } from './signature-error.js';
import { decodeBase64, fileLines, isPrintable, keyIdFromHex, keyIdToHex, TRUSTED_PREFIX, UNTRUSTED_PREFIX } from './text-format.js';

export interface MinisignSignature {
  algorithm: 'ED' | 'Ed';
  keyId: string;
  signature: Buffer;
  untrustedComment: string;
  trustedComment: string;
  globalSignature: Buffer;
}

const SIGNATURE_BYTES = 2 + 8 + 64;
// minisign's limits (COMMENTMAXBYTES, TRUSTEDCOMMENTMAXBYTES): longer lines it cannot read back
const UNTRUSTED_MAX = 1024 - UNTRUSTED_PREFIX.length - 1;
const TRUSTED_MAX = 8192 - TRUSTED_PREFIX.length - 1;
const DEFAULT_UNTRUSTED = 'signature from minisign secret key';

export function parseSignature(text: string): MinisignSignature {
  const lines = fileLines(text);
  if (lines.length < 4) throw new SignatureError(`signature: ${lines.length} lines where a minisign signature has 4`);
  const [l1, l2, l3, l4] = lines as [string, string, string, string];
  if (!l1.startsWith(UNTRUSTED_PREFIX)) throw new SignatureError(`signature: line 1 does not start with "${UNTRUSTED_PREFIX.trim()}"`);
  if (!l3.startsWith(TRUSTED_PREFIX)) throw new SignatureError(`signature: line 3 does not start with "${TRUSTED_PREFIX.trim()}"`);
  const trustedComment = l3.slice(TRUSTED_PREFIX.length);
  if (Buffer.byteLength(trustedComment) > TRUSTED_MAX) throw new SignatureError('signature: trusted comment too long');
  if (!isPrintable(trustedComment)) throw new SignatureError('signature: trusted comment contains control characters');
  const bytes = decodeBase64(l2.trim(), SIGNATURE_BYTES, 'signature');
  const algorithm = bytes.subarray(0, 2).toString('latin1');
  if (algorithm !== 'ED' && algorithm !== 'Ed') throw new SignatureError('signature: unsupported algorithm (neither "ED" nor "Ed")');
  return {
    algorithm,
    keyId: keyIdToHex(bytes.subarray(2, 10)),
    signature: Buffer.from(bytes.subarray(10)),
    untrustedComment: l1.slice(UNTRUSTED_PREFIX.length),
    trustedComment,
    globalSignature: decodeBase64(l4.trim(), 64, 'signature: global signature'),
  };
}

/** What the Ed25519 signature covers: the BLAKE2b-512 of the data ("ED") or the data ("Ed"). */
function signedMessage(data: Uint8Array, algorithm: 'ED' | 'Ed'): Uint8Array {
  return algorithm === 'ED' ? createHash('blake2b512').update(data).digest() : data;
}

/** The bytes the global signature covers. */
function globalMessage(signature: Buffer, trustedComment: string): Buffer {
  return Buffer.concat([signature, Buffer.from(trustedComment, 'utf8')]);
}

/** Throws SignatureError: key id differs, signature invalid, trusted comment's global signature invalid. */
export function verifySignature(data: Uint8Array, sig: MinisignSignature, key: PublicKey): void {
  if (sig.keyId !== key.keyId) throw new SignatureError(`signature is by key ${sig.keyId}, not by key ${key.keyId}`);
  if (!ed25519Verify(signedMessage(data, sig.algorithm), sig.signature, key.key)) {
    throw new SignatureError(`signature by key ${key.keyId} does not match the file's content`);
  }
  if (!ed25519Verify(globalMessage(sig.signature, sig.trustedComment), sig.globalSignature, key.key)) {
    throw new SignatureError(`the trusted comment's signature by key ${key.keyId} is invalid: the trusted comment was altered`);
  }
}

function checkComment(comment: string, max: number, what: string): void {
  if (/[\r\n]/.test(comment)) throw new SignatureError(`${what} must be one line`);
  if (!isPrintable(comment)) throw new SignatureError(`${what} contains control characters`);
  if (Buffer.byteLength(comment) > max) throw new SignatureError(`${what} is longer than ${max} bytes`);
}

/** A .minisig text; prehashed ('ED', BLAKE2b-512) unless legacy. */
export function signData(data: Uint8Array, key: SecretKey, comments: { trustedComment: string; untrustedComment?: string }, opts: { legacy?: boolean } = {}): string {
  const untrusted = comments.untrustedComment ?? DEFAULT_UNTRUSTED;
  checkComment(untrusted, UNTRUSTED_MAX, 'untrusted comment');
  checkComment(comments.trustedComment, TRUSTED_MAX, 'trusted comment');
  const algorithm = opts.legacy ? 'Ed' : 'ED';
  const seed = key.secretKey.subarray(0, 32);
  const signature = ed25519Sign(signedMessage(data, algorithm), seed);
  const globalSignature = ed25519Sign(globalMessage(signature, comments.trustedComment), seed);
  const sig: MinisignSignature = { algorithm, keyId: key.keyId, signature, untrustedComment: untrusted, trustedComment: comments.trustedComment, globalSignature };
  // as minisign does: never write a signature its own public key would refuse
  verifySignature(data, sig, key.publicKey);
  const head = Buffer.concat([Buffer.from(algorithm, 'latin1'), keyIdFromHex(key.keyId), signature]).toString('base64');
  return `${UNTRUSTED_PREFIX}${untrusted}\n${head}\n${TRUSTED_PREFIX}${comments.trustedComment}\n${globalSignature.toString('base64')}\n`;
}
