// Little-endian fields, and the NetBIOS session service frame (RFC 1002
// §4.3.1; MS-SMB2 §2.1 "Direct TCP"): a 4-byte big-endian length before every
// SMB message; on port 139 a session request comes first. Reads carry one deadline per step; every miss becomes a
// `Stop` that keeps the status and reason for `result`.
import { ETIMEDOUT, STATUS_PROTOCOL_ERROR, Socket, Stop, deadlineIn, errorName, lostRead, msUntil, statusForError } from "@wasmap/sdk-assemblyscript";

/** Largest SMB message read: a NEGOTIATE or share list is a few KiB; the biggest the plugin asks for is 64 KiB of pipe data. */
export const MAX_MESSAGE: i32 = 1 << 17;

export function le16(b: Uint8Array, at: i32): i32 { return <i32>b[at] | (<i32>b[at + 1] << 8); }
export function le32(b: Uint8Array, at: i32): u32 { return <u32>b[at] | (<u32>b[at + 1] << 8) | (<u32>b[at + 2] << 16) | (<u32>b[at + 3] << 24); }
export function le64(b: Uint8Array, at: i32): u64 { return <u64>le32(b, at) | (<u64>le32(b, at + 4) << 32); }
export function put16(b: Uint8Array, at: i32, v: i32): void { b[at] = <u8>v; b[at + 1] = <u8>(v >> 8); }
export function put32(b: Uint8Array, at: i32, v: u32): void { b[at] = <u8>v; b[at + 1] = <u8>(v >> 8); b[at + 2] = <u8>(v >> 16); b[at + 3] = <u8>(v >> 24); }
export function put64(b: Uint8Array, at: i32, v: u64): void { put32(b, at, <u32>v); put32(b, at + 4, <u32>(v >> 32)); }

/** 16 bytes as a GUID in its text form (the first three fields little-endian). */
export function guidText(b: Uint8Array, at: i32): string {
  const order: i32[] = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];
  let s = "";
  for (let i = 0; i < order.length; i++) {
    const o = order[i];
    if (o < 0) { s += "-"; continue; }
    const v = <i32>b[at + o];
    s += (v < 16 ? "0" : "") + v.toString(16);
  }
  return s;
}


/** One connection's frames, with the stop of the first step that failed. */
export class Conn {
  stop: Stop | null = null;
  constructor(public sock: Socket) {}

  /** Sends `msg` in a NetBIOS session message; false with `stop` set. */
  send(msg: Uint8Array): bool {
    const f = new Uint8Array(4 + msg.length);
    f[1] = <u8>(msg.length >> 16); f[2] = <u8>(msg.length >> 8); f[3] = <u8>msg.length;
    f.set(msg, 4);
    if (this.sock.send(f) >= 0) return true;
    this.stop = new Stop(statusForError(this.sock.error), errorName(this.sock.error) + " sending");
    return false;
  }

  /** The next session message's payload (keepalives skipped), or null with `stop` set. */
  recv(deadline: i64, what: string): Uint8Array | null {
    for (let i = 0; i < 8; i++) {
      const h = this.exactly(4, deadline, what);
      if (h === null) return null;
      const len = (<i32>h[1] << 16) | (<i32>h[2] << 8) | h[3];
      if (h[0] == 0x85 && len == 0) continue; // session keepalive
      if (h[0] != 0) { this.fail("NetBIOS frame type 0x" + (<i32>h[0]).toString(16) + " in " + what); return null; }
      if (len > MAX_MESSAGE) { this.fail(what + " of " + len.toString() + " bytes is over the cap"); return null; }
      return this.exactly(len, deadline, what);
    }
    this.fail("only keepalives in " + what);
    return null;
  }

  private exactly(n: i32, deadline: i64, what: string): Uint8Array | null {
    const left = msUntil(deadline);
    if (left > 0) {
      const b = this.sock.readExactly(n, left);
      if (b !== null) return b;
    } else this.sock.error = ETIMEDOUT;
    this.stop = lostRead(this.sock, what);
    return null;
  }

  fail(error: string): void { this.stop = new Stop(STATUS_PROTOCOL_ERROR, error); }

  /**
   * The NetBIOS session request (RFC 1002 §4.3.2) that port 139 wants before
   * any SMB, calling "*SMBSERVER" as Windows clients do when they know no
   * NetBIOS name; false with `stop` set (a negative response names its reason).
   */
  sessionRequest(timeout: i32): bool {
    const f = new Uint8Array(4 + 68);
    f[0] = 0x81;
    f[3] = 68;
    f.set(nbName("*SMBSERVER", 0x20), 4);
    f.set(nbName("WASMAP", 0x00), 38);
    if (this.sock.send(f) < 0) {
      this.stop = new Stop(statusForError(this.sock.error), errorName(this.sock.error) + " sending the NetBIOS session request");
      return false;
    }
    const what = "the NetBIOS session request";
    const deadline = deadlineIn(timeout);
    const h = this.exactly(4, deadline, what);
    if (h === null) return false;
    const len = (<i32>h[1] << 16) | (<i32>h[2] << 8) | h[3];
    if (h[0] == 0x82 && len == 0) return true;
    if (h[0] == 0x83 && len == 1) {
      const e = this.exactly(1, deadline, what);
      if (e === null) return false;
      this.fail("NetBIOS session refused: " + nbtRefusal(e[0]));
      return false;
    }
    if (h[0] == 0x84) { this.fail("NetBIOS session retargeted to another address"); return false; }
    this.fail("NetBIOS frame type 0x" + (<i32>h[0]).toString(16) + " answering " + what);
    return false;
  }
}

/** A NetBIOS name, first-level encoded (RFC 1001 §14.1): 15 characters padded with spaces, the suffix, each nibble + 'A'; no scope. */
function nbName(name: string, suffix: i32): Uint8Array {
  const b = new Uint8Array(34);
  b[0] = 32;
  for (let i = 0; i < 16; i++) {
    const c: i32 = i == 15 ? suffix : i < name.length ? name.charCodeAt(i) : 0x20;
    b[1 + 2 * i] = <u8>(0x41 + (c >> 4));
    b[2 + 2 * i] = <u8>(0x41 + (c & 15));
  }
  return b;
}

/** NEGATIVE SESSION RESPONSE error codes (RFC 1002 §4.3.4). */
function nbtRefusal(code: i32): string {
  if (code == 0x80) return "not listening on the called name (0x80)";
  if (code == 0x81) return "not listening for the calling name (0x81)";
  if (code == 0x82) return "called name not present (0x82)";
  if (code == 0x83) return "called name present, insufficient resources (0x83)";
  return "unspecified error (0x" + code.toString(16) + ")";
}

/**
 * Sends `msg` and returns the next response that is not an SMB2 interim
 * STATUS_PENDING; null with `c.stop` set.
 */
export function exchange(c: Conn, msg: Uint8Array, timeout: i32, what: string): Uint8Array | null {
  if (!c.send(msg)) return null;
  const deadline = deadlineIn(timeout);
  for (let i = 0; i < 16; i++) {
    const m = c.recv(deadline, what);
    if (m === null) return null;
    const pending = m.length >= 64 && m[0] == 0xfe && le32(m, 8) == 0x103;
    if (!pending) return m;
  }
  c.fail("only interim responses to " + what);
  return null;
}
