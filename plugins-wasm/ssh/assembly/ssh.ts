// SSH transport wire format (RFC 4253), only as far as a scanner needs it:
// the identification string (§4.2), the unencrypted binary packet (§6),
// SSH_MSG_KEXINIT (§7.1), SSH_MSG_KEX_ECDH_REPLY (RFC 5656 §4 / RFC 8731)
// and public key blobs (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4).
//
// Every parser is pure (bytes in, result out) and never traps: hostile or
// truncated input gives PARSE_MORE ("need more bytes") or PARSE_BAD with a
// reason. Caps below bound what a hostile server can make us hold.
import { latin1 } from "@wasmap/sdk-assemblyscript";

/** Longest identification line, CR LF included (RFC 4253 §4.2). */
export const MAX_IDENT_LINE = 255;
/** Lines a server may send before its identification (RFC 4253 §4.2 allows some). */
export const MAX_PREAMBLE_LINES = 32;
/** Longest such line. */
export const MAX_PREAMBLE_LINE = 1024;
/** Largest packet_length accepted (RFC 4253 §6.1: implementations must take 35000 total). */
export const MAX_PACKET = 35000;
/** Packets (SSH_MSG_IGNORE / DEBUG …) skipped while waiting for the one we want. */
export const MAX_SKIPPED_PACKETS = 8;
/** Names kept per name-list. */
export const MAX_NAMES = 128;

export const PARSE_OK: i32 = 0;
export const PARSE_MORE: i32 = 1;
export const PARSE_BAD: i32 = 2;

export const MSG_DISCONNECT: u8 = 1;
export const MSG_IGNORE: u8 = 2;
export const MSG_UNIMPLEMENTED: u8 = 3;
export const MSG_DEBUG: u8 = 4;
export const MSG_KEXINIT: u8 = 20;
export const MSG_KEX_ECDH_INIT: u8 = 30;
export const MSG_KEX_ECDH_REPLY: u8 = 31;

/** `SSH-protoversion-softwareversion SP comments`. */
export class Ident {
  line: string = "";
  proto: string = "";
  software: string = "";
  comments: string = "";
}

/** Splits an identification line (without CR LF); null unless it starts `SSH-x-y`. */
export function parseIdent(line: string): Ident | null {
  if (!line.startsWith("SSH-")) return null;
  const dash = line.indexOf("-", 4);
  if (dash < 5) return null;
  const id = new Ident();
  id.line = line;
  id.proto = line.substring(4, dash);
  const rest = line.substring(dash + 1);
  const sp = rest.indexOf(" ");
  id.software = sp < 0 ? rest : rest.substring(0, sp);
  id.comments = sp < 0 ? "" : rest.substring(sp + 1);
  if (id.software.length == 0) return null;
  return id;
}

/** Reads SSH data types (RFC 4251 §5) from a payload; any overrun sets `bad`. */
export class WireReader {
  pos: i32 = 0;
  bad: bool = false;
  constructor(readonly b: Uint8Array) {}

  get left(): i32 { return this.b.length - this.pos; }

  u8(): u8 {
    if (this.left < 1) { this.bad = true; return 0; }
    return this.b[this.pos++];
  }

  u32(): u32 {
    if (this.left < 4) { this.bad = true; this.pos = this.b.length; return 0; }
    const p = this.pos;
    this.pos += 4;
    return (<u32>this.b[p] << 24) | (<u32>this.b[p + 1] << 16) | (<u32>this.b[p + 2] << 8) | <u32>this.b[p + 3];
  }

  /** A `string` (u32 length + bytes); the length is checked before anything is allocated. */
  bytes(): Uint8Array {
    const n = this.u32();
    if (this.bad || <u64>n > <u64>this.left) { this.bad = true; this.pos = this.b.length; return new Uint8Array(0); }
    const out = this.b.slice(this.pos, this.pos + <i32>n);
    this.pos += <i32>n;
    return out;
  }

  /** A `name-list`: comma-separated names, at most MAX_NAMES kept. */
  nameList(): Array<string> {
    const raw = this.bytes();
    const out = new Array<string>(0);
    if (this.bad || raw.length == 0) return out;
    let start = 0;
    for (let i = 0; i <= raw.length && out.length < MAX_NAMES; i++) {
      if (i == raw.length || raw[i] == 0x2c) {
        out.push(latin1(raw.subarray(start, i)));
        start = i + 1;
      }
    }
    return out;
  }
}

