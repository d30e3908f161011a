// PostgreSQL frontend/backend protocol 3.0, the start of a session:
// https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP
// https://www.postgresql.org/docs/current/protocol-message-formats.html
// Backend messages are a type byte, an int32 length (counting itself) and a
// body; every body is bounds-checked and capped here.
import { EINVAL, MapWriter, Socket } from "@wasmap/sdk-assemblyscript";

/** Largest backend message read during startup (an ErrorResponse is ~150 bytes). */
export const MAX_MESSAGE_BYTES: i32 = 8192;
/** Messages read after AuthenticationOk before ReadyForQuery (~15 ParameterStatus). */
export const MAX_STARTUP_MESSAGES: i32 = 64;
/** Fields kept from one ErrorResponse and SASL mechanisms from one request. */
const MAX_FIELDS: i32 = 32;

/** The 8-byte SSLRequest: length 8, code 80877103. */
export function sslRequest(): Uint8Array {
  const b = new Uint8Array(8);
  b[3] = 8; b[4] = 0x04; b[5] = 0xd2; b[6] = 0x16; b[7] = 0x2f;
  return b;
}

/** StartupMessage, protocol 3.0, with user and database. */
export function startupMessage(user: string, database: string): Uint8Array {
  const body = "user\0" + user + "\0database\0" + database + "\0\0";
  const enc = Uint8Array.wrap(String.UTF8.encode(body));
  const len = 8 + enc.length;
  const b = new Uint8Array(len);
  b[0] = <u8>(len >>> 24); b[1] = <u8>(len >>> 16); b[2] = <u8>(len >>> 8); b[3] = <u8>len;
  b[5] = 3; // 196608 = 3 << 16
  b.set(enc, 8);
  return b;
}

/** Terminate ('X'). */
export function terminate(): Uint8Array {
  const b = new Uint8Array(5);
  b[0] = 0x58; b[4] = 4;
  return b;
}

export class Message {
  type: i32 = 0;
  body: Uint8Array = new Uint8Array(0);
  /** Socket error code, or 0 when the peer closed / the message broke a rule (`malformed`). */
  error: i32 = 0;
  malformed: bool = false;
  ok: bool = false;
}

function be32(b: Uint8Array, at: i32): i32 {
  return (<i32>b[at] << 24) | (<i32>b[at + 1] << 16) | (<i32>b[at + 2] << 8) | <i32>b[at + 3];
}

/** Reads one backend message; its length must be 4..MAX_MESSAGE_BYTES. */
export function readMessage(sock: Socket, timeoutMs: i32): Message {
  const m = new Message();
  const head = sock.readExactly(5, timeoutMs);
  if (head === null) { m.error = sock.error; return m; }
  m.type = head[0];
  const len = be32(head, 1);
  if (len < 4 || len > MAX_MESSAGE_BYTES) { m.malformed = true; return m; }
  const body = sock.readExactly(len - 4, timeoutMs);
  if (body === null) {
    if (sock.error == EINVAL) m.malformed = true; else m.error = sock.error;
    return m;
  }
  m.body = body;
  m.ok = true;
  return m;
}

/** NUL-terminated strings from `at` on, up to `max` of them, stopping at an empty one. */
export function cstrings(b: Uint8Array, at: i32, max: i32): string[] {
  const out: string[] = [];
  let i = at;
  while (i < b.length && out.length < max) {
    let end = i;
    while (end < b.length && b[end] != 0) end++;
    if (end >= b.length || end == i) break; // unterminated, or the list's terminator
    out.push(String.UTF8.decodeUnsafe(b.dataStart + <usize>i, <usize>(end - i), false));
    i = end + 1;
  }
  return out;
}

/** An 'R' message's request: its code (-1 if the body is short) and, for SASL, the mechanisms. */
export class AuthRequest {
  code: i32 = -1;
  mechanisms: string[] = [];
}

export function parseAuth(body: Uint8Array): AuthRequest {
  const a = new AuthRequest();
  if (body.length < 4) return a;
  a.code = be32(body, 0);
  if (a.code == 10) a.mechanisms = cstrings(body, 4, MAX_FIELDS);
  return a;
}

/** pg_hba.conf's name for the method an Authentication request asks for. */
export function authMethodName(a: AuthRequest): string {
  switch (a.code) {
    case 0: return "trust";
    case 2: return "kerberos-v5";
    case 3: return "password";
    case 5: return "md5";
    case 7: return "gss";
    case 9: return "sspi";
    case 10: return a.mechanisms.includes("SCRAM-SHA-256") ? "scram-sha-256" : "sasl";
    default: return "unknown-" + a.code.toString();
  }
}

/** ErrorResponse/NoticeResponse fields (type byte + cstring each), by the protocol's names. */
export function parseErrorFields(body: Uint8Array): MapWriter {
  const m = new MapWriter();
  let i = 0;
  let n = 0;
  while (i < body.length && body[i] != 0 && n < MAX_FIELDS) {
    const t = body[i];
    let end = i + 1;
    while (end < body.length && body[end] != 0) end++;
    if (end >= body.length) break; // unterminated: keep the fields before it
    const v = String.UTF8.decodeUnsafe(body.dataStart + <usize>(i + 1), <usize>(end - i - 1), false);
    const name = errorFieldName(t);
    if (name.length > 0) m.str(name, v);
    i = end + 1;
    n++;
  }
  return m;
}

function errorFieldName(t: i32): string {
  switch (t) {
    case 0x53: return "severity";        // S (localized)
    case 0x56: return "severity_nonlocalized"; // V
    case 0x43: return "code";            // C: SQLSTATE
    case 0x4d: return "message";         // M
    case 0x44: return "detail";          // D
    case 0x48: return "hint";            // H
    case 0x46: return "file";            // F
    case 0x4c: return "line";            // L
    case 0x52: return "routine";         // R
    default: return "";
  }
}

/** A ParameterStatus body: name and value. */
export function parseParameter(body: Uint8Array): string[] | null {
  let a = 0;
  while (a < body.length && body[a] != 0) a++;
  let b = a + 1;
  while (b < body.length && body[b] != 0) b++;
  if (a == 0 || b >= body.length) return null; // nameless or unterminated
  const out: string[] = [];
  out.push(String.UTF8.decodeUnsafe(body.dataStart, <usize>a, false));
  out.push(String.UTF8.decodeUnsafe(body.dataStart + <usize>(a + 1), <usize>(b - a - 1), false));
  return out;
}
