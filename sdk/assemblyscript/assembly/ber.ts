// BER (ITU-T X.690) as LDAP (RFC 4511 §5.1) and SNMP (RFC 3416) use it:
// one-byte identifiers (tag numbers 0-30, any class) and definite lengths
// only. Encoding builds TLVs from their parts; decoding reads untrusted bytes
// without recursion: every length is checked against what encloses it, the
// indefinite form and lengths over 4 bytes are refused, and a failure sets
// `error` instead of trapping.
import { utf8Lenient } from "./text/utf8";

export const BER_BOOLEAN: u8 = 0x01;
export const BER_INTEGER: u8 = 0x02;
export const BER_OCTET_STRING: u8 = 0x04;
export const BER_NULL: u8 = 0x05;
export const BER_OID: u8 = 0x06;
export const BER_ENUMERATED: u8 = 0x0a;
export const BER_SEQUENCE: u8 = 0x30;
export const BER_SET: u8 = 0x31;

/** `berFrameLength`: the header is not complete yet. */
export const BER_NEED_MORE: i32 = -1;
/** `berFrameLength`: not a TLV this decoder accepts (high tag number, indefinite or over-long length). */
export const BER_MALFORMED: i32 = -2;
/** `berFrameLength`: a TLV longer than the caller's cap. */
export const BER_TOO_LONG: i32 = -3;

/** Identifier octet `class | constructed | number` for tag numbers 0-30. */
export function berTag(cls: u8, constructed: bool, number: u8): u8 {
  return (cls & 0xc0) | (constructed ? 0x20 : 0) | (number & 0x1f);
}
export const BER_UNIVERSAL: u8 = 0x00;
export const BER_APPLICATION: u8 = 0x40;
export const BER_CONTEXT: u8 = 0x80;
export const BER_PRIVATE: u8 = 0xc0;

// ---------------------------------------------------------------------------
// encoding
// ---------------------------------------------------------------------------

/** The length octets for `n` (short form below 128, else the shortest long form). */
export function berLength(n: i32): Uint8Array {
  if (n < 0x80) {
    const b = new Uint8Array(1);
    b[0] = <u8>n;
    return b;
  }
  let k = 1;
  while (k < 4 && (n >>> (k * 8)) != 0) k++;
  const b = new Uint8Array(k + 1);
  b[0] = <u8>(0x80 | k);
  for (let i = 0; i < k; i++) b[k - i] = <u8>(n >>> (i * 8));
  return b;
}

/** One TLV: `tag`, the length of `content`, `content`. */
export function berTlv(tag: u8, content: Uint8Array): Uint8Array {
  const len = berLength(content.length);
  const out = new Uint8Array(1 + len.length + content.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(content, 1 + len.length);
  return out;
}

/** A constructed TLV whose content is `parts` in order (SEQUENCE by default). */
export function berSeq(parts: Array<Uint8Array>, tag: u8 = BER_SEQUENCE): Uint8Array {
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += parts[i].length;
  const content = new Uint8Array(n);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    content.set(parts[i], at);
    at += parts[i].length;
  }
  return berTlv(tag, content);
}

/** A two's-complement INTEGER (or ENUMERATED, or an application integer type) in the fewest octets. */
export function berInt(v: i64, tag: u8 = BER_INTEGER): Uint8Array {
  let k = 8;
  // drop a leading octet while the next one's top bit still carries the sign
  while (k > 1) {
    const top = (v >> ((k - 1) * 8)) & 0xff;
    const nextNeg = ((v >> ((k - 2) * 8)) & 0x80) != 0;
    if ((top == 0 && !nextNeg) || (top == 0xff && nextNeg)) k--;
    else break;
  }
  const b = new Uint8Array(k);
  for (let i = 0; i < k; i++) b[k - 1 - i] = <u8>(v >> (i * 8));
  return berTlv(tag, b);
}

/** An unsigned integer (SNMP Counter32/Gauge32/TimeTicks/Counter64): a 0x00 octet first when the top bit is set. */
export function berUint(v: u64, tag: u8 = BER_INTEGER): Uint8Array {
  let k = 1;
  while (k < 8 && (v >> (k * 8)) != 0) k++;
  const pad = ((v >> ((k - 1) * 8)) & 0x80) != 0 ? 1 : 0;
  const b = new Uint8Array(k + pad);
  for (let i = 0; i < k; i++) b[k + pad - 1 - i] = <u8>(v >> (i * 8));
  return berTlv(tag, b);
}

export function berBool(v: bool, tag: u8 = BER_BOOLEAN): Uint8Array {
  const b = new Uint8Array(1);
  b[0] = v ? 0xff : 0x00;
  return berTlv(tag, b);
}

export function berNull(tag: u8 = BER_NULL): Uint8Array {
  return berTlv(tag, new Uint8Array(0));
}

export function berOctets(b: Uint8Array, tag: u8 = BER_OCTET_STRING): Uint8Array {
  return berTlv(tag, b);
}

