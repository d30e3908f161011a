// SMB1 (MS-CIFS §2.2.4.52 NEGOTIATE, MS-SMB §2.2.4.5/§2.2.4.6 extended
// SESSION_SETUP_ANDX): the messages that tell whether a server still speaks
// SMB1 and, when it does, its signing mode, clock and the NativeOS /
// NativeLanMan strings that name the product.
import { filetimeToMs, utf16le } from "@wasmap/sdk-assemblyscript";
import { guidText, le16, le32, put16, put32 } from "./wire";

/** What Windows 10 offers in its multi-protocol NEGOTIATE: SMB1's last dialect and the two SMB2 markers. */
export const MULTI_DIALECTS: string[] = ["NT LM 0.12", "SMB 2.002", "SMB 2.???"];
/** SMB1 only, oldest first, as nmap's smb-protocols asks: a server that answers with an index speaks SMB1. */
export const SMB1_DIALECTS: string[] = ["PC NETWORK PROGRAM 1.0", "LANMAN1.0", "Windows for Workgroups 3.1a", "LM1.2X002", "LANMAN2.1", "NT LM 0.12"];

const CMD_NEGOTIATE: u8 = 0x72;
const CMD_SESSION_SETUP: u8 = 0x73;
/** Unicode, NT status codes, extended security, long names. */
const FLAGS2: i32 = 0x8000 | 0x4000 | 0x0800 | 0x0001;
const CAP_UNICODE: u32 = 0x4;
const CAP_NT_STATUS: u32 = 0x40;
const CAP_EXTENDED_SECURITY: u32 = 0x80000000;

/** The ids an SMB1 session's requests carry: UID from SESSION_SETUP, TID from TREE_CONNECT, a MID per request. */
export class Ids1 {
  uid: i32 = 0;
  tid: i32 = 0;
  mid: i32 = 0;
}

/** The 32-byte SMB1 header for `cmd`, in a message of `size` bytes; with `ids`, its UID, TID and the next MID. */
export function header(cmd: u8, size: i32, ids: Ids1 | null = null): Uint8Array {
  const b = new Uint8Array(size);
  b[0] = 0xff; b[1] = 0x53; b[2] = 0x4d; b[3] = 0x42;
  b[4] = cmd;
  b[9] = 0x18; // case-insensitive, canonical paths
  put16(b, 10, FLAGS2);
  put16(b, 26, 0xfeff); // PID
  if (ids !== null) {
    put16(b, 24, ids.tid);
    put16(b, 28, ids.uid);
    put16(b, 30, ++ids.mid);
  }
  return b;
}

export function uidOf(m: Uint8Array): i32 { return le16(m, 28); }
export function tidOf(m: Uint8Array): i32 { return le16(m, 24); }

export function isSmb1(m: Uint8Array): bool { return m.length >= 32 && m[0] == 0xff && m[1] == 0x53 && m[2] == 0x4d && m[3] == 0x42; }
export function smb1Status(m: Uint8Array): u32 { return le32(m, 5); }

/** NEGOTIATE with `dialects`. */
export function negotiate1(dialects: string[]): Uint8Array {
  let n = 0;
  for (let i = 0; i < dialects.length; i++) n += dialects[i].length + 2;
  const b = header(CMD_NEGOTIATE, 32 + 3 + n);
  put16(b, 33, n);
  let at = 35;
  for (let i = 0; i < dialects.length; i++) {
    b[at++] = 0x02;
    const d = dialects[i];
    for (let j = 0; j < d.length; j++) b[at++] = <u8>d.charCodeAt(j);
    b[at++] = 0;
  }
  return b;
}

/** An SMB1 NEGOTIATE response (NT LM 0.12 form). */
export class Negotiate1 {
  /** Index into the offered dialects; 0xffff = none acceptable. */
  dialectIndex: i32 = 0xffff;
  securityMode: i32 = 0;
  capabilities: u32 = 0;
  systemTimeMs: i64 = -1;
  timeZoneMinutes: i32 = 0;
  serverGuid: string = "";
  /** Without extended security: the domain and server names that follow the challenge. */
  domain: string = "";
  server: string = "";

  get signingEnabled(): bool { return (this.securityMode & 0x04) != 0; }
  get signingRequired(): bool { return (this.securityMode & 0x08) != 0; }
}

