// Crafted TLS ClientHellos and a bounded reader of the server's first reply
// (ServerHello or Alert), for probing versions and cipher suites without
// finishing a handshake. RFC 6101 (SSLv3), RFC 5246 §7.4.1 (TLS 1.2),
// RFC 8446 §4.1.2-4.1.3 (TLS 1.3: supported_versions + key_share).

export const SSL3: u16 = 0x0300;
export const TLS10: u16 = 0x0301;
export const TLS11: u16 = 0x0302;
export const TLS12: u16 = 0x0303;
export const TLS13: u16 = 0x0304;

/** Most plaintext a record may carry (RFC 8446 §5.1: 2^14, +2048 tolerated as for TLSCompressed). */
export const MAX_RECORD = 16384 + 2048;
/** Most handshake bytes gathered for the ServerHello. */
export const MAX_HELLO = 65536;
/** Most records read before giving up on a ServerHello. */
export const MAX_RECORDS = 32;
/** Most extensions read from a ServerHello. */
export const MAX_EXTENSIONS = 64;

/** BinaryEdge's key for a version. */
export function versionKey(v: u16): string {
  if (v == SSL3) return "sslv3";
  if (v == TLS10) return "tlsv1";
  if (v == TLS11) return "tlsv1_1";
  if (v == TLS12) return "tlsv1_2";
  if (v == TLS13) return "tlsv1_3";
  return "0x" + (<i32>v).toString(16);
}

/** openssl's spelling of a version, as in `negotiated_version`. */
export function versionName(v: u16): string {
  if (v == SSL3) return "SSLv3";
  if (v == TLS10) return "TLSv1";
  if (v == TLS11) return "TLSv1.1";
  if (v == TLS12) return "TLSv1.2";
  if (v == TLS13) return "TLSv1.3";
  return "0x" + (<i32>v).toString(16);
}

export function alertName(d: i32): string {
  switch (d) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 47: return "illegal_parameter";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 120: return "no_application_protocol";
  }
  return "alert " + d.toString();
}

class Buf {
  b: Array<u8> = new Array<u8>(0);
  u8(v: i32): Buf { this.b.push(<u8>v); return this; }
  u16(v: i32): Buf { this.b.push(<u8>(v >> 8)); this.b.push(<u8>v); return this; }
  u24(v: i32): Buf { this.b.push(<u8>(v >> 16)); return this.u16(v & 0xffff); }
  bytes(x: Uint8Array): Buf { for (let i = 0; i < x.length; i++) this.b.push(x[i]); return this; }
  buf(x: Buf): Buf { for (let i = 0; i < x.b.length; i++) this.b.push(x.b[i]); return this; }
  get length(): i32 { return this.b.length; }
  toBytes(): Uint8Array { const o = new Uint8Array(this.b.length); for (let i = 0; i < this.b.length; i++) o[i] = this.b[i]; return o; }
}

function ext(out: Buf, type: i32, body: Buf): void { out.u16(type).u16(body.length).buf(body); }

/** clientHello `flags`: append TLS_FALLBACK_SCSV (RFC 7507). */
export const HELLO_FALLBACK_SCSV: i32 = 1;
/** clientHello `flags`: offer DEFLATE (RFC 3749) before null compression. */
export const HELLO_DEFLATE: i32 = 2;
/** clientHello `flags`: offer the heartbeat extension (RFC 6520), peer_allowed_to_send. */
export const HELLO_HEARTBEAT: i32 = 4;

/** TLS_FALLBACK_SCSV (RFC 7507 §6). */
export const FALLBACK_SCSV: u16 = 0x5600;
/** The heartbeat extension's type (RFC 6520 §2). */
export const EXT_HEARTBEAT: u16 = 15;
/** renegotiation_info (RFC 5746 §3.2). */
export const EXT_RENEGOTIATION_INFO: u16 = 0xff01;
/** An alert: the server saw TLS_FALLBACK_SCSV below its highest version (RFC 7507 §3). */
export const ALERT_INAPPROPRIATE_FALLBACK: i32 = 86;

/**
 * One ClientHello record offering `version` (TLS13 = legacy 1.2 hello with
 * supported_versions [1.3] and an X25519 key_share of `keyShare`) and
 * `suites` in that order. SSLv3 gets no extensions, only the
 * renegotiation SCSV; TLS 1.0-1.2 get SNI, groups, point formats,
 * signature algorithms and renegotiation_info. `flags` (HELLO_*) add the
 * fallback SCSV, DEFLATE compression or the heartbeat extension.
 */
