// The srvsvc pipe over SMB1, for servers without SMB2 (MS-CIFS §2.2.4):
// TREE_CONNECT_ANDX to IPC$, NT_CREATE_ANDX of the pipe, TRANSACTION with
// TransactNmPipe (§2.2.5.6) to write a PDU and read its answer, READ_ANDX for
// what did not fit, CLOSE.
import { utf16leBytes } from "@wasmap/sdk-assemblyscript";
import { Pipe, PipeData } from "./pipe";
import { Ids1, header, isSmb1, smb1Status, tidOf } from "./smb1";
import { STATUS_BUFFER_OVERFLOW, STATUS_SUCCESS } from "./smb2";
import { ntStatusName } from "./nt-status";
import { Conn, exchange, le16, put16, put32 } from "./wire";

const CMD_CLOSE: u8 = 0x04;
const CMD_TRANSACTION: u8 = 0x25;
const CMD_READ_ANDX: u8 = 0x2e;
const CMD_TREE_CONNECT_ANDX: u8 = 0x75;
const CMD_NT_CREATE_ANDX: u8 = 0xa2;
/** The data asked for per TRANSACTION or READ_ANDX: what Windows asks, under every server's buffer size. */
const MAX_DATA: i32 = 4280;

/** UTF-16LE `s` with its NUL. */
function z16(s: string): Uint8Array {
  const u = utf16leBytes(s);
  const b = new Uint8Array(u.length + 2);
  b.set(u, 0);
  return b;
}

function treeConnectAndX(ids: Ids1, path: string): Uint8Array {
  const p = z16(path);
  const service = "?????"; // any share type
  // bytes: 1-byte empty password (offset 43), then the path at 44 (2-aligned), then the service in ASCII
  const bytes = 1 + p.length + service.length + 1;
  const b = header(CMD_TREE_CONNECT_ANDX, 32 + 1 + 8 + 2 + bytes, ids);
  b[32] = 4;
  b[33] = 0xff; // no AndX
  put16(b, 39, 1); // PasswordLength
  put16(b, 41, bytes);
  b.set(p, 44);
  for (let i = 0; i < service.length; i++) b[44 + p.length + i] = <u8>service.charCodeAt(i);
  return b;
}

function ntCreateAndX(ids: Ids1, name: string): Uint8Array {
  const n = z16(name);
  const bytes = 1 + n.length; // a pad byte puts the name at 84, 2-aligned
  const b = header(CMD_NT_CREATE_ANDX, 32 + 1 + 48 + 2 + bytes, ids);
  b[32] = 24;
  b[33] = 0xff;
  put16(b, 38, n.length - 2);
  put32(b, 48, 0x0002019f); // read, write, append, read/write EA and attributes, read control, synchronize
  put32(b, 64, 3); // share read, write
  put32(b, 68, 1); // FILE_OPEN
  put32(b, 76, 2); // impersonation
  put16(b, 81, bytes);
  b.set(n, 84);
  return b;
}

/** TRANSACTION TransactNmPipe on `fid`: writes `data` and asks for up to MAX_DATA bytes of the answer. */
function transactNmPipe(ids: Ids1, fid: i32, data: Uint8Array): Uint8Array {
  // words at 33..64 (16 with the two setup words), byte count at 65, "\PIPE\" from 68, data 4-aligned at 84
  const at = 84;
  const b = header(CMD_TRANSACTION, at + data.length, ids);
  b[32] = 16;
  put16(b, 35, data.length); // TotalDataCount
  put16(b, 39, MAX_DATA); // MaxDataCount
  put16(b, 53, at); // ParameterOffset (no parameters)
  put16(b, 55, data.length);
  put16(b, 57, at);
  b[59] = 2; // SetupCount
  put16(b, 61, 0x0026); // TransactNmPipe
  put16(b, 63, fid);
  put16(b, 65, at + data.length - 67);
  b.set(z16("\\PIPE\\"), 68);
  b.set(data, at);
  return b;
}

