// SMTP STARTTLS (RFC 3207) before the TLS handshake or a crafted ClientHello:
// 220 greeting, EHLO, 250, STARTTLS, 220. Replies are capped (lines, bytes).
import { ETIMEDOUT, Socket, errorName, host_now_ms } from "@wasmap/sdk-assemblyscript";

/** Most lines in one SMTP reply. */
const MAX_LINES = 64;

class SmtpReply { code: i32 = 0; text: string = ""; error: string = ""; }

function readReply(sock: Socket, deadline: i64): SmtpReply {
  const r = new SmtpReply();
  for (let i = 0; i < MAX_LINES; i++) {
    const left = deadline - host_now_ms();
    if (left <= 0) { r.error = errorName(ETIMEDOUT); return r; }
    const line = sock.readLine(1024, <i32>left);
    if (line === null) { r.error = sock.error == 0 ? "connection closed" : errorName(sock.error); return r; }
    if (line.length < 3) { r.error = "malformed SMTP reply"; return r; }
    const code = I32.parseInt(line.substring(0, 3), 10);
    if (isNaN<f64>(<f64>code) || code < 100 || code > 599) { r.error = "malformed SMTP reply"; return r; }
    r.code = code;
    r.text += line + "\n";
    if (line.length == 3 || line.charAt(3) == " ") return r;
  }
  r.error = "SMTP reply longer than " + MAX_LINES.toString() + " lines";
  return r;
}

/** Runs the SMTP STARTTLS exchange on `sock` within `timeout` ms in all; "" when TLS may start, else why not. */
export function smtpStartTls(sock: Socket, timeout: i32): string {
  const deadline = host_now_ms() + <i64>timeout;
  let r = readReply(sock, deadline);
  if (r.error.length > 0) return "SMTP greeting: " + r.error;
  if (r.code != 220) return "SMTP greeting " + r.code.toString();
  if (sock.sendString("EHLO wasmap.test\r\n") < 0) return "send: " + errorName(sock.error);
  r = readReply(sock, deadline);
  if (r.error.length > 0) return "EHLO: " + r.error;
  if (r.code != 250) return "EHLO refused: " + r.code.toString();
  if (!r.text.toUpperCase().includes("STARTTLS")) return "STARTTLS not offered";
  if (sock.sendString("STARTTLS\r\n") < 0) return "send: " + errorName(sock.error);
  r = readReply(sock, deadline);
  if (r.error.length > 0) return "STARTTLS: " + r.error;
  if (r.code != 220) return "STARTTLS refused: " + r.code.toString();
  return "";
}
