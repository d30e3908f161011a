// A bounded ASN.1 DER reader (X.690 §8, §10): one TLV at a time, never
// reading past the end it is given. Hostile input gets a reason, not a trap:
// definite lengths only, at most 4 length bytes, low tag numbers only, and
// `check` walks a whole value with a depth and an element cap first.

/** Deepest nesting `check` accepts (a certificate needs about 8). */
export const MAX_DEPTH = 16;
/** Most TLVs `check` accepts in one value (a large certificate has ~300). */
export const MAX_ITEMS = 4096;

export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_UTF8 = 0x0c;
export const TAG_PRINTABLE = 0x13;
export const TAG_T61 = 0x14;
export const TAG_IA5 = 0x16;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;
export const TAG_UNIVERSAL = 0x1c;
export const TAG_BMP = 0x1e;
export const TAG_SEQUENCE = 0x30;
export const TAG_SET = 0x31;

/** One TLV: `tag` byte, content at [start, end), whole element at [head, end). */
export class Tlv {
  constructor(public tag: i32, public head: i32, public start: i32, public end: i32) {}
  get length(): i32 { return this.end - this.start; }
  get constructed(): bool { return (this.tag & 0x20) != 0; }
}

/** Why the last `readTlv`/`check` failed. */
export let derError: string = "";

/** The TLV at `pos`, which must end by `limit`; null (and `derError`) if it does not fit or is not DER. */
export function readTlv(buf: Uint8Array, pos: i32, limit: i32): Tlv | null {
  if (limit > buf.length) limit = buf.length;
  if (pos < 0 || pos >= limit) { derError = "truncated: no tag at " + pos.toString(); return null; }
  const tag = <i32>buf[pos];
  if ((tag & 0x1f) == 0x1f) { derError = "high tag number at " + pos.toString(); return null; }
  if (pos + 1 >= limit) { derError = "truncated: no length at " + (pos + 1).toString(); return null; }
  let p = pos + 1;
  const first = <i32>buf[p++];
  let len: i32 = 0;
  if (first < 0x80) {
    len = first;
  } else {
    const n = first & 0x7f;
    if (n == 0) { derError = "indefinite length at " + (pos + 1).toString(); return null; }
    if (n > 3) { derError = "length of " + n.toString() + " bytes at " + (pos + 1).toString(); return null; }
    if (p + n > limit) { derError = "truncated length at " + (pos + 1).toString(); return null; }
    for (let i = 0; i < n; i++) len = (len << 8) | <i32>buf[p++];
    if (len < 0x80 || (n > 1 && len < (1 << (8 * (n - 1))))) { derError = "non-minimal length at " + (pos + 1).toString(); return null; }
  }
  if (len > limit - p) { derError = "truncated: " + len.toString() + " content bytes at " + p.toString() + ", " + (limit - p).toString() + " left"; return null; }
  return new Tlv(tag, pos, p, p + len);
}

/** The TLV at `pos` if it has tag `tag`; else null with a reason naming `what`. */
export function expectTlv(buf: Uint8Array, pos: i32, limit: i32, tag: i32, what: string): Tlv | null {
  const t = readTlv(buf, pos, limit);
  if (t === null) { derError = what + ": " + derError; return null; }
  if (t.tag != tag) { derError = what + ": tag 0x" + t.tag.toString(16) + " at " + pos.toString() + ", expected 0x" + tag.toString(16); return null; }
  return t;
}

let items: i32 = 0;

function walk(buf: Uint8Array, pos: i32, limit: i32, depth: i32): bool {
  while (pos < limit) {
    if (++items > MAX_ITEMS) { derError = "more than " + MAX_ITEMS.toString() + " elements"; return false; }
    const t = readTlv(buf, pos, limit);
    if (t === null) return false;
    if (t.constructed) {
      if (depth + 1 > MAX_DEPTH) { derError = "nested deeper than " + MAX_DEPTH.toString() + " at " + pos.toString(); return false; }
      if (!walk(buf, t.start, t.end, depth + 1)) return false;
    }
    pos = t.end;
  }
  return true;
}

/**
 * Checks that buf[pos..] starts with one well-formed DER value: every
 * constructed element's content is a sequence of TLVs ending exactly at its
 * end, within MAX_DEPTH and MAX_ITEMS. Returns it, or null with `derError`.
 */
export function check(buf: Uint8Array, pos: i32 = 0): Tlv | null {
  items = 0;
  const t = readTlv(buf, pos, buf.length);
  if (t === null) return null;
  if (t.constructed && !walk(buf, t.start, t.end, 1)) return null;
  return t;
}

/** Dotted form of an OID's content bytes (arcs capped at 2^53 - 1 by refusing > 7 bytes of base-128 digits). */
export function oidString(buf: Uint8Array, t: Tlv): string {
  if (t.length == 0) return "";
  let out = "";
  let v: u64 = 0;
  let digits = 0;
  let firstDone = false;
  for (let i = t.start; i < t.end; i++) {
    const b = <u64>buf[i];
    v = (v << 7) | (b & 0x7f);
    if (++digits > 8) return "invalid";
    if ((b & 0x80) == 0) {
      if (!firstDone) {
        const a = v < 40 ? 0 : v < 80 ? 1 : 2;
        out = a.toString() + "." + (v - <u64>(40 * a)).toString();
        firstDone = true;
      } else {
        out += "." + v.toString();
      }
      v = 0;
      digits = 0;
    }
  }
  return digits == 0 ? out : "invalid";
}

/** Lowercase hex of buf[start, end), with `sep` between bytes. */
export function hex(buf: Uint8Array, start: i32, end: i32, sep: string = "", upper: bool = false): string {
  const digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  let out = "";
  for (let i = start; i < end; i++) {
    if (i > start && sep.length > 0) out += sep;
    const b = <i32>buf[i];
    out += digits.charAt(b >> 4) + digits.charAt(b & 15);
  }
  return out;
}

/** For callers' own checks on DER they read (imported globals are read-only). */
export function setDerError(why: string): void { derError = why; }
