// Lenient UTF-8 → string for untrusted bytes. AssemblyScript's
// String.UTF8.decode(…, false) lets a bad lead byte swallow the bytes after
// it ("a\xffb" → "a"); here each byte that does not start a well-formed
// sequence becomes U+FFFD and decoding goes on with the next byte.

function cont(b: Uint8Array, i: i32, end: i32): bool {
  return i < end && (b[i] & 0xc0) == 0x80;
}

/** Length of the well-formed sequence at `i`, or 0. */
function seqLength(b: Uint8Array, i: i32, end: i32): i32 {
  const c = <i32>b[i];
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(b, i + 1, end) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(b, i + 1, end) || !cont(b, i + 2, end)) return 0;
    const cp = ((c & 0x0f) << 12) | ((<i32>b[i + 1] & 0x3f) << 6);
    return cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) ? 0 : 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(b, i + 1, end) || !cont(b, i + 2, end) || !cont(b, i + 3, end)) return 0;
    const cp = ((c & 0x07) << 18) | ((<i32>b[i + 1] & 0x3f) << 12);
    return cp < 0x10000 || cp > 0x10ffff ? 0 : 4;
  }
  return 0;
}

export function utf8Lenient(b: Uint8Array, start: i32, end: i32): string {
  // well-formed text (the usual case) goes through the native decoder at once
  let i = start;
  while (i < end) {
    const n = seqLength(b, i, end);
    if (n == 0) break;
    i += n;
  }
  if (i >= end) return String.UTF8.decodeUnsafe(b.dataStart + <usize>start, <usize>(end - start), false);
  return slow(b, start, end);
}

function slow(b: Uint8Array, start: i32, end: i32): string {
  let s = "";
  let i = start;
  while (i < end) {
    const c = <i32>b[i];
    let cp = -1;
    let len = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c <= 0xdf && cont(b, i + 1, end)) {
      cp = ((c & 0x1f) << 6) | (b[i + 1] & 0x3f); len = 2;
    } else if (c >= 0xe0 && c <= 0xef && cont(b, i + 1, end) && cont(b, i + 2, end)) {
      cp = ((c & 0x0f) << 12) | ((<i32>b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f); len = 3;
      if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) { cp = -1; len = 1; } // overlong or a surrogate
    } else if (c >= 0xf0 && c <= 0xf4 && cont(b, i + 1, end) && cont(b, i + 2, end) && cont(b, i + 3, end)) {
      cp = ((c & 0x07) << 18) | ((<i32>b[i + 1] & 0x3f) << 12) | ((<i32>b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f); len = 4;
      if (cp < 0x10000 || cp > 0x10ffff) { cp = -1; len = 1; }
    }
    s += String.fromCodePoint(cp < 0 ? 0xfffd : cp);
    i += len;
  }
  return s;
}