/** One unencrypted binary packet found in a buffer. */
export class Packet {
  status: i32 = PARSE_MORE;
  error: string = "";
  payload: Uint8Array = new Uint8Array(0);
  /** Offset just past this packet. */
  next: i32 = 0;

  get type(): u8 { return this.payload.length > 0 ? this.payload[0] : 0; }
}

/** The packet starting at `off` (RFC 4253 §6, before any cipher or MAC is in use). */
export function readPacket(buf: Uint8Array, off: i32): Packet {
  const p = new Packet();
  if (buf.length - off < 5) return p;
  const len = (<u32>buf[off] << 24) | (<u32>buf[off + 1] << 16) | (<u32>buf[off + 2] << 8) | <u32>buf[off + 3];
  const pad = <u32>buf[off + 4];
  if (len > <u32>MAX_PACKET) { p.status = PARSE_BAD; p.error = "packet_length " + len.toString() + " above " + MAX_PACKET.toString(); return p; }
  // padding_length >= 4 and room for a message type byte (§6)
  if (pad < 4 || len < pad + 2) { p.status = PARSE_BAD; p.error = "bad padding_length " + pad.toString() + " for packet_length " + len.toString(); return p; }
  if (<u32>(buf.length - off - 4) < len) return p;
  p.payload = buf.slice(off + 5, off + 4 + <i32>(len - pad));
  p.next = off + 4 + <i32>len;
  p.status = PARSE_OK;
  return p;
}

/** SSH_MSG_KEXINIT (RFC 4253 §7.1), each name-list as sent. */
export class KexInit {
  cookie: Uint8Array = new Uint8Array(0);
  kex: Array<string> = [];
  hostKey: Array<string> = [];
  encC2S: Array<string> = [];
  encS2C: Array<string> = [];
  macC2S: Array<string> = [];
  macS2C: Array<string> = [];
  compC2S: Array<string> = [];
  compS2C: Array<string> = [];
  langC2S: Array<string> = [];
  langS2C: Array<string> = [];
  firstKexFollows: bool = false;
}

let kexError = "";
/** Why the last parseKexInit returned null. */
export function kexInitError(): string { return kexError; }

export function parseKexInit(payload: Uint8Array): KexInit | null {
  const r = new WireReader(payload);
  if (r.u8() != MSG_KEXINIT) { kexError = "not a KEXINIT"; return null; }
  if (r.left < 16) { kexError = "KEXINIT truncated in its cookie"; return null; }
  const k = new KexInit();
  k.cookie = payload.slice(1, 17);
  r.pos = 17;
  k.kex = r.nameList();
  k.hostKey = r.nameList();
  k.encC2S = r.nameList();
  k.encS2C = r.nameList();
  k.macC2S = r.nameList();
  k.macS2C = r.nameList();
  k.compC2S = r.nameList();
  k.compS2C = r.nameList();
  k.langC2S = r.nameList();
  k.langS2C = r.nameList();
  k.firstKexFollows = r.u8() != 0;
  r.u32(); // reserved
  if (r.bad) { kexError = "KEXINIT truncated in its name-lists"; return null; }
  return k;
}

/** What the server sends first: optional lines, its identification, then its KEXINIT. */
export class Greeting {
  status: i32 = PARSE_MORE;
  error: string = "";
  preamble: Array<string> = [];
  ident: Ident | null = null;
  /** Offset just past the identification line. */
  identEnd: i32 = 0;
  kexinit: KexInit | null = null;
  /** Offset just past the KEXINIT packet. */
  next: i32 = 0;
  /** A DISCONNECT reason, when the server sent one instead. */
  disconnect: string = "";
}

/**
 * Parses as much of the server's opening bytes as `buf` holds. PARSE_MORE
 * with `ident` set means the identification is complete but the KEXINIT is
 * not (yet): a partial result.
 */
