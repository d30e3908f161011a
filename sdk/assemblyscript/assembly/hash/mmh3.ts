// MurmurHash3 x86 32-bit (Austin Appleby's public-domain reference), and
// the favicon hash Shodan computes with it. Not for anything security-related.
import { base64Encode } from "../text/base64";

/** MurmurHash3_x86_32 of `data` with `seed`, as an unsigned 32-bit value. */
export function murmur3_32(data: Uint8Array, seed: u32 = 0): u32 {
  const c1: u32 = 0xcc9e2d51;
  const c2: u32 = 0x1b873593;
  let h = seed;
  const n = data.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = <u32>data[i] | (<u32>data[i + 1] << 8) | (<u32>data[i + 2] << 16) | (<u32>data[i + 3] << 24);
    k *= c1; k = rotl<u32>(k, 15); k *= c2;
    h ^= k; h = rotl<u32>(h, 13); h = h * 5 + 0xe6546b64;
  }
  let k: u32 = 0;
  const tail = n & 3;
  if (tail == 3) k ^= <u32>data[blocks + 2] << 16;
  if (tail >= 2) k ^= <u32>data[blocks + 1] << 8;
  if (tail >= 1) {
    k ^= <u32>data[blocks];
    k *= c1; k = rotl<u32>(k, 15); k *= c2; h ^= k;
  }
  h ^= <u32>n;
  h ^= h >> 16; h *= 0x85ebca6b;
  h ^= h >> 13; h *= 0xc2b2ae35;
  h ^= h >> 16;
  return h;
}

/**
 * Shodan's `http.favicon.hash`: mmh3 (signed 32-bit, seed 0) of the
 * favicon's base64 as Python's `base64.encodebytes` writes it: lines of 76
 * characters, each ending in "\n", the last one too.
 */
export function faviconHash(icon: Uint8Array): i32 {
  const b64 = base64Encode(icon);
  let text = "";
  for (let i = 0; i < b64.length; i += 76) text += b64.substring(i, i + 76) + "\n";
  return <i32>murmur3_32(Uint8Array.wrap(String.UTF8.encode(text)));
}
