// SMB2/3 (MS-SMB2 §2.2): the header and the requests this plugin sends,
// NEGOTIATE, SESSION_SETUP, TREE_CONNECT, CREATE, IOCTL, READ, CLOSE, and
// their responses' fields. Nothing is signed: the plugin only ever holds an
// anonymous (null) session, which MS-SMB2 §3.3.5.5.3 leaves unsigned.
import { filetimeToMs, randomBytes, utf16leBytes } from "@wasmap/sdk-assemblyscript";
import { guidText, le16, le32, le64, put16, put32, put64 } from "./wire";

export const NEGOTIATE: i32 = 0;
export const SESSION_SETUP: i32 = 1;
export const TREE_CONNECT: i32 = 3;
export const CREATE: i32 = 5;
export const CLOSE: i32 = 6;
export const READ: i32 = 8;
export const IOCTL: i32 = 11;

export const STATUS_SUCCESS: u32 = 0;
export const STATUS_MORE_PROCESSING_REQUIRED: u32 = 0xc0000016;
export const STATUS_BUFFER_OVERFLOW: u32 = 0x80000005;

/** Every dialect this plugin knows, oldest first. */
export const DIALECTS: i32[] = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];
/** The answer to a multi-protocol SMB1 NEGOTIATE that says "send an SMB2 NEGOTIATE now". */
export const DIALECT_WILDCARD: i32 = 0x02ff;

export function dialectName(d: i32): string {
  switch (d) {
    case 0x0202: return "2.0.2";
    case 0x0210: return "2.1";
    case 0x0300: return "3.0";
    case 0x0302: return "3.0.2";
    case 0x0311: return "3.1.1";
    case 0x02ff: return "2.???";
    default: return "0x" + d.toString(16);
  }
}

export const HEADER: i32 = 64;

/** Which request is which on one connection: message ids count up, the session and tree come from the server. */
export class Ids {
  messageId: u64 = 0;
  sessionId: u64 = 0;
  treeId: u32 = 0;
}

/** A request of `bodySize` bytes after the header, for `cmd`. */
function request(ids: Ids, cmd: i32, bodySize: i32): Uint8Array {
  const b = new Uint8Array(HEADER + bodySize);
  b[0] = 0xfe; b[1] = 0x53; b[2] = 0x4d; b[3] = 0x42;
  put16(b, 4, 64);
  put16(b, 6, 1); // credit charge
  put16(b, 12, cmd);
  put16(b, 14, 31); // credits asked for
  put64(b, 24, ids.messageId++);
  put32(b, 32, 0xfeff);
  put32(b, 36, ids.treeId);
  put64(b, 40, ids.sessionId);
  return b;
}

export function isSmb2(m: Uint8Array): bool { return m.length >= HEADER && m[0] == 0xfe && m[1] == 0x53 && m[2] == 0x4d && m[3] == 0x42; }
export function status(m: Uint8Array): u32 { return le32(m, 8); }
export function command(m: Uint8Array): i32 { return le16(m, 12); }
export function sessionIdOf(m: Uint8Array): u64 { return le64(m, 40); }
export function treeIdOf(m: Uint8Array): u32 { return le32(m, 36); }

/** `n` rounded up to 8. */
function pad8(n: i32): i32 { return (n + 7) & ~7; }

/**
 * NEGOTIATE offering `dialects`, signing enabled (not required). With 3.1.1
 * among them, the contexts 3.1.1 requires: pre-auth integrity (SHA-512) and
 * the ciphers a server may choose from.
 */
export function negotiate(ids: Ids, dialects: i32[]): Uint8Array {
  const has311 = dialects.includes(0x0311);
  const fixed = 36 + dialects.length * 2;
  const ctxAt = pad8(HEADER + fixed) - HEADER;
  const preauth = 8 + 38; // header, count 1, salt 32, SHA-512
  const cipher = 8 + 2 + 2 * 4; // header, count, four ciphers
  const size = has311 ? ctxAt + pad8(preauth) + cipher : fixed;
  const b = request(ids, NEGOTIATE, size);
  const o = HEADER;
  put16(b, o, 36);
  put16(b, o + 2, dialects.length);
  put16(b, o + 4, 1); // SMB2_NEGOTIATE_SIGNING_ENABLED
  put32(b, o + 8, 0x7f); // every capability: a server answers with the ones it has
  b.set(randomBytes(16), o + 12); // ClientGuid
  for (let i = 0; i < dialects.length; i++) put16(b, o + 36 + i * 2, dialects[i]);
  if (!has311) return b;
  put32(b, o + 28, HEADER + ctxAt);
  put16(b, o + 32, 2);
  let c = o + ctxAt;
  put16(b, c, 1); put16(b, c + 2, 38); // SMB2_PREAUTH_INTEGRITY_CAPABILITIES
  put16(b, c + 8, 1); put16(b, c + 10, 32); put16(b, c + 12, 1); // one algorithm (SHA-512), a 32-byte salt
  b.set(randomBytes(32), c + 14);
  c += pad8(preauth);
  put16(b, c, 2); put16(b, c + 2, 10); // SMB2_ENCRYPTION_CAPABILITIES
  put16(b, c + 8, 4);
  put16(b, c + 10, 2); put16(b, c + 12, 1); put16(b, c + 14, 4); put16(b, c + 16, 3); // AES-128-GCM, -CCM, AES-256-GCM, -CCM
  return b;
}