export function parseGreeting(buf: Uint8Array): Greeting {
  const g = new Greeting();
  let off = 0;
  // identification, possibly after other lines
  while (true) {
    let nl = -1;
    const limit = min(buf.length, off + MAX_PREAMBLE_LINE);
    for (let i = off; i < limit; i++) if (buf[i] == 0x0a) { nl = i; break; }
    if (nl < 0) {
      if (buf.length - off >= MAX_PREAMBLE_LINE) { g.status = PARSE_BAD; g.error = "no line end within " + MAX_PREAMBLE_LINE.toString() + " bytes"; }
      return g;
    }
    const start = off;
    let end = nl;
    if (end > off && buf[end - 1] == 0x0d) end--;
    const line = latin1(buf.subarray(off, end));
    off = nl + 1;
    if (line.startsWith("SSH-")) {
      if (nl + 1 - start > MAX_IDENT_LINE) { g.status = PARSE_BAD; g.error = "identification line longer than 255 bytes"; return g; }
      const id = parseIdent(line);
      if (id === null) { g.status = PARSE_BAD; g.error = "malformed identification line"; return g; }
      g.ident = id;
      g.identEnd = off;
      break;
    }
    if (g.preamble.length >= MAX_PREAMBLE_LINES) { g.status = PARSE_BAD; g.error = "more than " + MAX_PREAMBLE_LINES.toString() + " lines before the identification"; return g; }
    g.preamble.push(line);
  }
  const id = g.ident!;
  if (id.proto != "2.0" && id.proto != "1.99") { g.status = PARSE_OK; g.next = off; return g; } // SSH-1 only: no KEXINIT to read
  // KEXINIT, after at most a few IGNORE/DEBUG packets
  for (let skipped = 0; skipped <= MAX_SKIPPED_PACKETS; skipped++) {
    const p = readPacket(buf, off);
    if (p.status != PARSE_OK) { g.status = p.status; g.error = p.error; return g; }
    off = p.next;
    const t = p.type;
    if (t == MSG_KEXINIT) {
      const k = parseKexInit(p.payload);
      if (k === null) { g.status = PARSE_BAD; g.error = kexInitError(); return g; }
      g.kexinit = k;
      g.next = off;
      g.status = PARSE_OK;
      return g;
    }
    if (t == MSG_DISCONNECT) { g.status = PARSE_BAD; g.disconnect = disconnectReason(p.payload); g.error = "server disconnected: " + g.disconnect; return g; }
    if (t != MSG_IGNORE && t != MSG_DEBUG) { g.status = PARSE_BAD; g.error = "expected KEXINIT, got message " + t.toString(); return g; }
  }
  g.status = PARSE_BAD;
  g.error = "no KEXINIT within " + MAX_SKIPPED_PACKETS.toString() + " packets";
  return g;
}

/** SSH_MSG_DISCONNECT's description text (RFC 4253 §11.1). */
export function disconnectReason(payload: Uint8Array): string {
  const r = new WireReader(payload);
  r.u8();
  const code = r.u32();
  const text = r.bytes();
  if (r.bad) return "(truncated DISCONNECT)";
  return latin1(text) + " (code " + code.toString() + ")";
}

/** A public host key blob and what it says about itself. */
export class HostKey {
  /** The blob's own type name, e.g. `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`. */
  type: string = "";
  blob: Uint8Array = new Uint8Array(0);
  /** Key size in bits as ssh-keygen -l prints it; 0 when unknown. */
  bits: i32 = 0;
}

/** Bit length of an SSH mpint (big-endian, two's complement, leading zero for positives). */
function mpintBits(m: Uint8Array): i32 {
  let i = 0;
  while (i < m.length && m[i] == 0) i++;
  if (i == m.length) return 0;
  return (m.length - i - 1) * 8 + (32 - clz<u32>(<u32>m[i]));
}

let hostKeyError = "";
export function parseHostKeyError(): string { return hostKeyError; }

/** Reads a public key blob; null if it is malformed. Unknown types are kept with bits 0. */
export function parseHostKey(blob: Uint8Array): HostKey | null {
  const r = new WireReader(blob);
  const t = r.bytes();
  if (r.bad || t.length == 0) { hostKeyError = "host key blob without a type"; return null; }
  const k = new HostKey();
  k.type = latin1(t);
  k.blob = blob;
  if (k.type == "ssh-rsa") {
    r.bytes(); // e
    k.bits = mpintBits(r.bytes());
  } else if (k.type == "ssh-dss") {
    k.bits = mpintBits(r.bytes()); // p
  } else if (k.type.startsWith("ecdsa-sha2-")) {
    const curve = r.bytes();
    const c = latin1(curve);
    k.bits = c == "nistp256" ? 256 : c == "nistp384" ? 384 : c == "nistp521" ? 521 : 0;
    r.bytes(); // Q
  } else if (k.type == "ssh-ed25519") {
    const pk = r.bytes();
    if (!r.bad && pk.length != 32) { hostKeyError = "ed25519 key of " + pk.length.toString() + " bytes"; return null; }
    k.bits = 256;
  } else if (k.type == "ssh-ed448") {
    r.bytes();
    k.bits = 456;
  }
  if (r.bad) { hostKeyError = k.type + " key blob truncated"; return null; }
  return k;
}