/** The response to `negotiate1`, or null when it is not one (the caller says why). */
export function parseNegotiate1(m: Uint8Array): Negotiate1 | null {
  if (!isSmb1(m) || m[4] != CMD_NEGOTIATE || m.length < 35) return null;
  const r = new Negotiate1();
  const words = <i32>m[32];
  if (words >= 1) r.dialectIndex = le16(m, 33);
  if (words != 17 || m.length < 33 + 34 + 2) return r; // none acceptable, or a pre-NT dialect
  const w = 33;
  r.securityMode = m[w + 2];
  r.capabilities = le32(m, w + 19);
  r.systemTimeMs = filetimeToMs(le32(m, w + 23), le32(m, w + 27));
  r.timeZoneMinutes = <i32>(<i16>le16(m, w + 31));
  const challengeLength = <i32>m[w + 33];
  const byteCount = le16(m, w + 34);
  const bytes = w + 36;
  const end = min(m.length, bytes + byteCount);
  if ((r.capabilities & CAP_EXTENDED_SECURITY) != 0) {
    if (bytes + 16 <= end) r.serverGuid = guidText(m, bytes);
    return r;
  }
  // DomainName then ServerName, NUL-terminated UTF-16 after the challenge
  let at = bytes + challengeLength;
  const d = zstr16(m, at, end);
  r.domain = utf16le(m, at, d);
  at = d + 2;
  r.server = utf16le(m, at, zstr16(m, at, end));
  return r;
}

/** Index of the UTF-16 NUL at or after `at` (2-aligned from `at`), or `end`. */
function zstr16(m: Uint8Array, at: i32, end: i32): i32 {
  let i = at;
  while (i + 1 < end && (m[i] != 0 || m[i + 1] != 0)) i += 2;
  return min(i, end);
}

/** SESSION_SETUP_ANDX with extended security carrying `blob` (a SPNEGO token); empty NativeOS/NativeLanMan. A second leg passes the UID the first got. */
export function sessionSetup1(blob: Uint8Array, ids: Ids1 | null = null): Uint8Array {
  const words = 12;
  const fixed = 32 + 1 + words * 2 + 2;
  // blob, a pad byte so the strings start 2-aligned, then two empty UTF-16 strings
  const pad = (fixed + blob.length) & 1;
  const bytes = blob.length + pad + 4;
  const b = header(CMD_SESSION_SETUP, fixed + bytes, ids);
  b[32] = <u8>words;
  b[33] = 0xff; // no AndX
  put16(b, 37, 16644); // MaxBufferSize
  put16(b, 39, 2); // MaxMpxCount
  put16(b, 47, blob.length);
  put32(b, 53, CAP_UNICODE | CAP_NT_STATUS | CAP_EXTENDED_SECURITY);
  put16(b, 57, bytes);
  b.set(blob, fixed);
  return b;
}

/** What the first SESSION_SETUP_ANDX response tells before any credentials: the security blob and the product strings. */
export class SessionSetup1 {
  /** Action: bit 0 set when the server logged the session on as guest. */
  action: i32 = 0;
  blob: Uint8Array = new Uint8Array(0);
  nativeOs: string = "";
  nativeLanMan: string = "";
  primaryDomain: string = "";
}

export function parseSessionSetup1(m: Uint8Array): SessionSetup1 | null {
  if (!isSmb1(m) || m[4] != CMD_SESSION_SETUP || m.length < 33 || m[32] != 4 || m.length < 33 + 8 + 2) return null;
  const r = new SessionSetup1();
  r.action = le16(m, 33 + 4);
  const blobLength = le16(m, 33 + 6);
  const byteCount = le16(m, 41);
  const bytes = 43;
  const end = min(m.length, bytes + byteCount);
  if (bytes + blobLength > end) return null;
  r.blob = m.slice(bytes, bytes + blobLength);
  let at = bytes + blobLength;
  if (at & 1) at++; // UTF-16 strings are 2-aligned from the header's start
  const names: string[] = [];
  for (let i = 0; i < 3 && at < end; i++) {
    const z = zstr16(m, at, end);
    names.push(utf16le(m, at, z));
    at = z + 2;
  }
  if (names.length > 0) r.nativeOs = names[0];
  if (names.length > 1) r.nativeLanMan = names[1];
  if (names.length > 2) r.primaryDomain = names[2];
  return r;
}
