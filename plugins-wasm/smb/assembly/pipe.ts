// A named pipe on IPC$, as the share listing needs it, over either SMB
// version: SMB2 (CREATE, IOCTL FSCTL_PIPE_TRANSCEIVE, READ) or SMB1
// (NT_CREATE_ANDX, TRANSACTION TransactNmPipe, READ_ANDX). A refusal sets
// `error`; a lost connection leaves the `Conn`'s stop.
import { Conn } from "./wire";

/** What one pipe request returned, and whether the server has more of that message. */
export class PipeData {
  constructor(public data: Uint8Array, public more: bool) {}
}

export abstract class Pipe {
  /** The first refusal, as "STEP: NT_STATUS_…". */
  error: string = "";
  constructor(public c: Conn, public timeout: i32) {}

  /** TREE_CONNECT \\server\IPC$, then opens pipe `name`, allowing `wait` ms for the open. */
  abstract open(server: string, name: string, wait: i32): bool;
  /** Writes `pdu` to the pipe and reads the first part of its answer. */
  abstract transceive(pdu: Uint8Array, wait: i32, what: string): PipeData | null;
  /** Reads what is left of the message the last answer started. */
  abstract read(what: string): PipeData | null;
  /** Closes the pipe, when the connection still holds. */
  abstract close(): void;
}