export function cipherName(id: i32): string {
  switch (id) {
    case 0: return "none";
    case 1: return "AES-128-CCM";
    case 2: return "AES-128-GCM";
    case 3: return "AES-256-CCM";
    case 4: return "AES-256-GCM";
    default: return "0x" + id.toString(16);
  }
}

/** A NEGOTIATE response's fields. */
export class Negotiate2 {
  dialect: i32 = 0;
  securityMode: i32 = 0;
  serverGuid: string = "";
  capabilities: u32 = 0;
  maxTransact: u32 = 0;
  maxRead: u32 = 0;
  maxWrite: u32 = 0;
  systemTimeMs: i64 = -1;
  startTimeMs: i64 = -1;
  /** The cipher a 3.1.1 server chose from the ENCRYPTION_CAPABILITIES context; -1 without one. */
  cipher: i32 = -1;
  securityBlob: Uint8Array = new Uint8Array(0);

  get signingEnabled(): bool { return (this.securityMode & 0x1) != 0; }
  get signingRequired(): bool { return (this.securityMode & 0x2) != 0; }
}

/** FILETIME at `at`; 0 ("not set") becomes -1. */
function time(m: Uint8Array, at: i32): i64 {
  const lo = le32(m, at), hi = le32(m, at + 4);
  return lo == 0 && hi == 0 ? -1 : filetimeToMs(lo, hi);
}

export function parseNegotiate(m: Uint8Array): Negotiate2 | null {
  if (!isSmb2(m) || command(m) != NEGOTIATE || m.length < HEADER + 64 || le16(m, HEADER) != 65) return null;
  const o = HEADER;
  const r = new Negotiate2();
  r.securityMode = le16(m, o + 2);
  r.dialect = le16(m, o + 4);
  r.serverGuid = guidText(m, o + 8);
  r.capabilities = le32(m, o + 24);
  r.maxTransact = le32(m, o + 28);
  r.maxRead = le32(m, o + 32);
  r.maxWrite = le32(m, o + 36);
  r.systemTimeMs = time(m, o + 40);
  r.startTimeMs = time(m, o + 48);
  const blobAt = le16(m, o + 56), blobLen = le16(m, o + 58);
  if (blobLen > 0 && blobAt + blobLen <= m.length) r.securityBlob = m.slice(blobAt, blobAt + blobLen);
  if (r.dialect == 0x0311) {
    let c = <i32>le32(m, o + 60);
    const count = le16(m, o + 6);
    for (let i = 0; i < count && c >= HEADER && c + 8 <= m.length; i++) {
      const type = le16(m, c), len = le16(m, c + 2);
      if (c + 8 + len > m.length) break;
      if (type == 2 && len >= 4 && le16(m, c + 8) >= 1) r.cipher = le16(m, c + 10);
      c = pad8(c + 8 + len);
    }
  }
  return r;
}

/** SESSION_SETUP carrying `token` (a SPNEGO token). */
export function sessionSetup(ids: Ids, token: Uint8Array): Uint8Array {
  const b = request(ids, SESSION_SETUP, 24 + token.length);
  const o = HEADER;
  put16(b, o, 25);
  b[o + 3] = 1; // signing enabled
  put16(b, o + 12, HEADER + 24);
  put16(b, o + 14, token.length);
  b.set(token, o + 24);
  return b;
}

export class SessionReply {
  flags: i32 = 0;
  token: Uint8Array = new Uint8Array(0);
  get guest(): bool { return (this.flags & 0x1) != 0; }
  get nullSession(): bool { return (this.flags & 0x2) != 0; }
  get encrypt(): bool { return (this.flags & 0x4) != 0; }
}

