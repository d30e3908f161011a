// The anonymous share listing, on a connection that holds a null session:
// TREE_CONNECT \\server\IPC$, CREATE srvsvc, DCE/RPC bind and NetrShareEnum
// through FSCTL_PIPE_TRANSCEIVE (READs fetch what did not fit), CLOSE.
import { ShareList, bind, bindAckError, netrShareEnum, parseShareEnum, reassemble } from "./srvsvc";
import {
  Ids, STATUS_BUFFER_OVERFLOW, STATUS_SUCCESS, close, fileIdOf, ioctlOutput, openPipe, read, readData, status, transceive, treeConnect, treeIdOf,
} from "./smb2";
import { ntStatusName } from "./nt-status";
import { Conn, exchange } from "./wire";

/** Most pipe bytes asked for per IOCTL or READ (one credit). */
const MAX_PIPE_READ: i32 = 65536;
/**
 * The wait for the pipe's CREATE and the bind: Samba starts its RPC servers
 * (samba-dcerpcd) on the first pipe open, which takes seconds on a busy host.
 */
const PIPE_START_MS: i32 = 10000;
/** Most READs after the IOCTL for one DCE/RPC response. */
const MAX_READS: i32 = 16;

/** The share list, or why there is none (`error`); `c.stop` is set when the connection failed. */
export class ShareListing {
  list: ShareList | null = null;
  error: string = "";
}

/** Writes `pdu` to the pipe and reads the whole DCE/RPC response; null with `out.error` or `c.stop` set. */
function call(c: Conn, ids: Ids, fileId: Uint8Array, pdu: Uint8Array, timeout: i32, what: string, out: ShareListing): Uint8Array | null {
  const m = exchange(c, transceive(ids, fileId, pdu, MAX_PIPE_READ), timeout, what);
  if (m === null) return null;
  const st = status(m);
  if (st != STATUS_SUCCESS && st != STATUS_BUFFER_OVERFLOW) { out.error = what + ": " + ntStatusName(st); return null; }
  const first = ioctlOutput(m);
  if (first === null) { out.error = what + ": malformed IOCTL response"; return null; }
  let got: Uint8Array = first;
  if (st == STATUS_SUCCESS) return got;
  for (let i = 0; i < MAX_READS; i++) {
    const r = reassemble(got);
    if (r.complete || r.error.length > 0) return got;
    const m2 = exchange(c, read(ids, fileId, MAX_PIPE_READ), timeout, what + " READ");
    if (m2 === null) return null;
    const st2 = status(m2);
    const data = readData(m2);
    if (data === null || (st2 != STATUS_SUCCESS && st2 != STATUS_BUFFER_OVERFLOW)) { out.error = what + " READ: " + ntStatusName(st2); return null; }
    const more: Uint8Array = data;
    const joined = new Uint8Array(got.length + more.length);
    joined.set(got, 0);
    joined.set(more, got.length);
    got = joined;
  }
  return got;
}

export function listShares(c: Conn, ids: Ids, server: string, timeout: i32): ShareListing {
  const out = new ShareListing();
  const t = exchange(c, treeConnect(ids, "\\\\" + server + "\\IPC$"), timeout, "TREE_CONNECT IPC$");
  if (t === null) return out;
  if (status(t) != STATUS_SUCCESS) { out.error = "TREE_CONNECT IPC$: " + ntStatusName(status(t)); return out; }
  ids.treeId = treeIdOf(t);
  const cr = exchange(c, openPipe(ids, "srvsvc"), max(timeout, PIPE_START_MS), "CREATE srvsvc");
  if (cr === null) return out;
  const id = fileIdOf(cr);
  if (id === null || status(cr) != STATUS_SUCCESS) { out.error = "CREATE srvsvc: " + ntStatusName(status(cr)); return out; }
  const fileId: Uint8Array = id;
  const ack = call(c, ids, fileId, bind(1), max(timeout, PIPE_START_MS), "srvsvc bind", out);
  if (ack !== null) {
    const why = bindAckError(ack);
    if (why.length > 0) out.error = why;
    else {
      const resp = call(c, ids, fileId, netrShareEnum(2, server), timeout, "NetrShareEnum", out);
      if (resp !== null) {
        const r = reassemble(resp);
        if (r.error.length > 0) out.error = r.error;
        else if (!r.complete) out.error = "NetrShareEnum response incomplete after " + MAX_READS.toString() + " READs";
        else {
          const list = parseShareEnum(r.stub);
          if (list.error.length > 0) out.error = list.error;
          else if (list.werror != 0) out.error = "NetrShareEnum WERROR 0x" + list.werror.toString(16);
          else out.list = list;
        }
      }
    }
  }
  if (c.stop === null) exchange(c, close(ids, fileId), timeout, "CLOSE");
  return out;
}
