/**
 * minisign secret keys (.key): under an untrusted comment line, the base64 of
 *   "Ed" | kdf "Sc" (scrypt) or 0x0000 (`minisign -W`) | checksum "B2" |
 *   salt (32) | opslimit (8, LE) | memlimit (8, LE) |
 *   key id (8) | secret key (64: seed || public key) | checksum (32)
 * where the last 104 bytes are XORed with scrypt(password, salt) when
 * encrypted, and the checksum is BLAKE2b-256 of "Ed" || key id || secret key.
 * The checksum is how a wrong password shows; minisign leaves it zero in
 * keys it does not encrypt.
 */
import { generateKeyPairSync, randomBytes, scryptSync } from 'node:crypto';
import { blake2b } from './blake2b.js';
import { publicKeyOfSeed } from './ed25519.js';
import { formatPublicKey, SIG_ALG, type PublicKey } from './public-key.js';
import { SignatureError } from './signature-error.js';
import { decodeBase64, fileLines, keyIdToHex, UNTRUSTED_PREFIX } from './text-format.js';

export interface SecretKey {
  keyId: string;
  /** 64 bytes: seed || public key, libsodium's layout */
  secretKey: Buffer;
  publicKey: PublicKey;
}

const KDF_SCRYPT = 'Sc';
const KDF_NONE = '\0\0';
const CHK_ALG = 'B2';
const SECRET_KEY_BYTES = 2 + 2 + 2 + 32 + 8 + 8 + 104;
const KEYNUM_OFFSET = 54;
const KEYNUM_BYTES = 104;
// libsodium's crypto_pwhash_scryptsalsa208sha256_*_SENSITIVE, what `minisign -G` uses
const OPSLIMIT_SENSITIVE = 33554432n;
const MEMLIMIT_SENSITIVE = 1073741824n;
/** The most scrypt memory a key file may ask for: what minisign's own keys ask (1 GiB). */
const SCRYPT_MAX_MEMORY = 1 << 30;

/**
 * libsodium's pickparams() for crypto_pwhash_scryptsalsa208sha256: the
 * scrypt N, r, p that minisign derived its key stream with.
 */
function scryptParams(opslimit: bigint, memlimit: bigint): { N: number; r: number; p: number } {
  const ops = opslimit < 32768n ? 32768n : opslimit;
  const r = 8n;
  let nLog2 = 1n;
  let p: bigint;
  const maxN = ops < memlimit / 32n ? ops / (r * 4n) : memlimit / (r * 128n);
  for (; nLog2 < 63n; nLog2++) if (1n << nLog2 > maxN / 2n) break;
  if (ops < memlimit / 32n) {
    p = 1n;
  } else {
    let maxrp = ops / 4n / (1n << nLog2);
    if (maxrp > 0x3fffffffn) maxrp = 0x3fffffffn;
    p = maxrp / r;
  }
  const memory = 128n * r * (1n << nLog2);
  if (memory > BigInt(SCRYPT_MAX_MEMORY)) throw new SignatureError(`secret key: its scrypt parameters ask for ${memory >> 20n} MiB (at most ${SCRYPT_MAX_MEMORY >> 20})`);
  if (p < 1n || p > 16n) throw new SignatureError(`secret key: unusable scrypt parameters (p = ${p})`);
  return { N: Number(1n << nLog2), r: Number(r), p: Number(p) };
}

function keyStream(password: string, salt: Uint8Array, opslimit: bigint, memlimit: bigint): Buffer {
  const { N, r, p } = scryptParams(opslimit, memlimit);
  // OpenSSL's own accounting: 128·r·(N + 2) for V plus 128·r·p for B
  return scryptSync(Buffer.from(password, 'utf8'), salt, KEYNUM_BYTES, { N, r, p, maxmem: 128 * r * (N + 2 + p) + (1 << 20) });
}

function xorInPlace(target: Buffer, stream: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i] = target[i]! ^ stream[i]!;
}

/** BLAKE2b-256 of sig_alg || key id || secret key: minisign's seckey_compute_chk. */
function checksum(keyId: Uint8Array, sk: Uint8Array): Buffer {
  return blake2b(Buffer.concat([Buffer.from(SIG_ALG, 'latin1'), keyId, sk]), 32);
}

function keyLine(text: string): string {
  const lines = fileLines(text);
  if (lines.length === 1) return lines[0]!.trim();
  if (lines.length === 2 && lines[0]!.startsWith(UNTRUSTED_PREFIX)) return lines[1]!.trim();
  throw new SignatureError('secret key: expected a minisign secret key file (an untrusted comment line, then the key)');
}

