// Base64, RFC 4648 §4 (standard alphabet, `=` padding): HTTP Basic auth,
// PEM bodies, protocol fields that carry bytes as text.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** `bytes` as padded base64. */
export function base64Encode(bytes: Uint8Array): string {
  const out = new Array<string>(0);
  const n = bytes.length;
  for (let i = 0; i < n; i += 3) {
    const b0 = <u32>bytes[i];
    const b1 = i + 1 < n ? <u32>bytes[i + 1] : 0;
    const b2 = i + 2 < n ? <u32>bytes[i + 2] : 0;
    const v = (b0 << 16) | (b1 << 8) | b2;
    out.push(ALPHABET.charAt((v >> 18) & 63));
    out.push(ALPHABET.charAt((v >> 12) & 63));
    out.push(i + 1 < n ? ALPHABET.charAt((v >> 6) & 63) : "=");
    out.push(i + 2 < n ? ALPHABET.charAt(v & 63) : "=");
  }
  return out.join("");
}

function sextet(c: i32): i32 {
  if (c >= 65 && c <= 90) return c - 65; // A-Z
  if (c >= 97 && c <= 122) return c - 71; // a-z
  if (c >= 48 && c <= 57) return c + 4; // 0-9
  if (c == 43) return 62; // +
  if (c == 47) return 63; // /
  return -1;
}

/**
 * Decodes padded or unpadded base64; null when `s` has any other character,
 * padding anywhere but the end, or a length no encoding can have.
 */
export function base64Decode(s: string): Uint8Array | null {
  let len = s.length;
  let pad = 0;
  while (len > 0 && s.charCodeAt(len - 1) == 61 && pad < 2) { len--; pad++; }
  if (pad > 0 && (len + pad) % 4 != 0) return null;
  if (len % 4 == 1) return null;
  const out = new Uint8Array((len * 3) >> 2);
  let acc: u32 = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const v = sextet(s.charCodeAt(i));
    if (v < 0) return null;
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = <u8>((acc >> bits) & 0xff);
    }
  }
  return out;
}
