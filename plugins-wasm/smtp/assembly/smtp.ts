// SMTP wire format (RFC 5321 §4.2): replies are "ddd text" or a multi-line
// "ddd-text … ddd text" block; EHLO's lines after the first are the service
// extensions (§4.1.1.1). Everything read from the server is capped here.
import { CodedReply, MapWriter, Service, Socket, isDigit, readCodedReply, sendCommand } from "@wasmap/sdk-assemblyscript";

/** Longest reply line kept (RFC 5321 §4.5.3.1.5 allows 512; some servers go past it). */
export const MAX_LINE_BYTES: i32 = 2048;
/** Lines per multi-line reply (EHLO lists ~10-20). */
export const MAX_REPLY_LINES: i32 = 128;

/** One reply (the SDK's numbered-reply reader). */
export type Reply = CodedReply;

/** Reads one complete reply within `timeoutMs` per line (RFC 5321 §4.2: every line of a block carries the code). */
export function readReply(sock: Socket, timeoutMs: i32): Reply {
  return readCodedReply(sock, timeoutMs, true, MAX_LINE_BYTES, MAX_REPLY_LINES);
}

/** Sends one command line and reads its reply (a failed send is a reply with that error). */
export function exchange(sock: Socket, line: string, timeoutMs: i32): Reply {
  return sendCommand(sock, line, timeoutMs, true, MAX_LINE_BYTES, MAX_REPLY_LINES);
}

/** EHLO extensions: keyword (upper-cased) → its parameters, first occurrence wins. */
export class Extensions {
  names: string[] = [];
  args: string[] = [];

  has(name: string): bool { return this.names.includes(name); }

  toMap(): MapWriter {
    const m = new MapWriter();
    for (let i = 0; i < this.names.length; i++) m.str(this.names[i], this.args[i]);
    return m;
  }
}

/** The extensions of a 250 EHLO reply (its first line is the greeting, not an extension). */
export function parseExtensions(r: Reply): Extensions {
  const e = new Extensions();
  if (r.code != 250) return e;
  for (let i = 1; i < r.lines.length; i++) {
    const body = r.lines[i].length > 4 ? r.lines[i].substring(4).trim() : "";
    if (body.length == 0) continue;
    const sp = body.indexOf(" ");
    const name = (sp < 0 ? body : body.substring(0, sp)).toUpperCase();
    if (e.has(name)) continue;
    e.names.push(name);
    e.args.push(sp < 0 ? "" : body.substring(sp + 1).trim());
  }
  return e;
}

/** Product and version named by a 220 greeting, nmap's product names. */
export function serviceFromBanner(banner: string): Service {
  const s = new Service("smtp");
  const w = banner.replaceAll(";", " ").replaceAll(",", " ").split(" ");
  for (let i = 0; i < w.length; i++) {
    const lw = w[i].toLowerCase();
    const next = i + 1 < w.length ? w[i + 1] : "";
    if (lw == "exim") {
      return named("Exim smtpd", version(next), "exim", "exim");
    }
    if (lw == "postfix") return named("Postfix smtpd", "", "postfix", "postfix");
    if (lw == "sendmail") return named("Sendmail", version(next.split("/")[0]), "sendmail", "sendmail");
    if (lw == "opensmtpd") return named("OpenSMTPD", "", "openbsd", "opensmtpd");
  }
  s.confidence = 0.9; // a 220 greeting and an SMTP dialogue, product unknown
  return s;
}

function named(product: string, v: string, vendor: string, cpeProduct: string): Service {
  return Service.of("smtp", product, v).addCpe(vendor, cpeProduct);
}

/** `tok` when it looks like a version (starts with a digit, then digits, dots, letters, '_'), else "". */
function version(tok: string): string {
  if (tok.length == 0 || tok.length > 32 || !isDigit(tok.charCodeAt(0))) return "";
  for (let i = 0; i < tok.length; i++) {
    const c = tok.charCodeAt(i);
    if (!(isDigit(c) || c == 0x2e || c == 0x5f || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a))) return "";
  }
  return tok;
}