/** A string as UTF-8 octets (LDAPString, SNMP community). */
export function berString(s: string, tag: u8 = BER_OCTET_STRING): Uint8Array {
  return berTlv(tag, Uint8Array.wrap(String.UTF8.encode(s, false)));
}

/** An OBJECT IDENTIFIER from dotted text ("1.3.6.1.2.1.1.1.0"); null when it is not a valid OID. */
export function berOid(dotted: string, tag: u8 = BER_OID): Uint8Array | null {
  const parts = dotted.split(".");
  if (parts.length < 2) return null;
  const arcs = new Array<u64>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p.length == 0 || p.length > 19) return null;
    let v: u64 = 0;
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j);
      if (c < 0x30 || c > 0x39) return null;
      v = v * 10 + <u64>(c - 0x30);
    }
    arcs[i] = v;
  }
  if (arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39)) return null;
  const out = new Array<u8>();
  for (let i = 1; i < arcs.length; i++) {
    const v: u64 = i == 1 ? arcs[0] * 40 + arcs[1] : arcs[i];
    if (i == 1 && v < arcs[1]) return null; // overflow
    let k = 1;
    while (k < 10 && (v >> (<u64>k * 7)) != 0) k++;
    for (let j = k - 1; j >= 0; j--) out.push(<u8>(((v >> (<u64>j * 7)) & 0x7f) | (j > 0 ? 0x80 : 0)));
  }
  const b = new Uint8Array(out.length);
  for (let i = 0; i < out.length; i++) b[i] = out[i];
  return berTlv(tag, b);
}

// ---------------------------------------------------------------------------
// decoding
// ---------------------------------------------------------------------------

/** A decoded header: the identifier octet and where the content lies in the buffer. */
export class BerTlv {
  constructor(public buf: Uint8Array, public tag: u8, public start: i32, public end: i32) {}
  get length(): i32 { return this.end - this.start; }
  get constructed(): bool { return (this.tag & 0x20) != 0; }
  /** The content octets (a view, not a copy). */
  content(): Uint8Array { return this.buf.subarray(this.start, this.end); }
  /** A reader over the content, for a constructed TLV's elements. */
  children(): BerReader { return new BerReader(this.buf, this.start, this.end); }
}

/**
 * Header at `pos` (before `end`): [tag, header length, content length], or
 * [BER_NEED_MORE | BER_MALFORMED, 0, 0]. Content length is not checked
 * against `end` here.
 */
function header(b: Uint8Array, pos: i32, end: i32): StaticArray<i32> {
  const out = new StaticArray<i32>(3);
  if (end - pos < 2) { out[0] = BER_NEED_MORE; return out; }
  const tag = <i32>b[pos];
  if ((tag & 0x1f) == 0x1f) { out[0] = BER_MALFORMED; return out; }
  const first = <i32>b[pos + 1];
  if (first < 0x80) { out[0] = tag; out[1] = 2; out[2] = first; return out; }
  const k = first & 0x7f;
  if (k == 0 || k > 4) { out[0] = BER_MALFORMED; return out; } // indefinite, or over 4 GiB
  if (end - pos < 2 + k) { out[0] = BER_NEED_MORE; return out; }
  let n: u64 = 0;
  for (let i = 0; i < k; i++) n = (n << 8) | <u64>b[pos + 2 + i];
  if (n > <u64>i32.MAX_VALUE) { out[0] = BER_MALFORMED; return out; }
  out[0] = tag; out[1] = 2 + k; out[2] = <i32>n;
  return out;
}

/**
 * Total size of the TLV at the start of `b` (header + content) once its
 * header is complete, for framing a stream: read until `b.length` reaches it.
 * BER_NEED_MORE while the header is cut, BER_MALFORMED, or BER_TOO_LONG over
 * `maxBytes`.
 */
export function berFrameLength(b: Uint8Array, maxBytes: i32): i32 {
  const h = header(b, 0, b.length);
  if (h[0] < 0) return h[0];
  if (<i64>h[1] + <i64>h[2] > <i64>maxBytes) return BER_TOO_LONG;
  return h[1] + h[2];
}

/**
 * Reads the TLVs between `pos` and `end` one after another. Every reading
 * method returns a harmless value (null, 0, "") on failure and sets `error`,
 * which stays set: check `ok` once after a group of reads.
 */
export class BerReader {
  error: string = "";
  constructor(public buf: Uint8Array, public pos: i32 = 0, public end: i32 = -1) {
    if (this.end < 0 || this.end > buf.length) this.end = buf.length;
    if (this.pos < 0 || this.pos > this.end) this.pos = this.end;
  }

  get ok(): bool { return this.error.length == 0; }
  /** No TLV left (or a failure). */
  get done(): bool { return !this.ok || this.pos >= this.end; }

  fail(why: string): void {
    if (this.error.length == 0) this.error = why;
  }

  /** Tag of the next TLV without reading it; -1 at the end. */
  peekTag(): i32 { return this.done ? -1 : <i32>this.buf[this.pos]; }