/** The server's SSH_MSG_KEX_ECDH_REPLY, as far as we need it: the host key. */
export class KexReply {
  status: i32 = PARSE_MORE;
  error: string = "";
  hostKey: HostKey | null = null;
  /** The server's ephemeral public key (Q_S). */
  serverEphemeral: Uint8Array = new Uint8Array(0);
}

/** Reads packets from `off` until SSH_MSG_KEX_ECDH_REPLY (skipping IGNORE/DEBUG). */
export function parseKexReply(buf: Uint8Array, off: i32): KexReply {
  const out = new KexReply();
  for (let skipped = 0; skipped <= MAX_SKIPPED_PACKETS; skipped++) {
    const p = readPacket(buf, off);
    if (p.status != PARSE_OK) { out.status = p.status; out.error = p.error; return out; }
    off = p.next;
    const t = p.type;
    if (t == MSG_KEX_ECDH_REPLY) {
      const r = new WireReader(p.payload);
      r.u8();
      const ks = r.bytes();
      const qs = r.bytes();
      r.bytes(); // signature: not verified, a scanner only reports the key
      if (r.bad) { out.status = PARSE_BAD; out.error = "KEX_ECDH_REPLY truncated"; return out; }
      const k = parseHostKey(ks);
      if (k === null) { out.status = PARSE_BAD; out.error = parseHostKeyError(); return out; }
      out.hostKey = k;
      out.serverEphemeral = qs;
      out.status = PARSE_OK;
      return out;
    }
    if (t == MSG_DISCONNECT) { out.status = PARSE_BAD; out.error = "server disconnected: " + disconnectReason(p.payload); return out; }
    if (t != MSG_IGNORE && t != MSG_DEBUG) { out.status = PARSE_BAD; out.error = "expected KEX_ECDH_REPLY, got message " + t.toString(); return out; }
  }
  out.status = PARSE_BAD;
  out.error = "no KEX_ECDH_REPLY within " + MAX_SKIPPED_PACKETS.toString() + " packets";
  return out;
}

// ---- what we send ----

/** Appends SSH data types to a growing byte buffer. */
export class WireWriter {
  private buf: Array<u8> = [];

  u8(v: u8): WireWriter { this.buf.push(v); return this; }
  u32(v: u32): WireWriter {
    this.buf.push(<u8>(v >> 24)); this.buf.push(<u8>(v >> 16)); this.buf.push(<u8>(v >> 8)); this.buf.push(<u8>v);
    return this;
  }
  bytes(b: Uint8Array): WireWriter {
    this.u32(<u32>b.length);
    for (let i = 0; i < b.length; i++) this.buf.push(b[i]);
    return this;
  }
  nameList(names: Array<string>): WireWriter {
    return this.bytes(Uint8Array.wrap(String.UTF8.encode(names.join(","))));
  }
  toBytes(): Uint8Array {
    const out = new Uint8Array(this.buf.length);
    for (let i = 0; i < this.buf.length; i++) out[i] = this.buf[i];
    return out;
  }
}

/** Wraps `payload` in an unencrypted binary packet, padded to a multiple of 8 (§6). */
export function packet(payload: Uint8Array): Uint8Array {
  let pad = 8 - ((payload.length + 5) % 8);
  if (pad < 4) pad += 8;
  const len = payload.length + pad + 1;
  const w = new WireWriter().u32(<u32>len).u8(<u8>pad).toBytes();
  const out = new Uint8Array(4 + len);
  out.set(w, 0);
  out.set(payload, 5);
  return out; // padding left as zeros: nothing is encrypted yet
}

/** Our KEXINIT: one kex and one host key algorithm, the server's own cipher/MAC/compression lists. */
export function kexInitPayload(cookie: Uint8Array, kex: string, hostKeyAlg: string, server: KexInit): Uint8Array {
  const w = new WireWriter().u8(MSG_KEXINIT);
  for (let i = 0; i < 16; i++) w.u8(i < cookie.length ? cookie[i] : 0);
  w.nameList([kex]).nameList([hostKeyAlg])
    .nameList(server.encC2S).nameList(server.encS2C)
    .nameList(server.macC2S).nameList(server.macS2C)
    .nameList(server.compC2S).nameList(server.compS2C)
    .nameList([]).nameList([])
    .u8(0).u32(0);
  return w.toBytes();
}

/** SSH_MSG_KEX_ECDH_INIT carrying our ephemeral public key Q_C. */
export function ecdhInitPayload(q: Uint8Array): Uint8Array {
  return new WireWriter().u8(MSG_KEX_ECDH_INIT).bytes(q).toBytes();
}
