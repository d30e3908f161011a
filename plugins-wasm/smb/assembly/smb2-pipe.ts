// The srvsvc pipe over SMB2: TREE_CONNECT, CREATE, IOCTL FSCTL_PIPE_TRANSCEIVE
// (READs fetch what did not fit), CLOSE.
import { Pipe, PipeData } from "./pipe";
import {
  Ids, STATUS_BUFFER_OVERFLOW, STATUS_SUCCESS, close, fileIdOf, ioctlOutput, openPipe, read, readData, status, transceive, treeConnect, treeIdOf,
} from "./smb2";
import { ntStatusName } from "./nt-status";
import { Conn, exchange } from "./wire";

/** Most pipe bytes asked for per IOCTL or READ (one credit). */
const MAX_PIPE_READ: i32 = 65536;

export class Smb2Pipe extends Pipe {
  fileId: Uint8Array = new Uint8Array(0);
  constructor(c: Conn, timeout: i32, public ids: Ids) { super(c, timeout); }

  open(server: string, name: string, wait: i32): bool {
    const t = exchange(this.c, treeConnect(this.ids, "\\\\" + server + "\\IPC$"), this.timeout, "TREE_CONNECT IPC$");
    if (t === null) return false;
    if (status(t) != STATUS_SUCCESS) { this.error = "TREE_CONNECT IPC$: " + ntStatusName(status(t)); return false; }
    this.ids.treeId = treeIdOf(t);
    const cr = exchange(this.c, openPipe(this.ids, name), wait, "CREATE " + name);
    if (cr === null) return false;
    const id = fileIdOf(cr);
    if (id === null || status(cr) != STATUS_SUCCESS) { this.error = "CREATE " + name + ": " + ntStatusName(status(cr)); return false; }
    this.fileId = id;
    return true;
  }

  transceive(pdu: Uint8Array, wait: i32, what: string): PipeData | null {
    const m = exchange(this.c, transceive(this.ids, this.fileId, pdu, MAX_PIPE_READ), wait, what);
    if (m === null) return null;
    const st = status(m);
    if (st != STATUS_SUCCESS && st != STATUS_BUFFER_OVERFLOW) { this.error = what + ": " + ntStatusName(st); return null; }
    const out = ioctlOutput(m);
    if (out === null) { this.error = what + ": malformed IOCTL response"; return null; }
    return new PipeData(out, st == STATUS_BUFFER_OVERFLOW);
  }

  read(what: string): PipeData | null {
    const m = exchange(this.c, read(this.ids, this.fileId, MAX_PIPE_READ), this.timeout, what);
    if (m === null) return null;
    const st = status(m);
    const data = readData(m);
    if (data === null || (st != STATUS_SUCCESS && st != STATUS_BUFFER_OVERFLOW)) { this.error = what + ": " + ntStatusName(st); return null; }
    return new PipeData(data, st == STATUS_BUFFER_OVERFLOW);
  }

  close(): void {
    if (this.c.stop === null && this.fileId.length > 0) exchange(this.c, close(this.ids, this.fileId), this.timeout, "CLOSE");
  }
}