function readAndX(ids: Ids1, fid: i32): Uint8Array {
  const b = header(CMD_READ_ANDX, 32 + 1 + 24 + 2, ids);
  b[32] = 12;
  b[33] = 0xff;
  put16(b, 37, fid);
  put16(b, 43, MAX_DATA); // MaxCountOfBytesToReturn
  put16(b, 45, MAX_DATA); // MinCountOfBytesToReturn
  return b;
}

function close1(ids: Ids1, fid: i32): Uint8Array {
  const b = header(CMD_CLOSE, 32 + 1 + 6 + 2, ids);
  b[32] = 3;
  put16(b, 33, fid);
  put32(b, 35, 0xffffffff); // LastTimeModified: leave it
  return b;
}

/** The data a response carries at the (DataCount, DataOffset) word offsets given; null when they point outside it. */
function dataAt(m: Uint8Array, countAt: i32, offsetAt: i32): Uint8Array | null {
  if (m.length < offsetAt + 2) return null;
  const len = le16(m, countAt), at = le16(m, offsetAt);
  if (at + len > m.length) return null;
  return m.slice(at, at + len);
}

export class Smb1Pipe extends Pipe {
  fid: i32 = -1;
  constructor(c: Conn, timeout: i32, public ids: Ids1) { super(c, timeout); }

  /** The response to a request of `cmd`, or null with `error` set for a refusal or a malformed answer. */
  private ask(msg: Uint8Array, cmd: u8, wait: i32, what: string, ok: u32 = STATUS_SUCCESS): Uint8Array | null {
    const m = exchange(this.c, msg, wait, what);
    if (m === null) return null;
    if (!isSmb1(m) || m[4] != cmd) { this.error = what + ": not an SMB1 response to it"; return null; }
    const st = smb1Status(m);
    if (st != STATUS_SUCCESS && st != ok) { this.error = what + ": " + ntStatusName(st); return null; }
    return m;
  }

  open(server: string, name: string, wait: i32): bool {
    const t = this.ask(treeConnectAndX(this.ids, "\\\\" + server + "\\IPC$"), CMD_TREE_CONNECT_ANDX, this.timeout, "TREE_CONNECT_ANDX IPC$");
    if (t === null) return false;
    this.ids.tid = tidOf(t);
    const what = "NT_CREATE_ANDX " + name;
    const cr = this.ask(ntCreateAndX(this.ids, "\\" + name), CMD_NT_CREATE_ANDX, wait, what);
    if (cr === null) return false;
    if (cr.length < 40 || cr[32] < 3) { this.error = what + ": no FID in the response"; return false; }
    this.fid = le16(cr, 38);
    return true;
  }

  transceive(pdu: Uint8Array, wait: i32, what: string): PipeData | null {
    const m = this.ask(transactNmPipe(this.ids, this.fid, pdu), CMD_TRANSACTION, wait, what, STATUS_BUFFER_OVERFLOW);
    if (m === null) return null;
    // TRANSACTION response words: DataCount at 45, DataOffset at 47
    const data = m[32] >= 10 ? dataAt(m, 45, 47) : null;
    if (data === null) { this.error = what + ": malformed TRANSACTION response"; return null; }
    return new PipeData(data, smb1Status(m) == STATUS_BUFFER_OVERFLOW);
  }

  read(what: string): PipeData | null {
    const m = this.ask(readAndX(this.ids, this.fid), CMD_READ_ANDX, this.timeout, what, STATUS_BUFFER_OVERFLOW);
    if (m === null) return null;
    // READ_ANDX response words: DataLength at 43, DataOffset at 45
    const data = m[32] >= 12 ? dataAt(m, 43, 45) : null;
    if (data === null) { this.error = what + ": malformed READ_ANDX response"; return null; }
    return new PipeData(data, smb1Status(m) == STATUS_BUFFER_OVERFLOW);
  }

  close(): void {
    if (this.c.stop === null && this.fid >= 0) exchange(this.c, close1(this.ids, this.fid), this.timeout, "CLOSE");
  }
}