export function clientHello(version: u16, suites: Array<u16>, sni: string, random: Uint8Array, keyShare: Uint8Array, flags: i32 = 0): Uint8Array {
  const legacy: i32 = version == TLS13 ? TLS12 : version;
  const body = new Buf().u16(legacy).bytes(random).u8(0); // empty session id
  const cs = new Buf();
  for (let i = 0; i < suites.length; i++) cs.u16(suites[i]);
  if (version == SSL3) cs.u16(0x00ff); // TLS_EMPTY_RENEGOTIATION_INFO_SCSV
  if ((flags & HELLO_FALLBACK_SCSV) != 0) cs.u16(FALLBACK_SCSV);
  body.u16(cs.length).buf(cs);
  if ((flags & HELLO_DEFLATE) != 0) body.u8(2).u8(1).u8(0); // compression: DEFLATE, null
  else body.u8(1).u8(0); // compression: null only
  if (version != SSL3) {
    const exts = new Buf();
    if (sni.length > 0) {
      const name = Uint8Array.wrap(String.UTF8.encode(sni));
      const list = new Buf().u8(0).u16(name.length).bytes(name);
      ext(exts, 0, new Buf().u16(list.length).buf(list));
    }
    const groups = new Buf().u16(10).u16(29).u16(23).u16(24).u16(25).u16(256); // x25519 P-256 P-384 P-521 ffdhe2048
    ext(exts, 10, groups);
    ext(exts, 11, new Buf().u8(1).u8(0)); // ec_point_formats: uncompressed
    const sigs = new Buf();
    const algs: StaticArray<i32> = [0x0403, 0x0503, 0x0603, 0x0807, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201, 0x0402, 0x0202];
    for (let i = 0; i < algs.length; i++) sigs.u16(algs[i]);
    ext(exts, 13, new Buf().u16(sigs.length).buf(sigs));
    ext(exts, EXT_RENEGOTIATION_INFO, new Buf().u8(0)); // renegotiation_info, empty
    if ((flags & HELLO_HEARTBEAT) != 0) ext(exts, EXT_HEARTBEAT, new Buf().u8(1)); // peer_allowed_to_send
    if (version == TLS13) {
      ext(exts, 43, new Buf().u8(2).u16(TLS13)); // supported_versions
      ext(exts, 45, new Buf().u8(1).u8(1)); // psk_key_exchange_modes: psk_dhe_ke
      const share = new Buf().u16(29).u16(keyShare.length).bytes(keyShare);
      ext(exts, 51, new Buf().u16(share.length).buf(share)); // key_share
    }
    body.u16(exts.length).buf(exts);
  }
  const hs = new Buf().u8(1).u24(body.length).buf(body);
  // record version: 3.0 for SSLv3, else 3.1 as most clients send
  return new Buf().u8(22).u16(version == SSL3 ? SSL3 : TLS10).u16(hs.length).buf(hs).toBytes();
}

export const REPLY_MORE = 0;
export const REPLY_HELLO = 1;
export const REPLY_ALERT = 2;
export const REPLY_BAD = 3;

/** The server's first answer to a ClientHello. */
export class Reply {
  kind: i32 = REPLY_MORE;
  error: string = "";
  /** ServerHello.legacy_version. */
  legacyVersion: u16 = 0;
  /** The version chosen: supported_versions if present, else legacyVersion. */
  version: u16 = 0;
  cipher: u16 = 0;
  compression: u8 = 0;
  extensions: Array<u16> = new Array<u16>(0);
  helloRetry: bool = false;
  alertLevel: i32 = 0;
  alertDescription: i32 = 0;
}

function bad(r: Reply, why: string): Reply { r.kind = REPLY_BAD; r.error = why; return r; }

