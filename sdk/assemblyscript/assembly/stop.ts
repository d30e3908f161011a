// Why a plugin's exchange with a server ended early, as the result's status
// and error: what the vnc, ldap and smb plugins carry from step to step.
import { errorName, statusForError } from "./errors";
import { Socket } from "./socket";
import { STATUS_PROTOCOL_ERROR } from "./status";

/** A failed step: its status and reason, for the result. */
export class Stop {
  constructor(public status: string, public error: string) {}
}

/** The stop for a read that ended early: closed by the peer (or `closed`), else the socket's error. */
export function lostRead(sock: Socket, what: string, closed: bool = false): Stop {
  const e = sock.error;
  return closed || e == 0
    ? new Stop(STATUS_PROTOCOL_ERROR, "connection closed during " + what)
    : new Stop(statusForError(e), errorName(e) + " during " + what);
}