  /** The next TLV; null at the end (`ok` stays true) or when it does not fit (`error`). */
  next(): BerTlv | null {
    if (this.done) return null;
    const h = header(this.buf, this.pos, this.end);
    if (h[0] == BER_NEED_MORE) { this.fail("BER header cut at offset " + this.pos.toString()); return null; }
    if (h[0] == BER_MALFORMED) { this.fail("unsupported BER header at offset " + this.pos.toString()); return null; }
    const start = this.pos + h[1];
    if (<i64>h[2] > <i64>(this.end - start)) {
      this.fail("BER length " + h[2].toString() + " at offset " + this.pos.toString() + " overruns its container (" + (this.end - start).toString() + " bytes left)");
      return null;
    }
    this.pos = start + h[2];
    return new BerTlv(this.buf, <u8>h[0], start, start + h[2]);
  }

  /** The next TLV, which must have `tag`. */
  expect(tag: u8, what: string): BerTlv | null {
    const t = this.next();
    if (t === null) { this.fail(what + " missing"); return null; }
    if (t.tag != tag) { this.fail(what + ": tag 0x" + t.tag.toString(16) + ", expected 0x" + tag.toString(16)); return null; }
    return t;
  }

  /** A reader over the next TLV's content, which must have `tag` (a SEQUENCE by default). */
  enter(what: string, tag: u8 = BER_SEQUENCE): BerReader {
    const t = this.expect(tag, what);
    if (t === null) {
      const r = new BerReader(this.buf, this.end, this.end);
      r.error = this.error;
      return r;
    }
    return t.children();
  }

  /** A signed INTEGER (or ENUMERATED with that tag) of 1 to 8 octets. */
  int(what: string, tag: u8 = BER_INTEGER): i64 {
    const t = this.expect(tag, what);
    if (t === null) return 0;
    return berIntOf(this, t, what);
  }

  /** An unsigned integer of up to 8 value octets (one leading 0x00 allowed). */
  uint(what: string, tag: u8 = BER_INTEGER): u64 {
    const t = this.expect(tag, what);
    if (t === null) return 0;
    let s = t.start;
    if (t.length == 9 && this.buf[s] == 0) s++;
    if (t.length == 0 || t.end - s > 8) { this.fail(what + ": unsigned integer of " + t.length.toString() + " octets"); return 0; }
    let v: u64 = 0;
    for (let i = s; i < t.end; i++) v = (v << 8) | <u64>this.buf[i];
    return v;
  }

  bool(what: string, tag: u8 = BER_BOOLEAN): bool {
    const t = this.expect(tag, what);
    if (t === null) return false;
    if (t.length != 1) { this.fail(what + ": BOOLEAN of " + t.length.toString() + " octets"); return false; }
    return this.buf[t.start] != 0;
  }

  /** The content octets (a copy). */
  octets(what: string, tag: u8 = BER_OCTET_STRING): Uint8Array {
    const t = this.expect(tag, what);
    return t === null ? new Uint8Array(0) : this.buf.slice(t.start, t.end);
  }

  /** The content as UTF-8, bad sequences as U+FFFD. */
  string(what: string, tag: u8 = BER_OCTET_STRING): string {
    const t = this.expect(tag, what);
    return t === null ? "" : utf8Lenient(this.buf, t.start, t.end);
  }

  /** An OBJECT IDENTIFIER as dotted text. */
  oid(what: string, tag: u8 = BER_OID): string {
    const t = this.expect(tag, what);
    if (t === null) return "";
    const s = berOidText(t);
    if (s === null) this.fail(what + ": malformed OBJECT IDENTIFIER");
    return s === null ? "" : s;
  }
}

/** `t`'s content as a signed integer; fails `r` unless it has 1 to 8 octets. */
export function berIntOf(r: BerReader, t: BerTlv, what: string): i64 {
  if (t.length < 1 || t.length > 8) { r.fail(what + ": INTEGER of " + t.length.toString() + " octets"); return 0; }
  let v: i64 = (<i64>(<i8>t.buf[t.start])); // sign from the first octet
  for (let i = t.start + 1; i < t.end; i++) v = (v << 8) | <i64>t.buf[i];
  return v;
}

/** Dotted text of an OID TLV's content; null when a subidentifier is cut or over 64 bits. */
export function berOidText(t: BerTlv): string | null {
  if (t.length == 0) return null;
  let s = "";
  let v: u64 = 0;
  let digits = 0;
  let first = true;
  for (let i = t.start; i < t.end; i++) {
    const c = t.buf[i];
    if (digits == 0 && c == 0x80) return null; // a non-minimal subidentifier
    if ((v >> 57) != 0) return null; // the next 7 bits would not fit
    digits++;
    v = (v << 7) | <u64>(c & 0x7f);
    if ((c & 0x80) != 0) continue;
    if (first) {
      const a: u64 = v < 40 ? 0 : v < 80 ? 1 : 2;
      s = a.toString() + "." + (v - a * 40).toString();
      first = false;
    } else s += "." + v.toString();
    v = 0;
    digits = 0;
  }
  return digits == 0 ? s : null;
}
