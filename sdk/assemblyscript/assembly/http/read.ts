// Reading one HTTP/1.x response off a socket with the bounded framing of
// ./response.ts, until it is whole, the deadline passes or `cap` bytes came.
import { msUntil } from "../clock";
import { concatBytes } from "../bytes";
import { ECONNRESET, ETIMEDOUT, errorName, statusForError } from "../errors";
import { Socket } from "../socket";
import { STATUS_IO_TIMEOUT, STATUS_PROTOCOL_ERROR } from "../status";
import { PARSE_MORE, Response, parseResponse } from "./response";

/** Bytes asked of the host per recv. */
const READ_CHUNK: i32 = 16384;

/** The last parse of what came, and why reading stopped early ("" when it did not). */
export class ResponseRead {
  constructor(public response: Response, public status: string, public error: string) {}
}

/** Reads until the response parses whole (or bad); the caller closes `sock`. */
export function readResponse(sock: Socket, isHead: bool, maxBody: i32, cap: i32, deadline: i64): ResponseRead {
  let buf = new Uint8Array(0);
  let closed = false;
  let status = "";
  let error = "";
  let r = parseResponse(buf, isHead, maxBody, false);
  while (r.status == PARSE_MORE) {
    const left = msUntil(deadline);
    if (left == 0 || buf.length >= cap) {
      status = left == 0 ? STATUS_IO_TIMEOUT : STATUS_PROTOCOL_ERROR;
      error = left == 0 ? "timed out reading the response" : "response framing needs more than " + cap.toString() + " bytes";
      break;
    }
    const got = sock.recv(min(READ_CHUNK, cap - buf.length), left);
    if (got === null) {
      const e = sock.error;
      if (e == ETIMEDOUT) { status = STATUS_IO_TIMEOUT; error = "timed out reading the response"; break; }
      if (e == ECONNRESET && buf.length > 0) closed = true; // some servers reset after the response
      else { status = statusForError(e); error = errorName(e) + " reading the response"; break; }
    } else if (got.length == 0) {
      closed = true;
    } else {
      buf = concatBytes(buf, got);
    }
    r = parseResponse(buf, isHead, maxBody, closed);
  }
  return new ResponseRead(r, status, error);
}
