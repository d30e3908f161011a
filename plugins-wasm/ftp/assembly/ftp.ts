// FTP control-connection wire format (RFC 959 §4.2): replies are
// "ddd text" or a multi-line "ddd-text … ddd text" block. Everything read
// from the server is capped here: line length, lines per reply, PASV syntax.
import { CodedReply, Service, Socket, isDigit, readCodedReply, sendCommand } from "@wasmap/sdk-assemblyscript";

/** Longest reply line kept (RFC 959 sets no limit; real servers stay far below). */
export const MAX_LINE_BYTES: i32 = 2048;
/** Lines per multi-line reply (FEAT lists ~20; a hostile server could send forever). */
export const MAX_REPLY_LINES: i32 = 128;

/** One reply (the SDK's numbered-reply reader). */
export type Reply = CodedReply;

/** Reads one complete reply within `timeoutMs` per line (RFC 959 §4.2: free text may sit between the first and the last line). */
export function readReply(sock: Socket, timeoutMs: i32): Reply {
  return readCodedReply(sock, timeoutMs, false, MAX_LINE_BYTES, MAX_REPLY_LINES);
}

/** Sends one command line and reads its reply (a failed send is a reply with that error). */
export function exchange(sock: Socket, line: string, timeoutMs: i32): Reply {
  return sendCommand(sock, line, timeoutMs, false, MAX_LINE_BYTES, MAX_REPLY_LINES);
}

/** The address of a 227 reply: "Entering Passive Mode (h1,h2,h3,h4,p1,p2)". */
export class PasvAddress {
  ip: string = "";
  port: i32 = 0;
}

/** Parses a 227 reply; null when it has no six bytes in range. */
export function parsePasv(text: string): PasvAddress | null {
  // the numbers follow the first digit after "227 "; parentheses are optional (RFC 1123 §4.1.2.6)
  let i = text.length >= 4 ? 4 : 0;
  while (i < text.length && !isDigit(text.charCodeAt(i))) i++;
  const nums: i32[] = [];
  while (i < text.length && nums.length < 6) {
    let n = 0;
    let digits = 0;
    while (i < text.length && isDigit(text.charCodeAt(i))) {
      n = n * 10 + (text.charCodeAt(i) - 0x30);
      digits++;
      if (digits > 3) return null;
      i++;
    }
    if (digits == 0 || n > 255) return null;
    nums.push(n);
    if (nums.length < 6) {
      if (i >= text.length || text.charCodeAt(i) != 0x2c) return null;
      i++;
    }
  }
  if (nums.length != 6) return null;
  const a = new PasvAddress();
  a.ip = nums[0].toString() + "." + nums[1].toString() + "." + nums[2].toString() + "." + nums[3].toString();
  a.port = nums[4] * 256 + nums[5];
  if (a.port == 0) return null;
  return a;
}

/** The port of a 229 reply: "Entering Extended Passive Mode (|||port|)" (RFC 2428). */
export function parseEpsv(text: string): i32 {
  const open = text.indexOf("(");
  if (open < 0 || open + 4 >= text.length) return 0;
  const d = text.charAt(open + 1);
  if (text.charAt(open + 2) != d || text.charAt(open + 3) != d) return 0;
  const end = text.indexOf(d, open + 4);
  if (end < 0 || end - (open + 4) > 5 || end == open + 4) return 0;
  let port = 0;
  for (let i = open + 4; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!isDigit(c)) return 0;
    port = port * 10 + (c - 0x30);
  }
  return port > 0 && port < 65536 ? port : 0;
}

/** FEAT's body: the lines between "211-" and "211 ", trimmed (RFC 2389 §3.2). */
export function parseFeatures(r: Reply): string[] {
  const out: string[] = [];
  if (r.code != 211) return out;
  for (let i = 1; i < r.lines.length - 1; i++) {
    const f = r.lines[i].trim();
    if (f.length > 0) out.push(f);
  }
  return out;
}

/** Product and version named by a 220 greeting. */
export function serviceFromBanner(banner: string): Service {
  const s = new Service("ftp");
  const lower = banner.toLowerCase();
  if (lower.includes("vsftpd")) {
    s.product = "vsftpd";
    s.version = versionAfter(banner, lower.indexOf("vsftpd") + 6);
    s.addCpe("beasts", "vsftpd");
    s.confidence = 1.0;
  } else if (lower.includes("proftpd")) {
    s.product = "ProFTPD";
    s.version = versionAfter(banner, lower.indexOf("proftpd") + 7);
    s.addCpe("proftpd", "proftpd");
    s.confidence = 1.0;
  } else if (lower.includes("pure-ftpd")) {
    s.product = "Pure-FTPd";
    s.confidence = 0.95;
  } else {
    s.confidence = 0.9; // a 220 reply and a working FTP dialogue
  }
  return s;
}

/** The token after `at` made of digits, dots and letters, if it starts with a digit. */
function versionAfter(text: string, at: i32): string {
  let i = at;
  while (i < text.length && text.charCodeAt(i) == 0x20) i++;
  const start = i;
  if (i >= text.length || !isDigit(text.charCodeAt(i))) return "";
  while (i < text.length && i - start < 32) {
    const c = text.charCodeAt(i);
    if (isDigit(c) || c == 0x2e || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) i++;
    else break;
  }
  return text.substring(start, i);
}
