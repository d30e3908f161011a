// NTLMSSP (MS-NLMP §2.2): the messages a scanner needs to read what a server
// tells a client that has not authenticated: NEGOTIATE out, CHALLENGE in
// (flags, target name, target info AV pairs, the VERSION field), and the
// anonymous AUTHENTICATE of a null session. SMB (inside SPNEGO), RDP
// (CredSSP), HTTP/SMTP/IMAP `AUTH NTLM` carry the same tokens. Nothing here
// reads outside the array it is given.
import { latin1 } from "./text/ascii";
import { utf16le } from "./text/utf16";

export const NTLMSSP_NEGOTIATE_UNICODE: u32 = 0x00000001;
export const NTLMSSP_NEGOTIATE_OEM: u32 = 0x00000002;
export const NTLMSSP_REQUEST_TARGET: u32 = 0x00000004;
export const NTLMSSP_NEGOTIATE_SIGN: u32 = 0x00000010;
export const NTLMSSP_NEGOTIATE_NTLM: u32 = 0x00000200;
export const NTLMSSP_NEGOTIATE_ANONYMOUS: u32 = 0x00000800;
export const NTLMSSP_NEGOTIATE_ALWAYS_SIGN: u32 = 0x00008000;
export const NTLMSSP_TARGET_TYPE_DOMAIN: u32 = 0x00010000;
export const NTLMSSP_TARGET_TYPE_SERVER: u32 = 0x00020000;
export const NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY: u32 = 0x00080000;
export const NTLMSSP_NEGOTIATE_TARGET_INFO: u32 = 0x00800000;
export const NTLMSSP_NEGOTIATE_VERSION: u32 = 0x02000000;
export const NTLMSSP_NEGOTIATE_128: u32 = 0x20000000;
export const NTLMSSP_NEGOTIATE_KEY_EXCH: u32 = 0x40000000;
export const NTLMSSP_NEGOTIATE_56: u32 = 0x80000000;

/** What a client asks for when it only wants the CHALLENGE's names: Unicode, NTLM, target info, version. */
export const NTLMSSP_PROBE_FLAGS: u32 = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_OEM | NTLMSSP_REQUEST_TARGET
  | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
  | NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56;

/** Longest CHALLENGE read: the message is a few hundred bytes; more is hostile. */
export const NTLMSSP_MAX_MESSAGE: i32 = 65536;

/** "NTLMSSP\0". */
function isSignature(b: Uint8Array, at: i32): bool {
  return at >= 0 && at + 8 <= b.length && b[at] == 0x4e && b[at + 1] == 0x54 && b[at + 2] == 0x4c && b[at + 3] == 0x4d
    && b[at + 4] == 0x53 && b[at + 5] == 0x53 && b[at + 6] == 0x50 && b[at + 7] == 0;
}

/** Where an NTLMSSP message starts inside `b` (a SPNEGO, GSS-API or CredSSP wrapper), or -1. */
export function findNtlmssp(b: Uint8Array, from: i32 = 0): i32 {
  for (let i = max(0, from); i + 8 <= b.length; i++) if (isSignature(b, i)) return i;
  return -1;
}

function le16(b: Uint8Array, at: i32): i32 { return <i32>b[at] | (<i32>b[at + 1] << 8); }
function le32(b: Uint8Array, at: i32): u32 { return <u32>b[at] | (<u32>b[at + 1] << 8) | (<u32>b[at + 2] << 16) | (<u32>b[at + 3] << 24); }
function put16(b: Uint8Array, at: i32, v: i32): void { b[at] = <u8>v; b[at + 1] = <u8>(v >> 8); }
function put32(b: Uint8Array, at: i32, v: u32): void { b[at] = <u8>v; b[at + 1] = <u8>(v >> 8); b[at + 2] = <u8>(v >> 16); b[at + 3] = <u8>(v >> 24); }

/** The 8-byte VERSION structure (§2.2.2.10) of a Windows 10 client, which servers expect to see. */
function putVersion(b: Uint8Array, at: i32): void {
  b[at] = 10;
  b[at + 1] = 0;
  put16(b, at + 2, 19041);
  b[at + 7] = 15; // NTLMSSP_REVISION_W2K3
}

/** NEGOTIATE_MESSAGE (§2.2.1.1) with `flags`, no domain or workstation, and a VERSION. */
export function ntlmNegotiate(flags: u32 = NTLMSSP_PROBE_FLAGS): Uint8Array {
  const b = new Uint8Array(40);
  b.set([0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0], 0);
  b[8] = 1;
  put32(b, 12, flags | NTLMSSP_NEGOTIATE_VERSION);
  put32(b, 20, 40); // empty DomainNameFields and WorkstationFields still point past the header
  put32(b, 28, 40);
  putVersion(b, 32);
  return b;
}

/**
 * AUTHENTICATE_MESSAGE (§2.2.1.3) of an anonymous user (§3.1.5.1.2): no user
 * or domain, an empty NT response and a one-zero-byte LM response, the
 * ANONYMOUS flag. A server that accepts it grants a null session.
 */