export function parseSessionSetup(m: Uint8Array): SessionReply | null {
  if (!isSmb2(m) || command(m) != SESSION_SETUP || m.length < HEADER + 8) return null;
  const r = new SessionReply();
  if (le16(m, HEADER) != 9) return status(m) == STATUS_SUCCESS || status(m) == STATUS_MORE_PROCESSING_REQUIRED ? null : r;
  r.flags = le16(m, HEADER + 2);
  const at = le16(m, HEADER + 4), len = le16(m, HEADER + 6);
  if (len > 0 && at + len <= m.length) r.token = m.slice(at, at + len);
  return r;
}

/** TREE_CONNECT to `path` (`\\server\share`). */
export function treeConnect(ids: Ids, path: string): Uint8Array {
  const p = utf16leBytes(path);
  const b = request(ids, TREE_CONNECT, 8 + p.length);
  put16(b, HEADER, 9);
  put16(b, HEADER + 4, HEADER + 8);
  put16(b, HEADER + 6, p.length);
  b.set(p, HEADER + 8);
  return b;
}

/** CREATE that opens the named pipe `name` for read and write. */
export function openPipe(ids: Ids, name: string): Uint8Array {
  const n = utf16leBytes(name);
  const b = request(ids, CREATE, 56 + n.length);
  const o = HEADER;
  put16(b, o, 57);
  put32(b, o + 4, 2); // impersonation
  put32(b, o + 24, 0x0012019f); // read, write, append, read/write EA and attributes, read control, synchronize
  put32(b, o + 32, 7); // share read, write, delete
  put32(b, o + 36, 1); // FILE_OPEN
  put32(b, o + 40, 0x40); // FILE_NON_DIRECTORY_FILE
  put16(b, o + 44, HEADER + 56);
  put16(b, o + 46, n.length);
  b.set(n, o + 56);
  return b;
}

/** The FileId of a CREATE response, or null. */
export function fileIdOf(m: Uint8Array): Uint8Array | null {
  if (!isSmb2(m) || command(m) != CREATE || m.length < HEADER + 80 || le16(m, HEADER) != 89) return null;
  return m.slice(HEADER + 64, HEADER + 80);
}

/** IOCTL FSCTL_PIPE_TRANSCEIVE: writes `data` to the pipe and reads up to `maxOut` bytes of its answer. */
export function transceive(ids: Ids, fileId: Uint8Array, data: Uint8Array, maxOut: i32): Uint8Array {
  const b = request(ids, IOCTL, 56 + data.length);
  const o = HEADER;
  put16(b, o, 57);
  put32(b, o + 4, 0x0011c017);
  b.set(fileId, o + 8);
  put32(b, o + 24, HEADER + 56);
  put32(b, o + 28, data.length);
  put32(b, o + 44, maxOut);
  put32(b, o + 48, 1); // SMB2_0_IOCTL_IS_FSCTL
  b.set(data, o + 56);
  return b;
}

/** An IOCTL response's output bytes, or null. */
export function ioctlOutput(m: Uint8Array): Uint8Array | null {
  if (!isSmb2(m) || command(m) != IOCTL || m.length < HEADER + 48 || le16(m, HEADER) != 49) return null;
  const at = <i32>le32(m, HEADER + 32), len = <i32>le32(m, HEADER + 36);
  if (len < 0 || at < 0 || at + len > m.length) return null;
  return m.slice(at, at + len);
}

/** READ of up to `length` bytes from `fileId`. */
export function read(ids: Ids, fileId: Uint8Array, length: i32): Uint8Array {
  const b = request(ids, READ, 49);
  put16(b, HEADER, 49);
  b[HEADER + 2] = 0x50; // data right after the response header
  put32(b, HEADER + 4, length);
  b.set(fileId, HEADER + 16);
  return b;
}

export function readData(m: Uint8Array): Uint8Array | null {
  if (!isSmb2(m) || command(m) != READ || m.length < HEADER + 16 || le16(m, HEADER) != 17) return null;
  const at = <i32>m[HEADER + 2], len = <i32>le32(m, HEADER + 4);
  if (len < 0 || at + len > m.length) return null;
  return m.slice(at, at + len);
}

export function close(ids: Ids, fileId: Uint8Array): Uint8Array {
  const b = request(ids, CLOSE, 24);
  put16(b, HEADER, 24);
  b.set(fileId, HEADER + 8);
  return b;
}
