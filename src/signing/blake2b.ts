/**
 * BLAKE2b with a chosen output length (RFC 7693), unkeyed.
 *
 * Why it exists: a minisign secret key carries a checksum made with
 * libsodium's crypto_generichash at 32 bytes, and BLAKE2b's output length is
 * a parameter mixed into its initial state: BLAKE2b-256 is not a prefix of
 * BLAKE2b-512. node:crypto only offers 'blake2b512' (OpenSSL 3.0 refuses
 * another length), so without this a wrong password could not be told apart
 * the way minisign tells it, and an encrypted key we write would be refused
 * by minisign. It hashes a few dozen bytes per key, so it favours clarity
 * over speed (BigInt words); prehashing files uses node's blake2b512.
 */

const IV = [
  0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
];

/** The message word schedule of each round (rounds 10 and 11 reuse rows 0 and 1). */
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
  [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
  [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
  [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
  [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

const BLOCK = 128;

// A BigUint64Array wraps every store modulo 2^64, as the C code's uint64_t does.
function rotr(x: bigint, n: bigint): bigint {
  return BigInt.asUintN(64, (x >> n) | (x << (64n - n)));
}

function g(v: BigUint64Array, a: number, b: number, c: number, d: number, x: bigint, y: bigint): void {
  v[a] = v[a]! + v[b]! + x;
  v[d] = rotr(v[d]! ^ v[a]!, 32n);
  v[c] = v[c]! + v[d]!;
  v[b] = rotr(v[b]! ^ v[c]!, 24n);
  v[a] = v[a]! + v[b]! + y;
  v[d] = rotr(v[d]! ^ v[a]!, 16n);
  v[c] = v[c]! + v[d]!;
  v[b] = rotr(v[b]! ^ v[c]!, 63n);
}

/** RFC 7693 §3.2 F: mixes one 128-byte block into the state h; `t` counts the bytes hashed so far. */
function compress(h: BigUint64Array, block: Uint8Array, t: bigint, last: boolean): void {
  const view = new DataView(block.buffer, block.byteOffset, BLOCK);
  const m = new BigUint64Array(16);
  for (let i = 0; i < 16; i++) m[i] = view.getBigUint64(i * 8, true);
  const v = new BigUint64Array(16);
  v.set(h, 0);
  v.set(IV, 8);
  v[12] = v[12]! ^ t; // low word of the counter; inputs here never reach 2^64 bytes
  if (last) v[14] = ~v[14]!;
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10]!;
    g(v, 0, 4, 8, 12, m[s[0]!]!, m[s[1]!]!);
    g(v, 1, 5, 9, 13, m[s[2]!]!, m[s[3]!]!);
    g(v, 2, 6, 10, 14, m[s[4]!]!, m[s[5]!]!);
    g(v, 3, 7, 11, 15, m[s[6]!]!, m[s[7]!]!);
    g(v, 0, 5, 10, 15, m[s[8]!]!, m[s[9]!]!);
    g(v, 1, 6, 11, 12, m[s[10]!]!, m[s[11]!]!);
    g(v, 2, 7, 8, 13, m[s[12]!]!, m[s[13]!]!);
    g(v, 3, 4, 9, 14, m[s[14]!]!, m[s[15]!]!);
  }
  for (let i = 0; i < 8; i++) h[i] = h[i]! ^ v[i]! ^ v[i + 8]!;
}

/** BLAKE2b of `data` with an output of `outLen` bytes (1–64), no key. */
export function blake2b(data: Uint8Array, outLen: number): Buffer {
  if (!Number.isInteger(outLen) || outLen < 1 || outLen > 64) throw new RangeError(`BLAKE2b output length ${outLen} is not 1–64`);
  const h = new BigUint64Array(IV);
  // parameter block word 0: digest length, key length 0, fanout 1, depth 1
  h[0] = h[0]! ^ (0x01010000n | BigInt(outLen));
  // every full block but the last is compressed as not-final; the last one (possibly empty) is zero-padded
  let offset = 0;
  while (data.length - offset > BLOCK) {
    compress(h, data.subarray(offset, offset + BLOCK), BigInt(offset + BLOCK), false);
    offset += BLOCK;
  }
  const last = new Uint8Array(BLOCK);
  last.set(data.subarray(offset));
  compress(h, last, BigInt(data.length), true);
  const out = Buffer.alloc(64);
  for (let i = 0; i < 8; i++) out.writeBigUInt64LE(h[i]!, i * 8);
  return out.subarray(0, outLen);
}
