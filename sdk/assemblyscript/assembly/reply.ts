// Numbered text replies, as FTP (RFC 959 §4.2) and SMTP (RFC 5321 §4.2)
// send them: "ddd text", or a multi-line block "ddd-text … ddd text". Other
// line protocols share the shape (LMTP, NNTP's 3-digit status lines, POP3
// does not). Everything read is capped: line length and lines per reply.
import { msUntil } from "./clock";
import { EINVAL, ETIMEDOUT, errorName, statusForError } from "./errors";
import { Socket } from "./socket";
import { STATUS_PROTOCOL_ERROR } from "./status";
import { isDigit } from "./text/ascii";

/** One reply; `code` 0 with `error`/`malformed` set when no complete reply was read. */
export class CodedReply {
  code: i32 = 0;
  lines: string[] = [];
  /** Socket error code (negative) or 0; `malformed` marks a protocol violation (the server's fault). */
  error: i32 = 0;
  malformed: bool = false;

  get ok(): bool { return this.code > 0; }

  /** The ABI §7 status of a reply that is not `ok`: protocol-error when the server broke the format or closed, else the socket error's. */
  failStatus(): string {
    return this.malformed || this.error == 0 ? STATUS_PROTOCOL_ERROR : statusForError(this.error);
  }

  /** Why a reply is not `ok`: "malformed reply", "connection closed mid-reply", or the socket error's name. */
  failReason(): string {
    if (this.malformed) return "malformed reply";
    return this.error == 0 ? "connection closed mid-reply" : errorName(this.error);
  }

  /** The reply text without the code prefixes, lines joined by "\n". */
  text(): string {
    const out: string[] = [];
    for (let i = 0; i < this.lines.length; i++) {
      const l = this.lines[i];
      out.push(l.length >= 4 && isReplyCode(l) ? l.substring(4) : l);
    }
    return out.join("\n");
  }
}

/** The line starts with three digits. */
export function isReplyCode(line: string): bool {
  return line.length >= 3 && isDigit(line.charCodeAt(0)) && isDigit(line.charCodeAt(1)) && isDigit(line.charCodeAt(2));
}

function failed(r: CodedReply, code: i32): CodedReply {
  // EINVAL from readLine means the line cap was hit: the server's fault
  if (code == EINVAL) r.malformed = true;
  else r.error = code;
  return r;
}

/**
 * Reads one complete reply, `timeoutMs` per line. `everyLineCoded`: SMTP
 * puts the code on every line of a block; FTP allows free text between the
 * first line and the last "ddd " line. More than `maxLines` lines, or a line
 * longer than `maxLineBytes`, is malformed. A `deadline` (in `nowMs()` terms,
 * 0 = none) bounds the whole reply: past it the error is `ETIMEDOUT`.
 */
export function readCodedReply(
  sock: Socket, timeoutMs: i32, everyLineCoded: bool, maxLineBytes: i32 = 2048, maxLines: i32 = 128, deadline: i64 = 0,
): CodedReply {
  const r = new CodedReply();
  let code = "";
  while (true) {
    if (r.lines.length >= maxLines) { r.malformed = true; return r; }
    let wait = timeoutMs;
    if (deadline > 0) {
      const left = msUntil(deadline);
      if (left == 0) return failed(r, ETIMEDOUT);
      wait = timeoutMs > 0 ? min(timeoutMs, left) : left;
    }
    const line = sock.readLine(maxLineBytes, wait);
    if (line === null) return failed(r, sock.error);
    r.lines.push(line);
    if (code.length == 0) {
      // the first line: "ddd", "ddd text" or "ddd-text"
      if (!isReplyCode(line) || (line.length > 3 && line.charCodeAt(3) != 0x20 && line.charCodeAt(3) != 0x2d)) { r.malformed = true; return r; }
      code = line.substring(0, 3);
      if (line.length == 3 || line.charCodeAt(3) == 0x20) break;
      continue;
    }
    const sameCode = line.startsWith(code);
    if (sameCode && (line.length == 3 || line.charCodeAt(3) == 0x20)) break; // the last line
    if (everyLineCoded && !(sameCode && line.length > 3 && line.charCodeAt(3) == 0x2d)) { r.malformed = true; return r; }
  }
  r.code = I32.parseInt(code, 10);
  return r;
}

/** Sends `line` + CRLF, then reads the reply as readCodedReply does; a failed send gives a reply with that `error`. */
export function sendCommand(
  sock: Socket, line: string, timeoutMs: i32, everyLineCoded: bool, maxLineBytes: i32 = 2048, maxLines: i32 = 128,
): CodedReply {
  if (sock.sendString(line + "\r\n") < 0) {
    const r = new CodedReply();
    r.error = sock.error;
    return r;
  }
  return readCodedReply(sock, timeoutMs, everyLineCoded, maxLineBytes, maxLines);
}