function decodeSecretKey(text: string): Buffer {
  const bytes = decodeBase64(keyLine(text), SECRET_KEY_BYTES, 'secret key');
  if (bytes.subarray(0, 2).toString('latin1') !== SIG_ALG) throw new SignatureError('secret key: not an Ed25519 minisign key (algorithm is not "Ed")');
  if (bytes.subarray(4, 6).toString('latin1') !== CHK_ALG) throw new SignatureError('secret key: unsupported checksum (not "B2")');
  const kdf = bytes.subarray(2, 4).toString('latin1');
  if (kdf !== KDF_SCRYPT && kdf !== KDF_NONE) throw new SignatureError('secret key: unsupported key derivation (neither scrypt nor none)');
  return bytes;
}

/** Whether the key file is protected by a password (minisign's default) or not (`minisign -W`). */
export function isEncryptedSecretKey(text: string): boolean {
  return decodeSecretKey(text).subarray(2, 4).toString('latin1') === KDF_SCRYPT;
}

/** A minisign .key: encrypted (scrypt, as `minisign -G`) or not (`-W`). SignatureError: malformed, no or wrong password. */
export function parseSecretKey(text: string, password?: string): SecretKey {
  const bytes = decodeSecretKey(text);
  const encrypted = bytes.subarray(2, 4).toString('latin1') === KDF_SCRYPT;
  const keynum = Buffer.from(bytes.subarray(KEYNUM_OFFSET));
  if (encrypted) {
    if (password === undefined) throw new SignatureError('secret key is encrypted: a password is needed');
    xorInPlace(keynum, keyStream(password, bytes.subarray(6, 38), bytes.readBigUInt64LE(38), bytes.readBigUInt64LE(46)));
  }
  const keyId = keynum.subarray(0, 8);
  const sk = keynum.subarray(8, 72);
  const chk = keynum.subarray(72);
  const chkOk = checksum(keyId, sk).equals(chk);
  if (encrypted && !chkOk) throw new SignatureError('wrong password for that secret key');
  if (!encrypted && !chkOk && chk.some((b) => b !== 0)) throw new SignatureError('secret key: checksum does not match (the file is damaged)');
  // the public half must be the seed's: a damaged -W key has no checksum to tell
  const pk = publicKeyOfSeed(sk.subarray(0, 32));
  if (!pk.equals(sk.subarray(32))) throw new SignatureError('secret key: its public half does not match its seed (the file is damaged)');
  const id = keyIdToHex(keyId);
  return { keyId: id, secretKey: Buffer.from(sk), publicKey: { keyId: id, key: pk } };
}

/**
 * A new key pair in minisign's files. With a password the secret key is
 * encrypted with the parameters `minisign -G` uses (scrypt, 1 GiB, a few
 * seconds); without, it is a `minisign -W` key (with its checksum filled in,
 * which minisign ignores for such keys).
 */
export function generateKeyPair(password?: string): { publicKey: PublicKey; publicKeyText: string; secretKeyText: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const pk = publicKeyOfSeed(seed);
  const keyId = randomBytes(8);
  const sk = Buffer.concat([seed, pk]);
  const keynum = Buffer.concat([keyId, sk, checksum(keyId, sk)]);
  const head = Buffer.alloc(KEYNUM_OFFSET);
  head.write(SIG_ALG, 0, 'latin1');
  head.write(password === undefined ? KDF_NONE : KDF_SCRYPT, 2, 'latin1');
  head.write(CHK_ALG, 4, 'latin1');
  if (password !== undefined) {
    const salt = randomBytes(32);
    salt.copy(head, 6);
    head.writeBigUInt64LE(OPSLIMIT_SENSITIVE, 38);
    head.writeBigUInt64LE(MEMLIMIT_SENSITIVE, 46);
    xorInPlace(keynum, keyStream(password, salt, OPSLIMIT_SENSITIVE, MEMLIMIT_SENSITIVE));
  }
  const publicKey: PublicKey = { keyId: keyIdToHex(keyId), key: pk };
  const comment = password === undefined ? 'minisign secret key (not encrypted)' : 'minisign encrypted secret key';
  return {
    publicKey,
    publicKeyText: formatPublicKey(publicKey),
    secretKeyText: `${UNTRUSTED_PREFIX}${comment}\n${Buffer.concat([head, keynum]).toString('base64')}\n`,
  };
}