export function ntlmAnonymousAuthenticate(challengeFlags: u32): Uint8Array {
  const header = 72;
  const b = new Uint8Array(header + 1);
  b.set([0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0], 0);
  b[8] = 3;
  // LmChallengeResponseFields: 1 byte at the end; every other field empty, pointing there too
  put16(b, 12, 1); put16(b, 14, 1); put32(b, 16, header);
  for (let f = 20; f <= 52; f += 8) put32(b, f + 4, header + 1);
  const keep = NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN
    | NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | NTLMSSP_NEGOTIATE_TARGET_INFO | NTLMSSP_NEGOTIATE_128 | NTLMSSP_NEGOTIATE_56;
  put32(b, 60, (challengeFlags & keep) | NTLMSSP_NEGOTIATE_ANONYMOUS | NTLMSSP_NEGOTIATE_VERSION);
  putVersion(b, 64);
  return b;
}

/** AV_PAIR ids (§2.2.2.1). */
export const MSV_AV_EOL: i32 = 0;
export const MSV_AV_NB_COMPUTER_NAME: i32 = 1;
export const MSV_AV_NB_DOMAIN_NAME: i32 = 2;
export const MSV_AV_DNS_COMPUTER_NAME: i32 = 3;
export const MSV_AV_DNS_DOMAIN_NAME: i32 = 4;
export const MSV_AV_DNS_TREE_NAME: i32 = 5;
export const MSV_AV_FLAGS: i32 = 6;
export const MSV_AV_TIMESTAMP: i32 = 7;

/** A CHALLENGE_MESSAGE (§2.2.1.2), with the target info's names picked out. */
export class NtlmChallenge {
  flags: u32 = 0;
  /** The server's 8-byte nonce. */
  serverChallenge: Uint8Array = new Uint8Array(8);
  targetName: string = "";
  nbComputerName: string = "";
  nbDomainName: string = "";
  dnsComputerName: string = "";
  dnsDomainName: string = "";
  dnsTreeName: string = "";
  /** MsvAvTimestamp as ms since the epoch; -1 without one. */
  timestampMs: i64 = -1;
  /** The VERSION field, when NTLMSSP_NEGOTIATE_VERSION is set and the header has room for it. */
  hasVersion: bool = false;
  major: i32 = 0;
  minor: i32 = 0;
  build: i32 = 0;
  revision: i32 = 0;

  /** "10.0.17763" (Windows' own form), or "" without a VERSION. */
  get version(): string {
    return this.hasVersion ? this.major.toString() + "." + this.minor.toString() + "." + this.build.toString() : "";
  }
}

/** Windows FILETIME (100 ns since 1601) → ms since 1970. */
export function filetimeToMs(lo: u32, hi: u32): i64 {
  const t = (<u64>hi << 32) | <u64>lo;
  return <i64>(t / 10000) - 11644473600000;
}

/** A field's bytes (len u16, maxlen u16, offset u32 at `at`), or null when they lie outside `b`. */
function field(b: Uint8Array, at: i32): Uint8Array | null {
  const len = le16(b, at);
  if (len == 0) return new Uint8Array(0); // an empty field's offset means nothing
  const off = le32(b, at + 4);
  if (<u64>off + <u64>len > <u64>b.length) return null;
  return b.subarray(<i32>off, <i32>off + len);
}

/**
 * The CHALLENGE at the start of `b`, or null when `b` does not hold one or a
 * field points outside it. Target info parsing stops at MsvAvEOL or at the
 * first pair that does not fit.
 */
export function parseNtlmChallenge(b: Uint8Array): NtlmChallenge | null {
  if (b.length < 48 || !isSignature(b, 0) || le32(b, 8) != 2) return null;
  const c = new NtlmChallenge();
  c.flags = le32(b, 20);
  c.serverChallenge = b.slice(24, 32);
  const name = field(b, 12);
  if (name === null) return null;
  c.targetName = c.flags & NTLMSSP_NEGOTIATE_UNICODE ? utf16le(name) : latin1(name);
  const info = field(b, 40);
  if (info === null) return null;
  // VERSION sits at 48..56 when negotiated; the payload (lowest offset) must start after it
  const payloadStart = min<u32>(name.length > 0 ? le32(b, 16) : 0xffffffff, info.length > 0 ? le32(b, 44) : 0xffffffff);
  if ((c.flags & NTLMSSP_NEGOTIATE_VERSION) != 0 && b.length >= 56 && payloadStart >= 56) {
    c.hasVersion = true;
    c.major = b[48];
    c.minor = b[49];
    c.build = le16(b, 50);
    c.revision = b[55];
  }
  let at = 0;
  while (at + 4 <= info.length) {
    const id = le16(info, at);
    const len = le16(info, at + 2);
    if (id == MSV_AV_EOL || at + 4 + len > info.length) break;
    const v = info.subarray(at + 4, at + 4 + len);
    if (id == MSV_AV_NB_COMPUTER_NAME) c.nbComputerName = utf16le(v);
    else if (id == MSV_AV_NB_DOMAIN_NAME) c.nbDomainName = utf16le(v);
    else if (id == MSV_AV_DNS_COMPUTER_NAME) c.dnsComputerName = utf16le(v);
    else if (id == MSV_AV_DNS_DOMAIN_NAME) c.dnsDomainName = utf16le(v);
    else if (id == MSV_AV_DNS_TREE_NAME) c.dnsTreeName = utf16le(v);
    else if (id == MSV_AV_TIMESTAMP && len == 8) c.timestampMs = filetimeToMs(le32(v, 0), le32(v, 4));
    at += 4 + len;
  }
  return c;
}
