// SMTP STARTTLS (RFC 3207) before the TLS handshake or a crafted ClientHello:
// 220 greeting, EHLO, 250, STARTTLS, 220. Replies are read by the SDK's
// numbered-reply reader, capped in lines and bytes.
import { CodedReply, Socket, deadlineIn, errorName, readCodedReply } from "@wasmap/sdk-assemblyscript";

/** Most lines in one SMTP reply, and the longest line. */
const MAX_LINES = 64;
const MAX_LINE_BYTES = 1024;

/** Why a reply is not usable, "" when it is. */
function problem(r: CodedReply): string {
  if (r.ok) return "";
  if (r.malformed) return r.lines.length >= MAX_LINES ? "SMTP reply longer than " + MAX_LINES.toString() + " lines" : "malformed SMTP reply";
  return r.error == 0 ? "connection closed" : errorName(r.error);
}

/** Runs the SMTP STARTTLS exchange on `sock` within `timeout` ms in all; "" when TLS may start, else why not. */
export function smtpStartTls(sock: Socket, timeout: i32): string {
  const deadline = deadlineIn(timeout);
  let r = readCodedReply(sock, 0, true, MAX_LINE_BYTES, MAX_LINES, deadline);
  if (problem(r).length > 0) return "SMTP greeting: " + problem(r);
  if (r.code != 220) return "SMTP greeting " + r.code.toString();
  if (sock.sendString("EHLO wasmap.test\r\n") < 0) return "send: " + errorName(sock.error);
  r = readCodedReply(sock, 0, true, MAX_LINE_BYTES, MAX_LINES, deadline);
  if (problem(r).length > 0) return "EHLO: " + problem(r);
  if (r.code != 250) return "EHLO refused: " + r.code.toString();
  if (!r.text().toUpperCase().includes("STARTTLS")) return "STARTTLS not offered";
  if (sock.sendString("STARTTLS\r\n") < 0) return "send: " + errorName(sock.error);
  r = readCodedReply(sock, 0, true, MAX_LINE_BYTES, MAX_LINES, deadline);
  if (problem(r).length > 0) return "STARTTLS: " + problem(r);
  if (r.code != 220) return "STARTTLS refused: " + r.code.toString();
  return "";
}
