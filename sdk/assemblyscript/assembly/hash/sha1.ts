// SHA-1 (FIPS 180-4 §6.1), only for certificate fingerprints as openssl
// and BinaryEdge print them. Not used for anything security-related.
import { padBlocks } from "./pad";

/** The 20-byte SHA-1 digest of `data`. */
export function sha1(data: Uint8Array): Uint8Array {
  const m = padBlocks(data, true);
  const total = m.length;

  const h: StaticArray<u32> = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
  const w = new StaticArray<u32>(80);
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) {
      const p = off + i * 4;
      w[i] = (<u32>m[p] << 24) | (<u32>m[p + 1] << 16) | (<u32>m[p + 2] << 8) | <u32>m[p + 3];
    }
    for (let i = 16; i < 80; i++) w[i] = rotl<u32>(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (let i = 0; i < 80; i++) {
      let f: u32, k: u32;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
      else { f = b ^ c ^ d; k = 0xca62c1d6; }
      const t = rotl<u32>(a, 5) + f + e + k + w[i];
      e = d; d = c; c = rotl<u32>(b, 30); b = a; a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
  }
  const out = new Uint8Array(20);
  for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) out[i * 4 + j] = <u8>(h[i] >> (<u32>(24 - 8 * j)));
  return out;
}