/** SHA-256("HelloRetryRequest"), the random of a HelloRetryRequest (RFC 8446 §4.1.3). */
const HRR: StaticArray<u8> = [
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

function u16at(b: Uint8Array, i: i32): u16 { return <u16>((<i32>b[i] << 8) | <i32>b[i + 1]); }

function parseServerHello(m: Uint8Array, r: Reply): Reply {
  // m: ServerHello body (without the 4-byte handshake header)
  if (m.length < 38) return bad(r, "ServerHello too short");
  r.legacyVersion = u16at(m, 0);
  r.version = r.legacyVersion;
  let hrr = true;
  for (let i = 0; i < 32; i++) if (m[2 + i] != HRR[i]) { hrr = false; break; }
  r.helloRetry = hrr;
  const sid = <i32>m[34];
  if (sid > 32) return bad(r, "session id of " + sid.toString() + " bytes");
  let p = 35 + sid;
  if (p + 3 > m.length) return bad(r, "ServerHello too short");
  r.cipher = u16at(m, p);
  r.compression = m[p + 2];
  p += 3;
  if (p == m.length) { r.kind = REPLY_HELLO; return r; } // no extensions (SSLv3, old servers)
  if (p + 2 > m.length) return bad(r, "truncated extensions length");
  const end = p + 2 + <i32>u16at(m, p);
  if (end != m.length) return bad(r, "extensions length does not match the message");
  p += 2;
  while (p < end) {
    if (p + 4 > end) return bad(r, "truncated extension header");
    const type = u16at(m, p);
    const len = <i32>u16at(m, p + 2);
    if (p + 4 + len > end) return bad(r, "extension " + (<i32>type).toString() + " overruns the message");
    if (r.extensions.length >= MAX_EXTENSIONS) return bad(r, "more than " + MAX_EXTENSIONS.toString() + " extensions");
    r.extensions.push(type);
    if (type == 43) {
      if (len != 2) return bad(r, "supported_versions of " + len.toString() + " bytes");
      r.version = u16at(m, p + 4);
    }
    p += 4 + len;
  }
  r.kind = REPLY_HELLO;
  return r;
}

/**
 * Reads records from the start of `buf` (everything received so far) until a
 * ServerHello or an Alert is complete. REPLY_MORE: need more bytes (BAD
 * instead when `closed`). Every length is checked before it is used.
 */
export function parseReply(buf: Uint8Array, closed: bool): Reply {
  const r = new Reply();
  let p = 0;
  let hs = new Uint8Array(0);
  let records = 0;
  // an SSLv2 server's reply starts with a 2-byte header with the top bit set
  if (buf.length > 0 && (buf[0] & 0x80) != 0) return bad(r, "SSLv2 record in reply");
  while (true) {
    if (buf.length - p < 5) {
      if (closed) return bad(r, p == 0 && buf.length == 0 ? "connection closed without a reply" : "connection closed inside a record header");
      return r;
    }
    const type = <i32>buf[p];
    if (type != 22 && type != 21) return bad(r, "unexpected record type " + type.toString());
    if (buf[p + 1] != 3) return bad(r, "record version " + buf[p + 1].toString() + "." + buf[p + 2].toString());
    const len = <i32>u16at(buf, p + 3);
    if (len == 0 || len > MAX_RECORD) return bad(r, "record length " + len.toString());
    if (buf.length - p - 5 < len) {
      if (closed) return bad(r, "connection closed inside a record");
      return r;
    }
    if (++records > MAX_RECORDS) return bad(r, "no ServerHello in " + MAX_RECORDS.toString() + " records");
    const body = buf.subarray(p + 5, p + 5 + len);
    p += 5 + len;
    if (type == 21) {
      if (len < 2) return bad(r, "alert of " + len.toString() + " bytes");
      r.kind = REPLY_ALERT;
      r.alertLevel = <i32>body[0];
      r.alertDescription = <i32>body[1];
      return r;
    }
    if (hs.length + len > MAX_HELLO + 4) return bad(r, "ServerHello longer than " + MAX_HELLO.toString() + " bytes");
    const joined = new Uint8Array(hs.length + len);
    joined.set(hs, 0);
    joined.set(body, hs.length);
    hs = joined;
    if (hs.length >= 4) {
      if (hs[0] != 2) return bad(r, "handshake message " + hs[0].toString() + " before ServerHello");
      const mlen = (<i32>hs[1] << 16) | (<i32>hs[2] << 8) | <i32>hs[3];
      if (mlen > MAX_HELLO) return bad(r, "ServerHello of " + mlen.toString() + " bytes");
      if (hs.length >= 4 + mlen) return parseServerHello(hs.subarray(4, 4 + mlen), r);
    }
  }
}
